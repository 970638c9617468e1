"""Reads that share one request: the ``get_*_output`` reads of one Pulumi program that
are identical (same API, id, settings and credential sources) send one request while it
is in flight and share its answer for the rest of the program. A ``client.Client`` owns
one; the Pulumi layer gives each program run its own client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any


class SharedReads:
    """Futures of reads by key; a read that failed or was cancelled is forgotten, so a
    later identical read tries again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[Any]] = {}

    def get(self, key: Hashable, begin: Callable[[], Future[Any]]) -> Future[Any]:
        """The read of ``key`` in flight or done, else ``begin()``'s future."""
        with self._lock:
            pending = self._futures.get(key)
            if pending is None:
                pending = self._futures[key] = begin()
            else:
                return pending
        pending.add_done_callback(lambda done: self._forget_failure(key, done))
        return pending

    def clear(self) -> None:
        """Forget every shared answer."""
        with self._lock:
            self._futures = {}

    def _forget_failure(self, key: Hashable, done: Future[Any]) -> None:
        if done.cancelled() or done.exception() is not None:
            with self._lock:
                if self._futures.get(key) is done:
                    del self._futures[key]
