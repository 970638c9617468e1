"""Reading many objects: once (streamed in input order) or until they reach a state.

Everything here works from an ``ApiSpec``; nothing knows which API it reads.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from .. import errors
from ..core import client
from ..core.apis import ApiSpec
from ..core.client import Client, default_client
from ..core.settings import CallSettings, Credentials
from ..errors import NotReadError, WaitTimeoutError
from .durations import format_duration
from .pool import ordered_map

JITTER = 0.2  # each pause is the interval +/- 20 %
# The code of NoCredentialsError (settings.resolve_credentials: no source has credentials).
NO_CREDENTIALS = "NoCredentials"


class Status(Enum):
    OK = "ok"  # read, and in an expected state (or no expectation)
    NOT_EXPECTED = "not expected"  # read, not expected (while waiting: a final state)
    PENDING = "pending"  # while waiting: not there yet, read again later
    TIMED_OUT = "timed out"
    ERROR = "error"  # could not be read


@dataclass(slots=True)
class Outcome:
    """What became of one id: its last good read, the error that matters, a status."""

    object_id: str
    status: Status
    result: Any = None
    error: errors.AlireadError | None = None


@dataclass(frozen=True)
class Job:
    """One command's worth of reads, all inputs already validated."""

    api: ApiSpec
    ids: Sequence[str]
    settings: CallSettings
    creds: Credentials
    expected: tuple[str, ...]
    concurrency: int
    # --invited-account: the invited account's "accepted" answer counts as accepted.
    mismatch_means_accepted: bool = False
    # What reads through: its connections, credential chain and counters.
    client: Client = field(default_factory=default_client)


def read_once(job: Job) -> Iterator[Outcome]:
    """Read every id once; yield outcomes in input order as they complete."""
    stop = threading.Event()

    def one(object_id: str) -> Outcome:
        if stop.is_set():
            return _not_read(object_id)
        outcome = _read(job, job.settings, job.creds, object_id, waiting=False)
        if stops_the_run(job.api, outcome.error):
            stop.set()  # the same credentials would fail for every other id
        return outcome

    # No more reader threads than ids: each costs a thread start (one id: one thread).
    yield from ordered_map(one, job.ids, min(job.concurrency, max(1, len(job.ids))))


