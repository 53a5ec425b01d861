"""A virtual contactless card for vpcd: connect = tap, close = remove."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

VPCD_HOST = "127.0.0.1"
VPCD_BASE_PORT = 35963
GET_UID = bytes([0xFF, 0xCA, 0x00, 0x00, 0x00])

# PC/SC part 3 storage-card ATRs (C0 C1 = 0001 Mifare Classic 1K, 0003 Ultralight).
ATR_CLASSIC_1K = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
ATR_ULTRALIGHT = bytes.fromhex("3B8F8001804F0CA0000003060300030000000068")
ATR_DESFIRE = bytes.fromhex("3B8180018080")


class VirtualCard:
    """Speaks vpcd framing (2-byte big-endian length + payload) on a thread of its own.

    ``uid`` answers GET DATA with ``uid + 90 00``; ``error_sw`` makes it answer that status
    word instead, as a card the reader cannot read would; ``vanish_on_apdu`` drops the
    connection on the first APDU, as a card pulled away in the middle of the read.
    """

    def __init__(
        self,
        uid: str,
        atr: bytes = ATR_CLASSIC_1K,
        slot: int = 0,
        error_sw: bytes | None = None,
        vanish_on_apdu: bool = False,
    ) -> None:
        self.uid = bytes.fromhex(uid)
        self.atr = atr
        self.port = VPCD_BASE_PORT + slot
        self.error_sw = error_sw
        self.vanish_on_apdu = vanish_on_apdu
        self.apdus: list[bytes] = []
        self.powered = threading.Event()
        self.vanished = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self) -> None:
        """Connect to vpcd; pcscd sees the card at its next poll (about 0.4 s)."""
        self._sock = socket.create_connection((VPCD_HOST, self.port), timeout=5)
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(target=self._serve, name="vpcd-card", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Drop the connection: vpcd reports the card absent."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _answer(self, apdu: bytes) -> bytes:
        self.apdus.append(apdu)
        if apdu[:4] == GET_UID[:4]:
            return self.error_sw if self.error_sw is not None else self.uid + b"\x90\x00"
        return b"\x6d\x00"

    def _serve(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            while True:
                head = _recv_exact(sock, 2)
                if head is None:
                    return
                (length,) = struct.unpack(">H", head)
                msg = _recv_exact(sock, length)
                if msg is None:
                    return
                if len(msg) > 1 and self.vanish_on_apdu:
                    sock.shutdown(socket.SHUT_RDWR)
                    self.vanished.set()
                    return
                reply = self._handle(msg)
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            return

    def _handle(self, msg: bytes) -> bytes | None:
        if len(msg) == 1:
            if msg[0] == 0x04:
                return self.atr
            if msg[0] in (0x01, 0x02):
                self.powered.set()
            elif msg[0] == 0x00:
                self.powered.clear()
            return None
        return self._answer(msg)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        # vpcd writes length and payload separately; without quick ACKs Nagle's algorithm
        # on its side waits for our delayed ACK, adding 40 ms to every exchange.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data
