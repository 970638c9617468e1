"""``RetryPolicy``: when a read tries again, and how long it pauses first.

One object, consulted by the attempt loop (``attempts.attempt``). Which failures are
transient is decided where the answer is interpreted (``attempts``, from the ``ApiSpec``
error tables); this decides the
rest: exponential backoff with full jitter, the server's retry-after hint as a floor, the
attempt limit and the deadline.

Not tenacity: its retry loop cost 59 us of a read's 520 us of client CPU, and its asyncio
variant 90 us more on the loop (measured, issue 11); this costs nothing until a retry.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from .options import ReadOptions


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The retry decisions of reads made with ``options``.

    Attributes:
        options (ReadOptions): ``max_attempts``, ``deadline`` (seconds),
            ``backoff_base`` and ``backoff_cap`` (seconds) are read.
    """

    options: ReadOptions

    def backoff(self, attempts: int) -> float:
        """The pause after the ``attempts``-th failed attempt, in seconds: uniform in
        ``[0, min(backoff_cap, backoff_base * 2 ** (attempts - 1))]`` (full jitter)."""
        options = self.options
        try:
            high = options.backoff_base * 2 ** (attempts - 1)
        except OverflowError:
            high = options.backoff_cap
        return random.uniform(0, min(options.backoff_cap, high))

    def decide(self, attempts: int, started: float,
               retry_after: float | None = None) -> tuple[float | None, str | None]:
        """After ``attempts`` transient failures of a read started at ``started``
        (``time.monotonic()``): ``(pause, None)`` to try again after ``pause`` seconds,
        or ``(None, stop_reason)`` to give up, the reason being ``"max_attempts"`` or
        ``"deadline"`` (the pause would reach it). The server's ``retry_after`` hint
        (seconds) is a floor under the backoff."""
        options = self.options
        if attempts >= options.max_attempts:
            return None, "max_attempts"
        pause = max(self.backoff(attempts), retry_after or 0.0)
        if time.monotonic() - started + pause >= options.deadline:
            return None, "deadline"  # no pause may carry the read past its deadline
        return pause, None

    def pause(self, attempts: int, started: float,
              retry_after: float | None = None) -> float | None:
        """``decide``'s pause alone: seconds before the next attempt, or None to stop."""
        return self.decide(attempts, started, retry_after)[0]


__all__ = ["RetryPolicy"]
