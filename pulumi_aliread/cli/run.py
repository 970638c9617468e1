"""Reading many objects: once (streamed in input order) or until they reach a state.

Everything here works from an ``ApiSpec``; nothing knows which API it reads.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from .. import errors
from ..core.apis import ApiSpec
from ..core.client import Client, wait_done
from ..core.read import Read, settle
from ..core.settings import Credentials
from ..errors import NotReadError, WaitTimeoutError
from .durations import format_duration

JITTER = 0.2  # each pause is the interval +/- 20 %


class Status(Enum):
    OK = "ok"  # read, and in an expected state (or no expectation)
    NOT_EXPECTED = "not expected"  # read, not expected (while waiting: a final state)
    PENDING = "pending"  # while waiting: not there yet, read again later
    TIMED_OUT = "timed out"
    ERROR = "error"  # could not be read


@dataclass(slots=True)
class Outcome:
    """What became of one id (None: a listing's failure): its last good read, the error
    that matters, a status."""

    object_id: str | None
    status: Status
    result: Any = None
    error: errors.AlireadError | None = None


def read_all(client: Client, template: Read, creds: Credentials, ids: Iterable[str],
             concurrency: int, *, waiting: bool = False) -> Reads:
    """The outcome of each id, in order: ``template`` (a validated ``core.read.Read`` of
    no id yet) read for each on ``client``, at most ``4 * concurrency`` ahead of the
    consumer (the client runs ``concurrency`` at once). A credential-wide error cancels
    the reads not finished (the same credentials would fail them all): those are "not
    read". When the consumer stops early (an exception, a signal, ``close()``), the reads
    in flight are cancelled. ``Reads.done`` tells, without waiting, what the reads not
    taken yet have already decided."""
    return Reads(client, template, creds, ids, concurrency, waiting=waiting)


_END = object()  # no id left to start


class Reads(Iterator[Outcome]):
    """The iterator ``read_all`` returns."""

    def __init__(self, client: Client, template: Read, creds: Credentials,
                 ids: Iterable[str], concurrency: int, *, waiting: bool = False) -> None:
        self._client = client
        self._template = template
        self._creds = creds
        self._waiting = waiting
        self._stop = threading.Event()
        self._window: deque[tuple[Read, Future[Any] | None]] = deque()
        self._lock = threading.Lock()
        self._todo = iter(ids)
        self._ahead: object = next(self._todo, _END)  # the next id to start
        self._closed = False
        for _ in range(4 * max(1, concurrency)):
            self._start_next()

    def __next__(self) -> Outcome:
        if self._closed:
            raise StopIteration
        try:
            with self._lock:
                if not self._window:
                    raise StopIteration
                one, future = self._window.popleft()
            self._start_next()
            if future is not None:
                wait_done(future)
        except BaseException:
            self.close()
            raise
        return self._outcome(one, future)

    def close(self) -> None:
        """Cancel the reads not finished; no outcome follows."""
        self._closed = True
        self._cancel_all()

    def done(self) -> tuple[list[Outcome], bool]:
        """Without waiting for any read: the outcomes of the reads already finished that
        have not been taken yet, and whether those are all that is left (every id
        started, every read finished). A stdout closed early (``| head``) keeps the
        verdict of every read done (``command._emit``)."""
        with self._lock:
            window = list(self._window)
            every = self._ahead is _END
        outcomes = []
        for one, future in window:
            if future is None or future.done():
                outcomes.append(self._outcome(one, future))
            else:
                every = False
        return outcomes, every

    def _start_next(self) -> None:
        object_id = self._ahead
        if object_id is _END or self._closed:
            return
        self._ahead = next(self._todo, _END)
        one = replace(self._template, object_id=str(object_id))
        future = None if self._stop.is_set() else self._client.start(one, self._creds)
        with self._lock:
            self._window.append((one, future))
        if future is not None:
            future.add_done_callback(self._check)

    def _check(self, done: Future[Any]) -> None:
        error = None if done.cancelled() else done.exception()
        if isinstance(error, errors.AlireadError) and stops_the_run(self._template.api,
                                                                   error):
            self._stop.set()
            self._cancel_all()

    def _cancel_all(self) -> None:
        with self._lock:
            pending = [future for _, future in self._window if future is not None]
        for future in pending:
            future.cancel()

    def _outcome(self, one: Read, future: Future[Any] | None) -> Outcome:
        if future is None or future.cancelled():
            return Outcome(one.object_id, Status.ERROR, error=NotReadError(
                "not read: an earlier credential error stopped the run (see the first "
                "error).", code="NotRead"))
        return _outcome(one, future, waiting=self._waiting)


def wait_all(
    client: Client,
    template: Read,
    creds: Credentials,
    ids: Sequence[str],
    concurrency: int,
    *,
    timeout: float,
    interval: float,
    on_round: Callable[[list[Outcome], float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Poll until every id is in an expected state, one fails for good, or time runs out
    (``read_all`` of the ids still pending, each round).

    Each round reads every id still pending once. A final state that is not expected,
    or an error other than "unavailable after retries", stops the wait after the round.
    Every round after the first resolves the credentials again: those of the default
    chain (STS, ECS role, OIDC) expire during a long wait. When that fails, every pending
    id gets the error.
    """
    outcomes: list[Outcome] = [Outcome(i, Status.PENDING) for i in ids]
    todo = list(range(len(ids)))
    deadline = time.monotonic() + timeout
    jitter = random.Random()
    options = template.settings.options
    fresh: Credentials | None = creds  # resolved up front for the first round
    while True:
        if fresh is None:
            try:
                fresh = client.credentials(deadline=options.deadline)
            except errors.AlireadError as error:
                for index in todo:
                    outcomes[index] = Outcome(ids[index], Status.ERROR,
                                              outcomes[index].result, error)
                return outcomes
        left = deadline - time.monotonic()
        settings = replace(template.settings, options=options.merged(
            deadline=max(1.0, min(options.deadline, left))))

        finished = False
        reads = read_all(client, replace(template, settings=settings), fresh,
                         [ids[i] for i in todo], concurrency, waiting=True)
        for index, outcome in zip(todo, reads, strict=True):
            if outcome.result is None and outcome.status is Status.PENDING:
                outcome.result = outcomes[index].result  # keep the last good read
            outcomes[index] = outcome
            finished = finished or outcome.status in (Status.NOT_EXPECTED, Status.ERROR)
        todo = [i for i in todo if outcomes[i].status is Status.PENDING]
        if finished or not todo:
            return outcomes
        left = deadline - time.monotonic()
        if left <= 0:
            for index in todo:
                outcomes[index] = _timed_out(template, outcomes[index], timeout)
            return outcomes
        if on_round is not None:
            on_round([outcomes[i] for i in todo], left)
        sleep(min(left, interval * jitter.uniform(1 - JITTER, 1 + JITTER)))
        fresh = None  # resolve again: they may have expired while waiting


def stops_the_run(api: ApiSpec, error: errors.AlireadError | None) -> bool:
    """True when ``error`` would fail every read with the same credentials (a wrong or
    expired key, a missing RAM permission), not just this object's (NotResourceOwner)."""
    if error is None or not error.code:
        return False
    if error.code == "NoCredentials":  # NoCredentialsError: no source has credentials
        return True
    spec = api.error(error.code)
    return spec is not None and spec.credentials_wide


def _outcome(one: Read, done: Future[Any], *, waiting: bool) -> Outcome:
    """What the finished read ``done`` of ``one`` makes of its id (``read.settle``)."""
    try:
        result = settle(one, done)
    except errors.ExpectationNotMetError as miss:
        state = getattr(miss.result, one.api.state_field)  # type: ignore[attr-defined]
        final = not waiting or state in one.api.terminal_states
        status = Status.NOT_EXPECTED if final else Status.PENDING
        return Outcome(one.object_id, status, miss.result, miss)  # type: ignore[attr-defined]
    except errors.AlireadError as error:
        # kept per id: no frames (a failure costs what a result does)
        error.__traceback__ = None
        retry = waiting and isinstance(error, errors.ServiceUnavailableError)
        return Outcome(one.object_id, Status.PENDING if retry else Status.ERROR, error=error)
    return Outcome(one.object_id, Status.OK, result)


def _timed_out(template: Read, outcome: Outcome, timeout: float) -> Outcome:
    """A pending outcome at the deadline: TIMED_OUT. A read that was still being retried
    (unavailable, timed out) when the time ran out is TIMED_OUT too: --timeout decides,
    whatever the network was doing."""
    api, result = template.api, outcome.result
    if isinstance(outcome.error, errors.ServiceUnavailableError):
        last = outcome.error
        error = WaitTimeoutError(
            f"{api.title} {outcome.object_id} was not read in an expected state within "
            f"{format_duration(timeout)} (--timeout); the last read failed: {last.message}",
            code="WaitTimeout", http_status=last.http_status, request_id=last.request_id,
        )
        return Outcome(outcome.object_id, Status.TIMED_OUT, result, error)
    state = getattr(result, api.state_field)
    wanted = " or ".join(template.expected)
    error = WaitTimeoutError(
        f"{api.title} {outcome.object_id} is still {state} after waiting "
        f"{format_duration(timeout)}, expected {wanted} ({api.action}, request id "
        f"{result.request_id}). Wait longer (--timeout) or check why it has not changed.",
        code="WaitTimeout",
        request_id=result.request_id,
    )
    return Outcome(outcome.object_id, Status.TIMED_OUT, result, error)