def wait_all(
    job: Job,
    *,
    timeout: float,
    interval: float,
    on_round: Callable[[list[Outcome], float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    refresh: Callable[[], Credentials] | None = None,
) -> list[Outcome]:
    """Poll until every id is in an expected state, one fails for good, or time runs out.

    Each round reads every id still pending once. A final state that is not expected,
    or an error other than "unavailable after retries", stops the wait after the round.
    Every round after the first resolves the credentials again (``refresh``): those of
    the default chain (STS, ECS role, OIDC) expire during a long wait. When that fails,
    every pending id gets the error. ``refresh`` defaults to ``job.client.credentials``.
    """
    refresh = refresh or (lambda: job.client.credentials(
        deadline=job.settings.options.deadline))
    outcomes: list[Outcome] = [Outcome(i, Status.PENDING) for i in job.ids]
    todo = list(range(len(job.ids)))
    deadline = time.monotonic() + timeout
    jitter = random.Random()
    stop = threading.Event()
    creds: Credentials | None = job.creds  # resolved up front for the first round
    while True:
        if creds is None:
            try:
                creds = refresh()
            except errors.AlireadError as error:
                for index in todo:
                    outcomes[index] = Outcome(job.ids[index], Status.ERROR,
                                              outcomes[index].result, error)
                return outcomes
        left = deadline - time.monotonic()
        settings = replace(job.settings, options=job.settings.options.merged(
            deadline=max(1.0, min(job.settings.options.deadline, left))))

        def one(index: int, settings: CallSettings = settings,
                creds: Credentials = creds) -> Outcome:
            object_id = job.ids[index]
            if stop.is_set():
                return _not_read(object_id)
            outcome = _read(job, settings, creds, object_id, waiting=True)
            if outcome.result is None and outcome.status is Status.PENDING:
                outcome.result = outcomes[index].result  # keep the last good read
            if stops_the_run(job.api, outcome.error):
                stop.set()
            return outcome

        finished = False
        reads = ordered_map(one, todo, min(job.concurrency, len(todo)))
        for index, outcome in zip(todo, reads, strict=True):
            outcomes[index] = outcome
            finished = finished or outcome.status in (Status.NOT_EXPECTED, Status.ERROR)
        todo = [i for i in todo if outcomes[i].status is Status.PENDING]
        if finished or not todo:
            return outcomes
        left = deadline - time.monotonic()
        if left <= 0:
            for index in todo:
                outcomes[index] = _timed_out(job, outcomes[index], timeout)
            return outcomes
        if on_round is not None:
            on_round([outcomes[i] for i in todo], left)
        sleep(min(left, interval * jitter.uniform(1 - JITTER, 1 + JITTER)))
        creds = None  # resolve again: they may have expired while waiting


def stops_the_run(api: ApiSpec, error: errors.AlireadError | None) -> bool:
    """True when ``error`` would fail every read with the same credentials (a wrong or
    expired key, a missing RAM permission), not just this object's (NotResourceOwner)."""
    if error is None or not error.code:
        return False
    if error.code == NO_CREDENTIALS:
        return True
    spec = api.error(error.code)
    return spec is not None and spec.credentials_wide


def _read(job: Job, settings: CallSettings, creds: Credentials, object_id: str, *,
          waiting: bool) -> Outcome:
    api = job.api
    try:
        result = job.client.fetch(api, object_id, settings, creds)
    except errors.AlireadError as error:
        accepted = (client.invited_view(api, object_id, error)
                    if job.mismatch_means_accepted else None)
        if accepted is None:
            # kept per id: no frames (a failure costs what a result does)
            error.__traceback__ = None
            retry = waiting and isinstance(error, errors.ServiceUnavailableError)
            return Outcome(object_id, Status.PENDING if retry else Status.ERROR, error=error)
        result = accepted
    try:
        client.check_expectation(api, result, job.expected, command_line=True)
    except errors.ExpectationNotMetError as miss:
        state = getattr(result, api.state_field)
        final = not waiting or state in api.terminal_states
        return Outcome(object_id, Status.NOT_EXPECTED if final else Status.PENDING, result, miss)
    return Outcome(object_id, Status.OK, result)


def _not_read(object_id: str) -> Outcome:
    error = NotReadError(
        "not read: an earlier credential error stopped the run (see the first error).",
        code="NotRead",
    )
    return Outcome(object_id, Status.ERROR, error=error)


def _timed_out(job: Job, outcome: Outcome, timeout: float) -> Outcome:
    """A pending outcome at the deadline: TIMED_OUT, or ERROR if its last read failed for
    good. A read that was still being retried (unavailable, timed out) when the time ran
    out is TIMED_OUT too: --timeout decides, whatever the network was doing."""
    api, result = job.api, outcome.result
    if isinstance(outcome.error, errors.ServiceUnavailableError):
        last = outcome.error
        error = WaitTimeoutError(
            f"{api.title} {outcome.object_id} was not read in an expected state within "
            f"{format_duration(timeout)} (--timeout); the last read failed: {last.message}",
            code="WaitTimeout", http_status=last.http_status, request_id=last.request_id,
        )
        return Outcome(outcome.object_id, Status.TIMED_OUT, result, error)
    if outcome.error is not None and not isinstance(outcome.error,
                                                    errors.ExpectationNotMetError):
        return Outcome(outcome.object_id, Status.ERROR, outcome.result, outcome.error)
    state = getattr(result, api.state_field)
    wanted = " or ".join(job.expected)
    error = WaitTimeoutError(
        f"{api.title} {outcome.object_id} is still {state} after waiting "
        f"{format_duration(timeout)}, expected {wanted} ({api.action}, request id "
        f"{result.request_id}). Wait longer (--timeout) or check why it has not changed.",
        code="WaitTimeout",
        request_id=result.request_id,
    )
    return Outcome(outcome.object_id, Status.TIMED_OUT, result, error)
