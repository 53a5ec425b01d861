"""Real printer links: network (raw 9100), serial, USB, CUPS and plain files.

Each opens the device for one job or one status check and closes it again, so a
network printer is free for other tills between receipts; each reports a status
before and after a job because a switched-off network printer swallows bytes silently.
``detail`` says in words why the last status was not OK.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

import serial

from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.printer.status import STATUS_QUERIES, interpret

log = logging.getLogger(__name__)


class TcpPrinter:
    """Raw ESC/POS over TCP (port 9100): a fresh connection per job and per status check."""

    def __init__(self, host: str, port: int = 9100, *, timeout: float = 5.0,
                 status_timeout: float = 1.0, query_status: bool = True,
                 close_wait: float = 0.5) -> None:
        self.host, self.port = host, port
        self.close_wait = close_wait
        self.timeout, self.status_timeout = timeout, status_timeout
        self.query_status = query_status
        self.detail = ""

    def __repr__(self) -> str:
        return f"TcpPrinter({self.host}:{self.port})"

    def send(self, data: bytes) -> None:
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as s:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            # Closing with unread bytes (automatic status back) makes Linux send RST and
            # drop whatever is still queued for the printer: read until it closes too.
            s.settimeout(self.close_wait)
            try:
                while s.recv(256):
                    pass
            except OSError as e:  # the job went out; only the goodbye was untidy
                log.debug("%r after the job: %s", self, e)

    def status(self) -> PrinterStatus:
        try:
            s = socket.create_connection((self.host, self.port), timeout=self.status_timeout)
        except OSError as e:
            self.detail = f"cannot connect to {self.host}:{self.port}: {e}"
            return PrinterStatus.UNREACHABLE
        with s:
            if not self.query_status:
                self.detail = ""
                return PrinterStatus.OK
            return self._query(s)

    def _query(self, s: socket.socket) -> PrinterStatus:
        answers: list[int] = []
        try:
            for query in STATUS_QUERIES:
                s.sendall(query)
                reply = s.recv(16)
                if not reply:
                    self.detail = "printer closed the connection during a status query"
                    return PrinterStatus.UNREACHABLE
                answers.append(reply[-1])
        except TimeoutError:
            self.detail = f"no answer to a status query within {self.status_timeout} s"
            return PrinterStatus.OFFLINE
        except OSError as e:
            self.detail = f"status query failed: {e}"
            return PrinterStatus.UNREACHABLE
        self.detail = ""
        return interpret(*answers)


class SerialPrinter:
    """ESC/POS over a serial port; opened per job so a pulled adapter is found again."""

    def __init__(self, port: str, baudrate: int = 9600, *, timeout: float = 5.0,
                 status_timeout: float = 0.5, rtscts: bool = False,
                 query_status: bool = True) -> None:
        self.port, self.baudrate = port, baudrate
        self.timeout, self.status_timeout = timeout, status_timeout
        self.rtscts, self.query_status = rtscts, query_status
        self.detail = ""

    def __repr__(self) -> str:
        return f"SerialPrinter({self.port}@{self.baudrate})"

    def _open(self, timeout: float) -> Any:
        try:
            return serial.Serial(self.port, self.baudrate, timeout=timeout,
                                 write_timeout=self.timeout, rtscts=self.rtscts)
        except (serial.SerialException, ValueError) as e:
            raise OSError(str(e)) from e

    def send(self, data: bytes) -> None:
        with self._open(self.timeout) as port:
            try:
                port.write(data)
                port.flush()
            except serial.SerialException as e:
                raise OSError(str(e)) from e

    def status(self) -> PrinterStatus:
        try:
            port = self._open(self.status_timeout)
        except OSError as e:
            self.detail = str(e)
            return PrinterStatus.UNREACHABLE
        with port:
            if not self.query_status:
                return PrinterStatus.OK
            answers: list[int] = []
            try:
                for query in STATUS_QUERIES:
                    port.reset_input_buffer()
                    port.write(query)
                    reply = port.read(1)
                    if not reply:
                        self.detail = "no answer to a status query"
                        return PrinterStatus.OFFLINE
                    answers.append(reply[0])
            except serial.SerialException as e:
                self.detail = str(e)
                return PrinterStatus.UNREACHABLE
        self.detail = ""
        return interpret(*answers)


class UsbPrinter:
    """USB printer through python-escpos ``Usb`` (needs pyusb); kept open between jobs."""

    def __init__(self, vendor: int, product: int, *, profile: str | None = None,
                 timeout_ms: int = 5000, in_ep: int = 0x82, out_ep: int = 0x01) -> None:
        self.vendor, self.product = vendor, product
        self._kwargs: dict[str, Any] = {"timeout": timeout_ms, "in_ep": in_ep,
                                        "out_ep": out_ep, "profile": profile}
        self._dev: Any = None
        self._lock = threading.Lock()
        self.detail = ""

    def __repr__(self) -> str:
        return f"UsbPrinter({self.vendor:04x}:{self.product:04x})"

    def _device(self) -> Any:
        if self._dev is None:
            from escpos.printer import Usb

            if not Usb.is_usable():
                raise OSError("USB printing needs pyusb: pip install pyusb")
            dev = Usb(self.vendor, self.product, **self._kwargs)
            try:
                dev.open()
            except Exception as e:  # escpos raises its own DeviceNotFoundError
                raise OSError(f"USB printer {self!r} not found: {e}") from e
            self._dev = dev
        return self._dev

    def _drop(self) -> None:
        if self._dev is not None:
            try:
                self._dev.close()
            except Exception:  # a vanished device fails to close too
                log.debug("closing USB printer failed", exc_info=True)
            self._dev = None

    def send(self, data: bytes) -> None:
        with self._lock:
            try:
                self._device()._raw(data)
            except OSError:
                self._drop()
                raise
            except Exception as e:  # usb.core.USBError is not an OSError
                self._drop()
                raise OSError(str(e)) from e

    def status(self) -> PrinterStatus:
        with self._lock:
            try:
                dev = self._device()
                answers = [dev.query_status(q) for q in STATUS_QUERIES]
            except Exception as e:  # any failure means we cannot reach it
                self._drop()
                self.detail = str(e)
                return PrinterStatus.UNREACHABLE
        if not all(answers):
            self.detail = "no answer to a status query"
            return PrinterStatus.OFFLINE
        self.detail = ""
        return interpret(*(a[0] for a in answers))

    def close(self) -> None:
        with self._lock:
            self._drop()


class CupsPrinter:
    """A CUPS raw queue, through the ``lp`` and ``lpstat`` commands (no pycups needed)."""

    def __init__(self, queue: str, *, timeout: float = 10.0) -> None:
        self.queue, self.timeout = queue, timeout
        self.detail = ""

    def __repr__(self) -> str:
        return f"CupsPrinter({self.queue})"

    def send(self, data: bytes) -> None:
        lp = shutil.which("lp")
        if lp is None:
            raise OSError("the CUPS 'lp' command is not installed")
        try:
            done = subprocess.run([lp, "-d", self.queue, "-o", "raw"], input=data,
                                  capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as e:
            raise OSError(f"lp did not finish within {self.timeout} s") from e
        if done.returncode:
            raise OSError(done.stderr.decode(errors="replace").strip() or "lp failed")

    def status(self) -> PrinterStatus:
        lpstat = shutil.which("lpstat")
        if lpstat is None:
            self.detail = "the CUPS 'lpstat' command is not installed"
            return PrinterStatus.UNREACHABLE
        try:
            done = subprocess.run([lpstat, "-p", self.queue], capture_output=True,
                                  timeout=self.timeout, check=False, text=True)
        except subprocess.TimeoutExpired:
            self.detail = "lpstat did not answer"
            return PrinterStatus.UNREACHABLE
        if done.returncode:
            self.detail = done.stderr.strip() or f"no CUPS queue {self.queue}"
            return PrinterStatus.UNREACHABLE
        if "disabled" in done.stdout:
            self.detail = done.stdout.strip()
            return PrinterStatus.OFFLINE
        self.detail = ""
        return PrinterStatus.OK


class FilePrinter:
    """Bytes appended to a file or written to a device node such as /dev/usb/lp0."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.detail = ""

    def __repr__(self) -> str:
        return f"FilePrinter({self.path})"

    def send(self, data: bytes) -> None:
        with self.path.open("ab") as f:
            f.write(data)

    def status(self) -> PrinterStatus:
        target = self.path if self.path.exists() else self.path.parent
        if os.access(target, os.W_OK):
            self.detail = ""
            return PrinterStatus.OK
        self.detail = f"cannot write to {target}"
        return PrinterStatus.UNREACHABLE
