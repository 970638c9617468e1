"""Direct keep-alive connections of the blocking transport, opened at a paced rate.

Connections are ``http.client`` ones rather than urllib3's (which ``transport`` still
uses for proxies). Measured here (benchmarks 1c and 7b): importing urllib3 costs about
40 ms of a one-id ``aliread`` run of about 200 ms, and a pooled urllib3 GET spends about
300 us more than ``http.client`` on the same keep-alive connection; what urllib3 adds
(retries, redirects, proxies, pool bookkeeping) is unused on a direct signed GET.

Pacing (``Opening``, also used by ``async_transport``): a request takes an idle
connection if there is one, else opens one if fewer than ``MAX_OPENING`` are opening,
else waits for either. A connection is *opening* while it connects, then until its first
answer is in or ``OPENING_GRACE`` has passed: ``connect()`` returns once the handshake is
done, while the connection may still wait in the server's accept queue, and only an
answer proves it left it. A server with a small listen backlog (Python's default is 5)
then keeps up; when its accept queue overflows anyway (a busy machine: its accepting
thread stalls), the SYN is dropped and the kernel would send it again only after 1 s,
then 3 s. So a connect that takes far longer than the fastest one so far is abandoned
and tried again at once, and from then on that server gets a longer grace
(``OPENING_GRACE_CAREFUL``): in practice a connection then counts as opening until its first
answer, unless answers are slow (a grace without end would let a server that answers
only once several requests are in, or answers slowly, starve reads waiting to connect).
"""

from __future__ import annotations

import http.client
import itertools
import select
import ssl
import threading
import time

MAX_OPENING = 4  # below the smallest common listen backlog (5)
# Seconds after which a connected connection no longer counts as opening, answered or
# not: the server has most likely accepted it. Waiting for the first answer instead
# would cost the ramp-up to 32 connections a round trip per 4 connections (+0.11x on
# benchmark 3 at 20 ms latency).
OPENING_GRACE = 0.005
OPENING_GRACE_CAREFUL = 0.1  # after a dropped SYN: 40 connections a second at most
# A connect slower than this many times the fastest one (and STUCK_FLOOR s) is taken for
# a dropped SYN: abandoned and tried again at once.
STUCK_FACTOR = 10.0
STUCK_FLOOR = 0.05
MAX_IDLE = 64  # connections kept per base URL (the CLI reads at most 64 at once)


class ConnectingTimedOut(TimeoutError):
    """No connection could be had within the connect timeout (all slots were busy)."""


class Opening:
    """The connections being opened to one server, as the pacing counts them (not
    thread-safe: the caller holds its lock, or runs on one event loop)."""

    __slots__ = ("_since", "_fastest", "limit", "grace")

    def __init__(self, limit: int = MAX_OPENING, grace: float = OPENING_GRACE) -> None:
        self.limit, self.grace = limit, grace
        self._since: dict[int, float] = {}  # token -> when connected (inf: connecting)
        self._fastest: float | None = None  # seconds, of a successful connect

    def wait_time(self, now: float) -> float:
        """0 if another connection may be opened now, else the seconds until one may
        (inf: until an opening ends)."""
        grace, since = self.grace, self._since
        for token in [t for t, at in since.items() if now - at >= grace]:
            del since[token]
        if len(since) < self.limit:
            return 0.0
        return min(since.values()) + grace - now

    def begin(self, token: int) -> None:
        self._since[token] = float("inf")

    def connected(self, token: int, started: float, now: float) -> None:
        """A connect begun at ``started`` succeeded at ``now``."""
        took = now - started
        if self._fastest is None or took < self._fastest:
            self._fastest = took
        if token in self._since:
            self._since[token] = now

    def end(self, token: int) -> None:
        self._since.pop(token, None)

    def attempt_timeout(self, remaining: float) -> float:
        """The timeout of one connect attempt, ``remaining`` seconds being left."""
        if self._fastest is None:
            return remaining
        return min(remaining, max(STUCK_FLOOR, STUCK_FACTOR * self._fastest))

    def stuck(self) -> None:
        """A connect attempt timed out early (a dropped SYN): a longer grace."""
        self.grace = max(self.grace, OPENING_GRACE_CAREFUL)


class DirectPool:
    """Keep-alive ``http.client`` connections to one ``host:port`` (TLS if ``tls``)."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None,
                 max_opening: int = MAX_OPENING, max_idle: int = MAX_IDLE) -> None:
        self.host, self.port, self._tls = host, port, tls
        self._max_idle = max_idle
        self._cond = threading.Condition(threading.Lock())
        self._idle: list[http.client.HTTPConnection] = []
        self._opening = Opening(max_opening)

    def acquire(self, connect_timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        """A connected connection and whether it is new (then it counts as opening until
        ``release``). Raises ``OSError`` (``TimeoutError`` after ``connect_timeout``
        seconds, ``ssl.SSLError`` for TLS) when none can be had."""
        wait_until = time.monotonic() + connect_timeout
        with self._cond:
            while True:
                while self._idle:
                    connection = self._idle.pop()
                    if _alive(connection):
                        return connection, False
                    connection.close()
                now = time.monotonic()
                pause = self._opening.wait_time(now)
                if pause <= 0:
                    break
                if now >= wait_until:
                    raise ConnectingTimedOut("connecting timed out")
                self._cond.wait(min(pause, wait_until - now))
            token = _tokens()
            self._opening.begin(token)
        try:
            connection = self._connect(token, wait_until)
        except BaseException:
            self._end_opening(token)
            raise
        connection._aliread_opening = token  # type: ignore[attr-defined]
        return connection, True

    def _connect(self, token: int, wait_until: float) -> http.client.HTTPConnection:
        while True:
            remaining = max(0.001, wait_until - time.monotonic())
            with self._cond:
                attempt = self._opening.attempt_timeout(remaining)
            if self._tls is None:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=attempt)
            else:
                connection = http.client.HTTPSConnection(self.host, self.port,
                                                         timeout=attempt, context=self._tls)
            started = time.monotonic()
            try:
                connection.connect()
            except TimeoutError:
                connection.close()
                if attempt >= remaining:
                    raise
                with self._cond:
                    self._opening.stuck()
                continue
            with self._cond:
                self._opening.connected(token, started, time.monotonic())
                self._cond.notify_all()  # its grace runs from now: waiters re-time
            return connection

    def release(self, connection: http.client.HTTPConnection, new: bool,
                reusable: bool) -> None:
        """Give ``connection`` back after an exchange (closed unless ``reusable``)."""
        with self._cond:
            if new:
                self._opening.end(connection._aliread_opening)  # type: ignore[attr-defined]
                self._cond.notify()
            if reusable and connection.sock is not None and len(self._idle) < self._max_idle:
                self._idle.append(connection)
                self._cond.notify()
                return
        connection.close()

    def _end_opening(self, token: int) -> None:
        with self._cond:
            self._opening.end(token)
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


_tokens = itertools.count().__next__


def _alive(connection: http.client.HTTPConnection) -> bool:
    """False if the server closed (or wrote on) the idle connection meanwhile."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        if hasattr(select, "poll"):  # no FD_SETSIZE limit
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return not poller.poll(0)  # readable: EOF or stray bytes, not reusable
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable
