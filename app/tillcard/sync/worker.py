"""The till's sync thread: reconnect quickly, back-fill, pull on NOTIFY or by timer.

One thread does all of it, so pushes and pulls never race each other. It listens on a
dedicated autocommit connection (``LISTEN tillcard_changes``); a notification means a
card, card type, holder or user changed centrally, and a pull follows at once. Purses
change with every sale and do not notify: the periodic pull keeps the offline replica
fresh, and online tills read balances from the centre anyway.

Offline, two kinds of failure are told apart. Out of reach (a dead route, a cut cable,
the server's port closed): the worker asks again on a short timer with a cheap,
sub-second probe (``centre_answers``), so the till is back within about a second of the
network healing. Reached but failing (the login is refused, a back-fill hits a server
error): the centre is there and would only be hammered, so the worker waits
``link.backoff`` between attempts, and that grows until a cycle succeeds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from tillcard.store.engine import libpq_url
from tillcard.store.local_db import disk_reason, is_local_error
from tillcard.sync.central import CentralOptions, central_url, is_link_error
from tillcard.sync.heartbeat import HeartbeatSender
from tillcard.sync.link import LinkState
from tillcard.sync.till_sync import TillSync

log = logging.getLogger(__name__)
CHANNEL = "tillcard_changes"
NO_ANSWER = "no answer from the centre"

# The first packet a client may send (before any login): "can we speak TLS?". Every
# PostgreSQL server answers it with one byte ("S" or "N") and, if nothing follows, drops
# the connection without a complaint: proof that the server answers, with no login.
SSL_REQUEST = struct.pack("!ii", 8, 80877103)

Endpoint = str | tuple[str, int]  # a Unix socket path or (host, port)


class SyncWorker:
    """The sync thread of one till.

    Args:
        sync: the till's link to the centre.
        poll_s: how often an online till pulls when no NOTIFY comes.
        probe_every_s: while offline and out of reach, one probe starts this often.
        probe_timeout_s: the longest a probe waits for the centre's answer.
    """

    def __init__(self, sync: TillSync, poll_s: float = 10.0, *,
                 probe_every_s: float = 0.5, probe_timeout_s: float = 0.8) -> None:
        self.sync = sync
        self.poll_s = poll_s
        self.probe_every_s = probe_every_s
        self.probe_timeout_s = probe_timeout_s
        self.halted_check_s = 5.0
        self._endpoints = centre_endpoints(sync.opts)
        self._stop = threading.Event()
        self._listen: psycopg.Connection[tuple[object, ...]] | None = None
        self._thread = threading.Thread(target=self._run, name="tillcard-sync", daemon=True)
        self.cycles = 0  # completed sync cycles
        self.probes = 0  # cheap probes made while offline
        # its own thread: a heartbeat the centre does not answer delays no sync cycle
        self.heartbeat = HeartbeatSender(sync, sync.devices)

    def start(self) -> None:
        self._thread.start()
        self.heartbeat.start()
        self.sync.feed_ping.start()  # the console's wake-ups after this till's sales

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.sync.wake.set()
        self.heartbeat.stop(timeout)
        self.sync.feed_ping.stop(timeout)
        if self._thread.ident is not None:  # a till closed before it started never ran it
            self._thread.join(timeout)
        self._close_listen()

    def _run(self) -> None:
        while not self._stop.is_set():
            pause = self._turn()
            if pause > 0:
                self._stop.wait(pause)

    def _turn(self) -> float:
        """Probe if offline, then one cycle; how long to pause before the next turn."""
        link = self.sync.link
        started = time.monotonic()
        reached = False
        try:
            if link.state is LinkState.OFFLINE:
                self.probes += 1
                if not centre_answers(self._endpoints, self.probe_timeout_s):
                    link.down(NO_ANSWER)  # the same message again is no news
                    return self._until_next_probe(started)
                reached = True
                self.sync.probe()
                link.recovering()
            self._ensure_listen()
            self.sync.wake.clear()
            self.sync.cycle()
            self.cycles += 1
            if link.state is LinkState.ONLINE:
                self._wait_for_news()
            elif link.state is LinkState.HALTED:  # a twin, a chain that disagrees: a
                # person must act; look again now and then (a twin's lease may run out)
                self.sync.wake.wait(self.halted_check_s)
            else:  # still recovering (sales of unknown fate wait out the settle margin,
                # or sales came in meanwhile): no failure, but no reason to cycle flat out
                self.sync.wake.wait(self.probe_every_s)
        except Exception as exc:
            return self._failed(exc, reached, started)
        return 0.0

    def _failed(self, exc: Exception, reached: bool, started: float) -> float:
        """Go offline; the pause before the next turn depends on whether it was reached.

        A failure of the till's own disk is its own state: the centre is not to blame,
        and the worker tries again every few seconds (someone frees space meanwhile).
        """
        link = self.sync.link
        if is_local_error(exc):
            log.warning("sync: %s (%s)", disk_reason(exc), exc)
            link.disk(disk_reason(exc))
            return self.halted_check_s
        name = type(exc).__name__
        self.sync.central.dispose()
        self._close_listen()
        if reached and (not is_link_error(exc)
                        or centre_answers(self._endpoints, self.probe_timeout_s)):
            # The centre answered, failed, and still answers: back off. (Had it stopped
            # answering, the link flapped: out of reach again, nothing to back off from.)
            pause = link.backoff.next()
            log.warning("sync: the centre answers but the sync failed (%s: %s); "
                        "next try in %.1f s", name, exc, pause,
                        exc_info=exc if not is_link_error(exc) else None)
            link.down(f"the centre answers but the sync failed ({name})")
            return pause
        if not is_link_error(exc):
            log.exception("sync cycle failed", exc_info=exc)
        elif link.state is not LinkState.OFFLINE:
            log.warning("sync: central link lost: %s", exc)
        link.down(f"{NO_ANSWER} ({name})")
        return self._until_next_probe(started)

    def _until_next_probe(self, started: float) -> float:
        return max(0.0, self.probe_every_s - (time.monotonic() - started))

    def _wait_for_news(self) -> None:
        """Until a NOTIFY, a local wake-up (a sale to push), the poll interval or stop."""
        deadline = time.monotonic() + self.poll_s
        conn = self._listen
        while not self._stop.is_set() and not self.sync.wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self.sync.link.state is not LinkState.ONLINE:
                return
            if conn is None:
                self.sync.wake.wait(min(left, 0.2))
                continue
            got = False
            for _n in conn.notifies(timeout=min(left, 0.2), stop_after=1):
                got = True
            if got:
                return

    def _ensure_listen(self) -> None:
        if self._listen is not None and not self._listen.closed:
            return
        opts = self.sync.opts
        conn = psycopg.connect(
            libpq_url(central_url(opts)), autocommit=True,
            connect_timeout=opts.connect_timeout_s,
            application_name=f"{opts.application_name}-listen",
            # as the engine's connections: a dead route breaks the socket, and the wait
            # for news with it, instead of leaving it open for minutes
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2,
            tcp_user_timeout=int(opts.call_timeout_s * 1000))
        try:
            with _cut_after(conn, opts.call_timeout_s):  # a black hole would never answer
                conn.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            conn.close()
            raise
        self._listen = conn

    def _close_listen(self) -> None:
        conn, self._listen = self._listen, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


@contextlib.contextmanager
def _cut_after(conn: psycopg.Connection[tuple[object, ...]], seconds: float) -> Iterator[None]:
    """Shut the connection's socket down if the block is still waiting after ``seconds``.

    The blocked call then fails at once with an ordinary link error (as under
    ``central.Watchdog``, which watches the engine's connections, not this one).
    """
    fd = conn.pgconn.socket

    def cut() -> None:
        with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def centre_endpoints(opts: CentralOptions) -> list[Endpoint]:
    """Where the centre listens, as libpq would try it (``hostaddr``, else ``host``).

    Empty when the URL does not say (libpq's default socket or ``PGHOST``): then every
    probe says yes and the full connection decides.
    """
    try:
        params = conninfo_to_dict(libpq_url(central_url(opts)))
    except (psycopg.Error, ValueError):
        return []
    hosts = str(params.get("hostaddr") or params.get("host") or "").split(",")
    ports = str(params.get("port") or "").split(",")
    if len(ports) == 1:
        ports *= len(hosts)
    found: list[Endpoint] = []
    for host, port in zip(hosts, ports, strict=False):
        number = int(port) if port.strip().isdigit() else 5432
        if host.startswith("/"):
            found.append(f"{host}/.s.PGSQL.{number}")
        elif host:
            found.append((host, number))
    return found


def centre_answers(endpoints: Sequence[Endpoint], timeout_s: float) -> bool:
    """Whether a PostgreSQL server answers at one of ``endpoints`` within ``timeout_s``.

    A TCP connection alone proves little (a proxy or VPN gateway accepts it with the
    route behind it dead), so the probe waits for the server's one-byte answer to an
    ``SSL_REQUEST``: no login, and nothing in the server's log unless it logs every
    connection. One caveat: a server with ``ssl = on`` answers "S" and then logs that the
    TLS handshake never came (once per probe that finds it; none while out of reach).
    """
    if not endpoints:
        return True
    deadline = time.monotonic() + timeout_s
    return any(_answers(e, deadline) for e in endpoints)


def _answers(endpoint: Endpoint, deadline: float) -> bool:
    try:
        for family, address in _addresses(endpoint):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(left)
                try:
                    sock.connect(address)
                except OSError:
                    continue  # the next address of the name, if any
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                sock.sendall(SSL_REQUEST)
                return sock.recv(1) != b""
    except (OSError, ValueError):  # reset, timed out, unknown host
        return False
    return False


def _addresses(endpoint: Endpoint) -> list[tuple[int, Any]]:
    if isinstance(endpoint, str):
        return [(socket.AF_UNIX, endpoint)]
    host, port = endpoint
    return [(family, address) for family, _type, _proto, _name, address
            in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
