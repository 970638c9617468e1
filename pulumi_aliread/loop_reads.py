"""Reads on the running event loop: a first-in, first-out queue served by at most
``limit`` worker tasks (``client.fetch_async``).

A queue rather than a task per read: a program that declares 1 000 reads allocates one
future for each, not a task, a coroutine and a semaphore waiter, which is what the
garbage collector and Pulumi's own bookkeeping would otherwise spend the loop's time on.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from typing import Any

from . import client
from .apis import ApiSpec
from .settings import CallSettings, Credentials

_Item = tuple["asyncio.Future[Any]", ApiSpec, str, CallSettings, Credentials]


class LoopReads:
    """The read queue of one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self._loop = loop
        self._limit = limit
        self._queue: deque[_Item] = deque()
        self._workers = 0

    def submit(self, api: ApiSpec, object_id: str, call: CallSettings,
               creds: Credentials) -> asyncio.Future[Any]:
        """Queue one read; its future gets the result or the read's exception."""
        future: asyncio.Future[Any] = self._loop.create_future()
        self._queue.append((future, api, object_id, call, creds))
        if self._workers < self._limit:
            self._workers += 1
            self._loop.create_task(self._work())
        return future

    def busy(self) -> bool:
        """Reads are queued or in flight."""
        return bool(self._queue or self._workers)

    async def _work(self) -> None:
        try:
            while self._queue:
                future, api, object_id, call, creds = self._queue.popleft()
                if future.done():  # cancelled while it waited
                    continue
                try:
                    result = await client.fetch_async(api, object_id, call, creds)
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


_QUEUES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopReads] = (
    weakref.WeakKeyDictionary()
)


def busy() -> bool:
    """The running loop has reads queued or in flight."""
    queue = _QUEUES.get(asyncio.get_running_loop())
    return queue is not None and queue.busy()


def program_loop() -> asyncio.AbstractEventLoop:
    """The running loop; outside one (a program declared at import time, as Pulumi's
    unit-testing guide does), the loop its outputs will run on, as Pulumi finds it."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def submit(api: ApiSpec, object_id: str, call: CallSettings, creds: Credentials,
           *, limit: int) -> asyncio.Future[Any]:
    """Queue a read on the program's loop, at most ``limit`` of them in flight."""
    loop = program_loop()
    queue = _QUEUES.get(loop)
    if queue is None:
        queue = _QUEUES[loop] = LoopReads(loop, limit)
    return queue.submit(api, object_id, call, creds)
