#!/usr/bin/env bash
# Installs the Debian packages Tillcard's build and tests need, only those missing.
# Root on Debian: installs them. Otherwise: prints the exact command and exits 0 (make
# test then fails later with a clear message if something is really absent).
set -euo pipefail
PKGS=(swig libpcsclite-dev pcscd vsmartcard-vpcd xvfb xauth libxcb-cursor0 libxcb-icccm4
      libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1
      libxkbcommon-x11-0 libxcb-shape0 libegl1 libgl1 libfontconfig1 libdbus-1-3
      fonts-noto-cjk fonts-wqy-microhei socat poppler-utils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $cmd -qq
else
  echo "Missing Debian packages. Run as root:"
  echo "  sudo apt-get update && sudo $cmd"
fi
