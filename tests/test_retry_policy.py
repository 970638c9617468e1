"""RetryPolicy: the one object that decides whether and when a read tries again."""

from __future__ import annotations

import time

from pulumi_aliread import ReadOptions
from pulumi_aliread.core.retries import RetryPolicy


def test_backoff_is_full_jitter_under_the_exponential_bound_and_the_cap() -> None:
    policy = RetryPolicy(ReadOptions(backoff_base=0.2, backoff_cap=1.0))
    for attempts, bound in ((1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (10_000, 1.0)):
        pauses = [policy.backoff(attempts) for _ in range(200)]
        assert all(0 <= pause <= bound for pause in pauses)
        assert max(pauses) > bound / 2  # jitter spreads over the range, not a constant


def test_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(ReadOptions(max_attempts=3))
    now = time.monotonic()
    assert policy.pause(1, now) is not None
    assert policy.pause(2, now) is not None
    assert policy.pause(3, now) is None


def test_the_retry_after_hint_is_a_floor_and_the_deadline_a_ceiling() -> None:
    policy = RetryPolicy(ReadOptions(deadline=10, backoff_base=0.01, backoff_cap=0.01))
    now = time.monotonic()
    assert policy.pause(1, now, retry_after=2.0) == 2.0
    assert policy.pause(1, now, retry_after=30.0) is None  # would outlast the deadline
    assert policy.pause(1, now - 11) is None  # the deadline has passed
