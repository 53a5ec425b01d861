#!/usr/bin/env bash
# Smoke test of the one-folder bundle, run as a new PC would run it: a bare environment
# (no venv, no PYTHONPATH, no DISPLAY), from a folder outside the repository, so a bundle
# that still leans on the build machine's Python fails here.
#
#   bash installer/check-dist.sh [dist/tillcard]        (make dist, make dist-check)
#
# `tillcard demo --selftest` builds the real cashier window offscreen, migrates a fresh
# SQLite with the Alembic scripts, sells to a demo card and prints the receipt through
# python-escpos to the simulated printer: Qt, its plugins, SQLAlchemy, the migrations and
# the printer profiles all have to be in the bundle. The translations are files it opens
# only when the language is Chinese, so their presence is checked here by name.
set -euo pipefail

app=$(cd "${1:-dist/tillcard}" 2>/dev/null && pwd) || { echo "no bundle at ${1:-dist/tillcard}: run 'make dist'" >&2; exit 1; }
exe=$app/tillcard
[ -x "$exe" ] || exe=$app/tillcard.exe
[ -x "$exe" ] || { echo "no tillcard program in $app: run 'make dist'" >&2; exit 1; }
internal=$app/_internal

failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

for f in tillcard/resources/i18n/tillcard_zh_CN.qm escpos/capabilities.json \
         tillcard/store/migrations/env.py; do
  [ -f "$internal/$f" ] || fail "the bundle lacks $f"
done
[ -n "$(find "$internal/PySide6" -name qtbase_zh_CN.qm)" ] || fail "the bundle lacks Qt's qtbase_zh_CN.qm"
want=$(find "$(dirname "$0")/../app/tillcard/store/migrations/versions" -name '*.py' 2>/dev/null | wc -l)
have=$(find "$internal/tillcard/store/migrations/versions" -name '*.py' 2>/dev/null | wc -l)
[ "$want" = 0 ] || [ "$want" = "$have" ] || fail "the bundle has $have migrations, the source $want: rebuild it (make dist)"
for p in offscreen xcb; do
  ls "$internal"/PySide6/Qt/plugins/platforms/*q"$p"* >/dev/null 2>&1 \
    || fail "the bundle lacks Qt's $p platform plugin"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/tillcard-dist-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
bare() { env -i PATH=/usr/bin:/bin HOME="$HOME" "$@"; }

echo "\$ $exe --version"
if out=$(bare "$exe" --version 2>&1); then
  echo "$out"
  [[ $out == "tillcard "[0-9]* ]] || fail "--version printed '$out'"
else
  rc=$?; echo "$out"; fail "--version exited $rc"
fi

echo "\$ $exe demo --selftest --data $work/demo"
if out=$(bare "$exe" demo --selftest --data "$work/demo" 2>&1); then
  echo "$out"
  grep -q "the receipt printed" <<<"$out" || fail "the selftest did not report a receipt"
else
  rc=$?; echo "$out"; fail "demo --selftest exited $rc"
fi

echo "\$ $exe demo --selftest --language zh_CN --data $work/demo-zh"
if out=$(bare "$exe" demo --selftest --language zh_CN --data "$work/demo-zh" 2>&1); then
  echo "$out"
  grep -q "the receipt printed" <<<"$out" || fail "the Chinese selftest did not report a receipt"
else
  rc=$?; echo "$out"; fail "demo --selftest --language zh_CN exited $rc (translations?)"
fi

# The same sale in a real X window (Qt's xcb plugin and the X libraries beside it), where
# an X server can be had: on a counter PC that is the plugin the till runs with.
if command -v xvfb-run >/dev/null; then
  echo "\$ xvfb-run $exe demo --selftest   (QT_QPA_PLATFORM=xcb)"
  if out=$(xvfb-run -a sh -c 'exec env -i PATH=/usr/bin:/bin HOME="$HOME" DISPLAY="$DISPLAY" \
             XAUTHORITY="$XAUTHORITY" QT_QPA_PLATFORM=xcb "$0" demo --selftest --data "$1"' \
             "$exe" "$work/demo-xcb" 2>&1); then
    echo "$out"
    grep -q "the receipt printed" <<<"$out" || fail "the xcb selftest did not report a receipt"
  else
    rc=$?; echo "$out"; fail "demo --selftest on xcb exited $rc"
  fi
else
  echo "(no xvfb-run: the xcb run is skipped)"
fi

if [ "$failed" = 0 ]; then
  echo "dist check passed: $app ($(du -sh "$app" | cut -f1))"
else
  echo "dist check FAILED: $app" >&2
fi
exit "$failed"
