"""A bounded thread pool whose results come back in input order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(fn: Callable[[T], R], items: Iterable[T], concurrency: int) -> Iterator[R]:
    """Yield ``fn(item)`` for each item, in order, running at most ``concurrency`` at once.

    At most ``4 * concurrency`` calls are submitted ahead of the consumer, so memory stays
    bounded however many items there are.
    """
    workers = max(1, concurrency)
    ahead: deque[Future[R]] = deque()
    iterator = iter(items)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aliread")
    try:
        for item in iterator:
            ahead.append(pool.submit(fn, item))
            if len(ahead) >= 4 * workers:
                break
        while ahead:
            result = ahead.popleft().result()
            for item in iterator:
                ahead.append(pool.submit(fn, item))
                break
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
