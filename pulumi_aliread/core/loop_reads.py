"""What a ``client.Client`` keeps for one event loop: its connections
(``async_transport``), its read queue, and the clock that hands finished reads to
Pulumi in batches.

A queue rather than a task per read: a program that declares 1 000 reads allocates one
future for each, not a task, a coroutine and a semaphore waiter, which is what the
garbage collector and Pulumi's own bookkeeping would otherwise spend the loop's time on.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from .apis import ApiSpec
from .settings import CallSettings, Credentials

if TYPE_CHECKING:
    from .async_transport import AsyncTransport
    from .client import Client

_Item = tuple["asyncio.Future[Any]", ApiSpec, str, CallSettings, Credentials]


class LoopState:
    """One client's reads on one event loop: a first-in, first-out queue served by at
    most ``client.max_concurrent_reads`` worker tasks (``Client.fetch_async``)."""

    #: Finished reads are handed over at most this often (seconds): Pulumi re-waits on
    #: every pending output each time one completes (O(n) work per wake-up), so outputs
    #: completing one loop turn apart cost far more loop time than the reads.
    BATCH_SECONDS = 0.005

    def __init__(self, loop: asyncio.AbstractEventLoop, client: Client) -> None:
        self._loop = loop
        self._client = client
        self._queue: deque[_Item] = deque()
        self._workers = 0
        self._transports: dict[tuple[str, str | None], AsyncTransport] = {}
        self._tick: asyncio.Future[None] | None = None

    def transport(self, base_url: str, ca_bundle: str | None) -> AsyncTransport:
        """This loop's keep-alive connections to ``base_url`` verified with
        ``ca_bundle``."""
        transport = self._transports.get((base_url, ca_bundle))
        if transport is None:
            from .async_transport import AsyncTransport

            transport = self._transports[base_url, ca_bundle] = AsyncTransport(
                base_url, ca_bundle
            )
        return transport

    def submit(self, api: ApiSpec, object_id: str, call: CallSettings,
               creds: Credentials) -> asyncio.Future[Any]:
        """Queue one read; its future gets the result or the read's exception."""
        future: asyncio.Future[Any] = self._loop.create_future()
        self._queue.append((future, api, object_id, call, creds))
        if self._workers < self._client.max_concurrent_reads:
            self._workers += 1
            self._loop.create_task(self._work())
        return future

    def busy(self) -> bool:
        """Reads are queued or in flight."""
        return bool(self._queue or self._workers)

    def next_batch(self) -> asyncio.Future[None]:
        """A future the loop resolves at the next batch boundary (``BATCH_SECONDS``).
        Reads themselves are not held back: only the delivery of their results is."""
        tick = self._tick
        if tick is None or tick.done():
            tick = self._tick = self._loop.create_future()
            self._loop.call_later(self.BATCH_SECONDS, _resolve, tick)
        return tick

    def close(self) -> None:
        """Close the idle connections (those in use close when their read ends); on a
        loop running in another thread, from that loop."""
        transports, self._transports = list(self._transports.values()), {}
        loop = self._loop
        for transport in transports:
            if loop.is_running() and not _runs_here(loop):
                loop.call_soon_threadsafe(transport.close)
            else:
                transport.close()

    async def _work(self) -> None:
        try:
            while self._queue:
                future, api, object_id, call, creds = self._queue.popleft()
                if future.done():  # cancelled while it waited
                    continue
                try:
                    result = await self._client.fetch_async(api, object_id, call, creds)
                except asyncio.CancelledError:
                    future.cancel()
                    raise
                except Exception as error:  # noqa: BLE001 - handed to the reader
                    if not future.done():
                        future.set_exception(error)
                else:
                    if not future.done():
                        future.set_result(result)
        finally:
            self._workers -= 1


def _runs_here(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _resolve(tick: asyncio.Future[None]) -> None:
    if not tick.done():
        tick.set_result(None)


def program_loop() -> asyncio.AbstractEventLoop:
    """The running loop; outside one (a program declared at import time, as Pulumi's
    unit-testing guide does), the loop its outputs will run on, as Pulumi finds it."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()
