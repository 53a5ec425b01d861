"""The ESC/POS test printer: a TCP server in a thread that decodes and answers status."""

from __future__ import annotations

import selectors
import socket
import threading
import uuid

from tillcard.devices.printer.decode import DecodedPrint, EscPosDecoder

# What a printer answers to DLE EOT 1, 2, 4 in each state: written out from the Epson
# tables (DEVICES.md section 4) rather than taken from the code under test.
ANSWERS = {
    "ok": {1: 0x12, 2: 0x12, 4: 0x12},
    "near_end": {1: 0x12, 2: 0x12, 4: 0x12 | 0x0C},
    "paper_out": {1: 0x12 | 0x08, 2: 0x12 | 0x20, 4: 0x12 | 0x60},
    "cover_open": {1: 0x12 | 0x08, 2: 0x12 | 0x04, 4: 0x12},
    "offline": {1: 0x12 | 0x08, 2: 0x12, 4: 0x12},
}
STATES = (*ANSWERS, "silent", "gone")
ENTRY_ID = uuid.UUID("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
VOIDED_ID = uuid.UUID("a1b2c3d4-0000-4000-8000-000000000001")


class EscPosTestPrinter:
    """A network receipt printer in a thread: decodes what it receives into lines and
    events, answers real-time status queries one byte each at a command boundary, and
    can be switched between ok, near_end, paper_out, cover_open, offline, silent (takes
    connections, never answers) and gone (stops listening).

    Like a real printer it keeps jobs received while it cannot print and prints them
    when it is back to ok or near_end.
    """

    def __init__(self, *, chinese_at_power_on: bool = True) -> None:
        self.chinese_at_power_on = chinese_at_power_on
        self.state = "ok"
        self.status_queries = 0
        self.connections = 0
        self._printed: list[DecodedPrint] = []
        self._held: list[DecodedPrint] = []
        self._cond = threading.Condition()
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._listener: socket.socket | None = None
        self._clients: dict[socket.socket, EscPosDecoder] = {}
        self._pending: list[tuple[str, threading.Event]] = []
        self._listen(0)
        self.port = self._bound_port
        self._stop = False
        self._thread = threading.Thread(target=self._serve, name="test-printer", daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def jobs(self) -> list[DecodedPrint]:
        with self._cond:
            return list(self._printed)

    @property
    def texts(self) -> list[str]:
        return [j.text for j in self.jobs if j.lines]

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self._printed) >= count, timeout)

    def set_state(self, state: str) -> None:
        """Switch state; returns once the server thread has applied it."""
        assert state in STATES, state
        done = threading.Event()
        with self._cond:
            self._pending.append((state, done))
        self._wake_w.send(b"x")
        assert done.wait(5), "test printer did not change state"

    def close(self) -> None:
        self._stop = True
        self._wake_w.send(b"x")
        self._thread.join(5)
        for client in list(self._clients):
            self._drop(client, keep=False)
        if self._listener is not None:
            self._sel.unregister(self._listener)
            self._listener.close()
        self._sel.unregister(self._wake_r)
        self._sel.close()
        self._wake_r.close()
        self._wake_w.close()

    # -- server thread -------------------------------------------------------------------

    def _listen(self, port: int) -> None:
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen(8)
        srv.setblocking(False)
        self._bound_port = srv.getsockname()[1]
        self._listener = srv
        self._sel.register(srv, selectors.EVENT_READ, "listen")

    def _serve(self) -> None:
        while not self._stop:
            for key, _ in self._sel.select(timeout=1.0):
                if key.data == "wake":
                    self._wake_r.recv(64)
                    self._apply_states()
                elif key.data == "listen":
                    self._accept()
                else:
                    self._read(key.fileobj)  # type: ignore[arg-type]

    def _apply_states(self) -> None:
        with self._cond:
            pending, self._pending = self._pending, []
        for state, done in pending:
            if state == "gone" and self._listener is not None:
                self._sel.unregister(self._listener)
                self._listener.close()
                self._listener = None
                for client in list(self._clients):
                    self._drop(client, keep=False)
            elif state != "gone" and self._listener is None:
                self._listen(self.port)
            with self._cond:
                self.state = state
                if state in ("ok", "near_end"):
                    self._printed.extend(self._held)
                    self._held.clear()
                    self._cond.notify_all()
            done.set()

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        client.setblocking(False)
        self.connections += 1
        self._clients[client] = EscPosDecoder(chinese_at_power_on=self.chinese_at_power_on)
        self._sel.register(client, selectors.EVENT_READ, "client")

    def _read(self, client: socket.socket) -> None:
        try:
            data = client.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(client, keep=True)
            return
        for event in self._clients[client].feed(data):
            if event.kind == "status_query":
                self.status_queries += 1
                answer = ANSWERS.get(self.state, {}).get(int(event.value))
                if answer is not None:
                    client.sendall(bytes([answer]))

    def _drop(self, client: socket.socket, *, keep: bool) -> None:
        decoder = self._clients.pop(client)
        self._sel.unregister(client)
        client.close()
        job = decoder.finish()
        if not keep or not job.printed_anything:
            return
        with self._cond:
            if self.state in ("ok", "near_end"):
                self._printed.append(job)
                self._cond.notify_all()
            elif self.state != "silent":
                self._held.append(job)
