"""Bounds a blocking exchange as a whole: at its deadline, its socket is shut down.

A socket timeout bounds each ``recv``, not an answer: a server that sends one byte a
second never trips it. The blocking transport arms a timer here when it starts reading
an answer and disarms it when done; one daemon thread shuts the socket down at the
deadline, which wakes the blocked ``recv`` (Linux, macOS and Windows alike). No library
offers a total read time for a blocking HTTP client (urllib3, requests and httpx time
each socket operation only).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time


class Timer:
    """One armed deadline. ``fired`` tells whether the socket was shut down."""

    __slots__ = ("at", "fired", "_sock")

    def __init__(self, sock: socket.socket, at: float) -> None:
        self.at = at
        self.fired = False
        self._sock: socket.socket | None = sock

    def _fire(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self.fired = True
        # socket.socket's own shutdown: SSLSocket.shutdown would also drop its TLS state
        # under the reading thread's feet.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Watchdog:
    """One daemon thread that shuts sockets down at their deadlines; started on the first
    ``arm`` and gone after 30 s with nothing armed. A ``client.Client`` owns one."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket, at: float) -> Timer:
        """Shut ``sock`` down at ``at`` (``time.monotonic()`` seconds) unless disarmed."""
        timer = Timer(sock, at)
        with self._cond:
            heapq.heappush(self._heap, (at, next(self._order), timer))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="aliread-watchdog",
                                                daemon=True)
                self._thread.start()
            elif self._heap[0][2] is timer:
                self._cond.notify()
        return timer

    def disarm(self, timer: Timer) -> bool:
        """Stop ``timer``; True if it had already fired."""
        with self._cond:
            timer._sock = None  # the heap entry goes when its time comes, holding nothing
            return timer.fired

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2]._sock is None:
                    heapq.heappop(self._heap)  # disarmed
                if not self._heap:
                    self._cond.wait(30)
                    if not self._heap:
                        self._thread = None
                        return
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)[2]._fire()

