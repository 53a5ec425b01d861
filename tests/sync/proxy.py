"""A loopback TCP proxy the tests control: pass, cut, black-hole or slow the link.

- cut: every open connection is reset and new ones are closed at once (a pulled cable
  with the switch answering, or the server's host rebooting).
- black hole: connections stay open but nothing gets through, either way (a dead route:
  the worst case, since nothing ever fails by itself).
- slow: every chunk is delayed (a congested VPN).
- mute replies: requests reach the server, answers are lost (a route dead one way, or a
  link that died while the server answered).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

RESET = struct.pack("ii", 1, 0)  # linger on, 0 s: close() sends RST, like a dead peer


class Proxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._srv = socket.create_server(("127.0.0.1", 0))
        self.port = self._srv.getsockname()[1]
        self.mode = "pass"
        self.delay_s = 0.0
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    # -- control --------------------------------------------------------------------------

    def cut(self) -> None:
        self.mode = "cut"
        self._drop_all()

    def blackhole(self) -> None:
        self.mode = "blackhole"

    def mute_replies(self) -> None:
        """Requests still reach the server; its answers are lost (a route dead one way)."""
        self.mode = "mute"

    def slow(self, delay_s: float) -> None:
        self.delay_s, self.mode = delay_s, "slow"

    def restore(self) -> None:
        """Let traffic through again; black-holed connections stay dead (as after a real
        outage), new ones work."""
        if self.mode == "blackhole":
            self._drop_all()
        self.mode = "pass"

    def close(self) -> None:
        self._closed = True
        self._srv.close()
        self._drop_all()

    def url(self, base_url: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(base_url).set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False)

    # -- plumbing -------------------------------------------------------------------------

    def _drop_all(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
                s.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._srv.accept()
            except OSError:
                return
            if self.mode == "cut":
                client.close()
                continue
            upstream = None
            if self.mode != "blackhole":
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    client.close()
                    continue
            with self._lock:
                self._socks.append(client)
                if upstream is not None:
                    self._socks.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            if upstream is not None:
                threading.Thread(target=self._pump, args=(upstream, client),
                                 daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket | None) -> None:
        replies = dst is not None and src.getpeername() == self.target
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.mode == "blackhole" or dst is None or (self.mode == "mute"
                                                               and replies):
                    continue
                if self.mode == "slow":
                    time.sleep(self.delay_s)  # the simulated latency itself
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                if s is not None:
                    with contextlib.suppress(OSError):
                        s.close()
