"""A bounded pool of reader threads whose results come back in input order.

The workers are daemon threads that never see SIGINT / SIGTERM: the signal always reaches
the main thread, which raises at once, and a read still blocked on a silent server is
abandoned (not joined) so that the command can exit within a second. ThreadPoolExecutor
cannot do that: its workers are joined at interpreter exit, up to a read's full deadline.
"""

from __future__ import annotations

import queue
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, wait
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# The signals the main thread turns into an exit (cli/app.py): kept away from the workers.
MAIN_THREAD_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


class ReaderPool(Generic[T, R]):
    """``workers`` daemon threads calling ``fn`` on submitted items."""

    def __init__(self, fn: Callable[[T], R], workers: int) -> None:
        self._fn = fn
        self._jobs: queue.SimpleQueue[tuple[Future[R], T] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"aliread-{n}", daemon=True)
            for n in range(max(1, workers))
        ]
        # A thread inherits its creator's signal mask: started with the signals blocked,
        # a worker never has a moment in which the kernel could hand it SIGINT / SIGTERM
        # (then the main thread, asleep on a lock, would not wake: seen once in ~300 runs
        # when the mask was set by each worker as it began).
        blocked = hasattr(signal, "pthread_sigmask")
        before = signal.pthread_sigmask(signal.SIG_BLOCK, MAIN_THREAD_SIGNALS) if blocked \
            else None
        try:
            for thread in self._threads:
                thread.start()
        finally:
            if before is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, before)

    def submit(self, item: T) -> Future[R]:
        """Queue ``fn(item)``; its future."""
        future: Future[R] = Future()
        self._jobs.put((future, item))
        return future

    def shutdown(self, *, wait: bool) -> None:
        """Stop the workers after their current call; wait for them only if ``wait``."""
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    def _work(self) -> None:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, MAIN_THREAD_SIGNALS)
        while (job := self._jobs.get()) is not None:
            future, item = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = self._fn(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                future.set_exception(exc)
            else:
                future.set_result(result)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], concurrency: int) -> Iterator[R]:
    """Yield ``fn(item)`` for each item, in order, running at most ``concurrency`` at once.

    At most ``4 * concurrency`` calls are submitted ahead of the consumer, so memory stays
    bounded however many items there are. When the consumer stops early (an exception, a
    signal, ``close()``), calls not started are cancelled and calls in flight abandoned.
    """
    workers = max(1, concurrency)
    ahead: deque[Future[R]] = deque()
    iterator = iter(items)
    pool: ReaderPool[T, R] = ReaderPool(fn, workers)
    finished = False
    try:
        for item in iterator:
            ahead.append(pool.submit(item))
            if len(ahead) >= 4 * workers:
                break
        while ahead:
            result = _result(ahead.popleft())
            for item in iterator:
                ahead.append(pool.submit(item))
                break
            yield result
        finished = True
    finally:
        for future in ahead:
            future.cancel()
        # Finished: the workers are idle and end at once. Otherwise in-flight reads may
        # be blocked on a server that never answers: abandon them (daemon threads).
        pool.shutdown(wait=finished)


# How long the main thread sleeps on a read at most before it looks at signals again.
_SIGNAL_CHECK_SECONDS = 0.1


def _result(future: Future[R]) -> R:
    """``future.result()``, waited for in short sleeps. A signal that lands just before
    the main thread blocks on a lock with no timeout is only handled when the lock is
    released (CPython runs Python signal handlers between bytecodes; the blocked
    ``sem_wait`` is not interrupted by a signal already handled at the C level): a read
    on a server that never answers kept SIGINT waiting until its deadline (about 51 s),
    once in about 150 runs of the signal test. A timed wait ends, and the handler runs."""
    while not future.done():
        wait([future], timeout=_SIGNAL_CHECK_SECONDS)
    return future.result()
