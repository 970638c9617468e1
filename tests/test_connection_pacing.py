"""Connections are opened at a paced rate, and a dropped SYN does not cost the kernel's
1 s retransmission (``connections``; both transports).

A server whose listen backlog is full drops SYNs; the client's kernel sends one again
only after 1 s. The transports abandon a connect far slower than the fastest one so far
and try again at once, and from then on give that server no grace.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from pulumi_aliread.core.async_transport import AsyncTransport
from pulumi_aliread.core.connections import (
    MAX_OPENING,
    OPENING_GRACE,
    OPENING_GRACE_CAREFUL,
    STUCK_FLOOR,
    Opening,
)
from pulumi_aliread.core.transport import Answer, Transport

# --- the pacing's arithmetic -------------------------------------------------------------


def test_at_most_four_open_until_one_is_answered_or_its_grace_passes() -> None:
    opening = Opening()
    for token in range(MAX_OPENING):
        assert opening.wait_time(0.0) == 0
        opening.begin(token)
        opening.connected(token, started=0.0, now=0.001)
    assert opening.wait_time(0.002) == pytest.approx(0.001 + OPENING_GRACE - 0.002)
    opening.end(0)  # its first answer came
    assert opening.wait_time(0.002) == 0
    opening.begin(9)  # still connecting: counts however long it takes
    assert opening.wait_time(0.002) > 0
    assert opening.wait_time(0.001 + OPENING_GRACE) == 0  # the others' grace passed


def test_a_stuck_connect_lengthens_the_grace_and_bounds_later_attempts() -> None:
    opening = Opening()
    assert opening.attempt_timeout(5.0) == 5.0  # nothing known yet: the whole timeout
    opening.begin(1)
    opening.connected(1, started=0.0, now=0.0002)
    assert opening.attempt_timeout(5.0) == STUCK_FLOOR
    opening.stuck()
    for token in range(2, 2 + MAX_OPENING):
        opening.begin(token)
        opening.connected(token, started=1.0, now=1.001)
    assert opening.wait_time(1.001 + OPENING_GRACE) > 0  # the short grace is over
    opening.end(2)  # a first answer
    assert opening.wait_time(1.001 + OPENING_GRACE) == 0
    opening.begin(9)
    # Within the longer grace 3, 4, 5 and 9 count; past it, 9 alone (still connecting).
    assert opening.wait_time(1.001 + OPENING_GRACE_CAREFUL / 2) > 0
    assert opening.wait_time(1.001 + OPENING_GRACE_CAREFUL * 2) == 0


# --- against a server whose accept queue is full -----------------------------------------

ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
          b"Connection: close\r\n\r\n{}")


class SmallBacklogServer:
    """A loopback server listening with backlog 1 that answers every request ``{}``
    while ``accepting`` is set; cleared, its accept queue fills up."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(0.02)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.accepting = threading.Event()
        self.accepting.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            if not self.accepting.wait(0.02):
                continue
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                head = b""
                with contextlib.suppress(OSError):
                    while b"\r\n\r\n" not in head:
                        data = conn.recv(4096)
                        if not data:
                            break
                        head += data
                    if head:
                        conn.sendall(ANSWER)

    def fill_queue(self) -> None:
        """Stop accepting and fill the accept queue, so that the next SYN is dropped."""
        self.accepting.clear()
        port = self.listener.getsockname()[1]
        for _ in range(16):
            filler = socket.socket()
            filler.settimeout(0.2)
            try:
                filler.connect(("127.0.0.1", port))
            except OSError:
                filler.close()
                return  # this one's SYN was dropped: the queue is full
            filler.close()  # still queued until accepted
        raise AssertionError("the accept queue never filled up")

    def close(self) -> None:
        self._stop.set()
        self.accepting.set()
        self._thread.join(5)
        self.listener.close()


@pytest.fixture
def small_backlog() -> Iterator[SmallBacklogServer]:
    server = SmallBacklogServer()
    try:
        yield server
    finally:
        server.close()


def test_blocking_reads_send_a_dropped_syn_again_at_once(
        small_backlog: SmallBacklogServer) -> None:
    transport = Transport(small_backlog.url, proxy=None)
    try:
        assert transport.get("/?first", 2.0, 2.0).status == 200
        small_backlog.fill_queue()
        threading.Timer(0.15, small_backlog.accepting.set).start()
        # The kernel would send the dropped SYN again after 1 s: past this timeout.
        answer = transport.get("/?second", 0.9, 2.0)
    finally:
        transport.close()
    assert isinstance(answer, Answer) and answer.status == 200 and answer.body == b"{}"


def test_loop_reads_send_a_dropped_syn_again_at_once(
        small_backlog: SmallBacklogServer) -> None:
    async def main() -> tuple[int, int]:
        transport = AsyncTransport(small_backlog.url)
        try:
            first = await transport.get("/?first", 2.0, 2.0)
            await asyncio.to_thread(small_backlog.fill_queue)
            asyncio.get_running_loop().call_later(0.15, small_backlog.accepting.set)
            second = await transport.get("/?second", 0.9, 2.0)
            return first.status, second.status
        finally:
            transport.close()

    assert asyncio.run(main()) == (200, 200)
