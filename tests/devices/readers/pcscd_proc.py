"""A pcscd of our own for the tests and the tap benchmark: started, killed, restarted."""

from __future__ import annotations

import collections
import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
READER_0 = "Virtual PCD 00 00"
READER_1 = "Virtual PCD 00 01"
_VPCD_CONF = f"""FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      {VPCD_DRIVER}
CHANNELID    0x8C7B
"""


@contextlib.contextmanager
def vpcd_lock() -> Iterator[None]:
    """Holds a machine-wide lock: vpcd's TCP ports and pcscd are shared by every process.

    Two test sessions (or a session and the tap benchmark) would otherwise put cards on
    each other's slots and kill each other's pcscd.
    """
    path = Path(tempfile.gettempdir()) / "tillcard-vpcd.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def missing_prerequisite() -> str | None:
    """Why the PC/SC tests cannot run here, or None."""
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return "pyscard is not installed (pip install 'pyscard>=2.0,<3')"
    if shutil.which("pcscd") is None:
        return "pcscd is not installed (installer/system-deps.sh)"
    if not VPCD_DRIVER.exists():
        return "vsmartcard-vpcd is not installed (installer/system-deps.sh)"
    return None


def service_running() -> bool:
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != 0:
        return False
    scard.SCardReleaseContext(context)
    return True


class PcscdProcess:
    """``pcscd -f`` with only the two vpcd readers, so tests see a known set of readers."""

    def __init__(self, conf_dir: Path) -> None:
        conf_dir.mkdir(parents=True, exist_ok=True)
        (conf_dir / "vpcd").write_text(_VPCD_CONF)
        self.conf_dir = conf_dir
        self.log: collections.deque[str] = collections.deque(maxlen=200)
        self._proc: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 15.0) -> None:
        """Returns once pcscd says "daemon ready" (its readers are loaded by then)."""
        os.makedirs("/run/pcscd", exist_ok=True)
        ready = threading.Event()
        self._proc = subprocess.Popen(
            ["pcscd", "--foreground", "--info", "--config", str(self.conf_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, errors="replace")
        self._drain = threading.Thread(
            target=self._read_log, args=(self._proc, ready), name="pcscd-log", daemon=True)
        self._drain.start()
        if not ready.wait(timeout):
            self.kill()
            raise RuntimeError("pcscd did not get ready:\n" + "\n".join(self.log))

    def kill(self) -> None:
        """SIGKILL, like a crash: no clean-up by pcscd itself."""
        self._end(kill=True)

    def stop(self) -> None:
        self._end(kill=False)

    def _end(self, kill: bool) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if kill:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self._drain is not None:
            self._drain.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()

    def _read_log(self, proc: subprocess.Popen[str], ready: threading.Event) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.log.append(line.rstrip())
            if "daemon ready" in line:
                ready.set()


def wait_until_empty(reader: str, timeout: float = 10.0) -> None:
    """Blocks in SCardGetStatusChange until pcscd has noticed the reader is empty.

    A card put on a slot before pcscd's next poll (400 ms) noticed the previous card
    leave would look to pcscd like the same card never left.
    """
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == 0, hex(hresult & 0xFFFFFFFF)
    try:
        state = scard.SCARD_STATE_UNAWARE
        while True:
            hresult, states = scard.SCardGetStatusChange(
                context, int(timeout * 1000), [(reader, state)])
            if hresult & 0xFFFFFFFF == scard.SCARD_E_TIMEOUT & 0xFFFFFFFF:
                raise AssertionError(f"{reader} still holds a card after {timeout} s")
            assert hresult == 0, hex(hresult & 0xFFFFFFFF)
            state = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if state & scard.SCARD_STATE_EMPTY:
                return
    finally:
        scard.SCardReleaseContext(context)
