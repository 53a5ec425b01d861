"""pcscd and pyscard's process-wide monitor thread: is the service up, keep it watched."""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)

NOT_INSTALLED = "PC/SC support not installed (pip install 'tillcard[pcsc]')"
SERVICE_DOWN = "PC/SC service not running"


class PcscUnavailable(Exception):
    """pyscard is missing or pcscd is not running; the message says which."""


def list_pcsc_readers() -> list[str]:
    """Names of the PC/SC readers pcscd knows; raises PcscUnavailable when it cannot tell."""
    try:
        from smartcard.System import readers
    except ImportError as exc:
        raise PcscUnavailable(NOT_INSTALLED) from exc
    try:
        return [str(r) for r in readers()]
    except Exception as exc:  # pyscard raises several unrelated classes for "no pcscd"
        raise PcscUnavailable(f"{SERVICE_DOWN} ({exc})") from exc


def service_available() -> bool:
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != 0:
        return False
    scard.SCardReleaseContext(context)
    return True


def card_monitor_alive() -> bool:
    from smartcard.CardMonitoring import CardMonitoringThread

    thread = CardMonitoringThread.instance
    return thread is not None and bool(thread.is_alive())


def running_card_monitor() -> Any:
    """The CardMonitor singleton, with a new thread if the old one stopped.

    pyscard's thread ends for good when pcscd goes away and pyscard never restarts it, so
    we drop the dead one (releasing its PC/SC context first, or its ``__del__`` raises
    later) and let pyscard make another.
    """
    from smartcard.CardMonitoring import CardMonitor, CardMonitoringThread

    monitor = CardMonitor()
    thread = CardMonitoringThread.instance
    if thread is not None and thread.is_alive():
        return monitor
    _release_request(thread)
    CardMonitoringThread.instance = None
    CardMonitor.instance.rmthread = CardMonitoringThread(CardMonitor.instance)
    return monitor


def stop_card_monitor(timeout: float = 2.0) -> None:
    """Ends pyscard's card-monitor thread quietly, if no observer is left on it.

    Left alone, that thread outlives every reader, and when pcscd stops it prints
    tracebacks and leaves a context whose ``__del__`` raises. We wake it from its
    blocking wait with SCardCancel after setting its stop flag; a later
    ``running_card_monitor`` starts a new one.
    """
    try:
        from smartcard import scard
        from smartcard.CardMonitoring import CardMonitor, CardMonitoringThread
    except ImportError:
        return
    thread = CardMonitoringThread.instance
    if thread is None or CardMonitor().countObservers():
        return
    thread.stopEvent.set()
    deadline = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < deadline:
        request = _request_of(thread)
        if request is not None and request.hcontext is not None:
            scard.SCardCancel(request.hcontext)
        thread.join(0.05)
    if thread.is_alive():
        log.warning("pyscard's card monitor thread did not stop")
        return
    _release_request(thread)
    CardMonitoringThread.instance = None


def _request_of(thread: Any) -> Any:
    return getattr(getattr(thread, "cardrequest", None), "pcsccardrequest", None)


def _release_request(thread: Any) -> None:
    request = _request_of(thread)
    if request is None:
        return
    try:
        request.release()
    except Exception:  # the context died with pcscd; forget it so __del__ stays quiet
        request.hcontext = None
