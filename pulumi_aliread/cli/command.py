"""One API subcommand from validated options to exit code (no click in here)."""

from __future__ import annotations

import contextlib
import sys
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TextIO, cast

from .. import errors
from ..core import validation
from ..core.apis import ApiSpec
from ..core.client import Client
from ..core.settings import CallSettings, resolve
from . import exitcodes, render
from .output_errors import OutputClosed, OutputFailed
from .run import Job, NotReadError, Outcome, Status, read_once, wait_all

MAX_PROBLEMS_SHOWN = 20

# When outcomes call for several exit codes, the first of these wins.
PRECEDENCE = (exitcodes.API_ERROR, exitcodes.BAD_INPUT, exitcodes.NOT_EXPECTED,
              exitcodes.TIMED_OUT)


def run(
    api: ApiSpec,
    *,
    ids: Sequence[str],
    region: str | None = None,
    endpoint: str | None = None,
    api_version: str | None = None,
    expect: Sequence[str] = (),
    wait: bool = False,
    timeout: float = 1800.0,
    interval: float = 15.0,
    output: str | None = None,
    concurrency: int = 8,
    progress: bool = False,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    deadline: float | None = None,
    invited_account: bool = False,
    allow_insecure_http: bool | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Validate everything, then read (or wait); print; return the exit code.

    ``ids`` are read once each however often they are given, and the output has one
    element per given id, in the given order. Every run prints the whole output, failures
    included; the exit code follows the class of each failure (``InvalidInputError``: 2,
    any other error: 3). ``invited_account``: count the invited account's "accepted"
    answer (GetHandshake: HTTP 409 HandshakeStatusMismatch) as accepted
    (``client.invited_view``). Raises ``OutputClosed`` when stdout or stderr is closed
    early (``| head``), ``OutputFailed`` when it cannot be written.
    """
    out = stdout or sys.stdout
    err = cast(TextIO, _Diagnostics(stderr or sys.stderr))
    fmt = output or ("table" if _isatty(out) else "json")
    bad_ids = {object_id: error for object_id in dict.fromkeys(ids)
               if (error := _problem(api, object_id)) is not None}
    problems = [error.message for error in bad_ids.values()]
    option_error: errors.InvalidInputError | None = None
    try:
        expected = api.validate_states(list(expect)) if expect else (
            api.success_states if wait else ()
        )
        options = validation.read_options(connect_timeout=connect_timeout,
                                          read_timeout=read_timeout, deadline=deadline)
        settings = resolve(api, region=region, endpoint=endpoint, api_version=api_version,
                           options=options, allow_insecure_http=allow_insecure_http or None)
    except errors.InvalidInputError as exc:
        option_error = exc
        problems.append(exc.message)
    if problems:
        for problem in problems[:MAX_PROBLEMS_SHOWN]:
            print(render.one_line(f"aliread: bad input: {problem}"), file=err)
        if len(problems) > MAX_PROBLEMS_SHOWN:
            print(f"aliread: bad input: ... and {len(problems) - MAX_PROBLEMS_SHOWN} more.",
                  file=err)
        print("aliread: nothing was read (exit 2).", file=err)
        refused = option_error or _refused()
        _emit(api, [Outcome(i, Status.ERROR, error=bad_ids.get(i) or refused) for i in ids],
              fmt, out, None)
        return exitcodes.BAD_INPUT
    # This run's loop, connections and credential chain, closed at its end.
    reader = Client(max_concurrent_reads=max(1, concurrency))
    try:
        return _read_and_emit(api, ids, reader, settings, expected, fmt, out, err,
                              concurrency=concurrency, wait=wait, timeout=timeout,
                              interval=interval, progress=progress, sleep=sleep,
                              invited_account=invited_account)
    finally:
        reader.close()


def _read_and_emit(api: ApiSpec, ids: Sequence[str], reader: Client, settings: CallSettings,
                   expected: tuple[str, ...], fmt: str, out: TextIO, err: TextIO, *,
                   concurrency: int, wait: bool, timeout: float, interval: float,
                   progress: bool, sleep: Callable[[float], None],
                   invited_account: bool) -> int:
    try:
        # The default chain's sources end by the read's deadline too (--deadline).
        creds = reader.credentials(deadline=settings.options.deadline)
    except errors.AlireadError as exc:
        print(render.one_line(f"aliread: {exc.code or type(exc).__name__}: {exc.message}"),
              file=err)
        return _emit(api, [Outcome(i, Status.ERROR, error=exc) for i in ids], fmt, out, None)
    unique = list(dict.fromkeys(ids))
    job = Job(api, unique, settings, creds, expected, concurrency,
              mismatch_means_accepted=invited_account, client=reader)
    if wait:
        show = progress or _isatty(err)
        try:
            outcomes = wait_all(
                job, timeout=timeout, interval=interval, sleep=sleep,
                on_round=(lambda pending, left: print(
                    render.progress_line(api, pending, len(unique), left, expected),
                    file=err, flush=True)) if show else None,
            )
        except BrokenPipeError:
            raise OutputClosed(None) from None
        return _emit(api, list(per_given_id(ids, outcomes)), fmt, out, err)
    return _emit(api, per_given_id(ids, read_once(job)), fmt, out, err)


def per_given_id(ids: Sequence[str], outcomes: Iterable[Outcome]) -> Iterator[Outcome]:
    """One outcome per given id, in the given order, from ``outcomes`` of the distinct ids
    (in first-seen order). Only outcomes of ids still to come again are held."""
    remaining = Counter(ids)
    held: dict[str, Outcome] = {}
    source = iter(outcomes)
    try:
        for object_id in ids:
            outcome = held[object_id] if object_id in held else next(source)
            remaining[object_id] -= 1
            if remaining[object_id]:
                held[object_id] = outcome
            else:
                held.pop(object_id, None)
            yield outcome
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()  # stop the reads still running


def exit_code_of(outcome: Outcome) -> int:
    """The exit code one outcome calls for."""
    if outcome.status is Status.ERROR:
        if isinstance(outcome.error, NotReadError):
            # Not read because of another element's error, which decides the code (bad
            # input: 2, credentials: 3); counted here, it made a cut-off run exit 3.
            return exitcodes.OK
        invalid = isinstance(outcome.error, errors.InvalidInputError)
        return exitcodes.BAD_INPUT if invalid else exitcodes.API_ERROR
    if outcome.status in (Status.NOT_EXPECTED, Status.PENDING):
        return exitcodes.NOT_EXPECTED
    if outcome.status is Status.TIMED_OUT:
        return exitcodes.TIMED_OUT
    return exitcodes.OK


def decide(codes: set[int]) -> int:
    """The exit code of a run whose outcomes called for ``codes``."""
    return next((code for code in PRECEDENCE if code in codes), exitcodes.OK)


def _emit(api: ApiSpec, outcomes: Iterable[Outcome], fmt: str, out: TextIO,
          err: TextIO | None) -> int:
    """Print every outcome (a stderr line for each failure unless ``err`` is None);
    return the exit code they decide."""
    # A list (--wait) is complete: its exit code is known before anything is printed.
    complete = isinstance(outcomes, list)
    codes: set[int] = {exit_code_of(o) for o in outcomes} if complete else set()
    read_all: list[bool] = []  # set once the last outcome is in: every read is done
    try:
        _print_all(api, outcomes, fmt, out, err, codes, read_all)
    except BrokenPipeError:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()  # stop the reads still running
        # Once every read is done the verdict is known, however early the reader of
        # stdout went away (`| head -c1` after one read: 0, not 0 or 141 by timing). An
        # API error decides the code whatever the ids not read yet would have given.
        known = complete or bool(read_all) or exitcodes.API_ERROR in codes
        raise OutputClosed(decide(codes) if known else None) from None
    except OSError as exc:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()
        raise OutputFailed(exc) from None
    return decide(codes)


def _print_all(api: ApiSpec, outcomes: Iterable[Outcome], fmt: str, out: TextIO,
               err: TextIO | None, codes: set[int], read_all: list[bool]) -> None:
    writer = render.Table(api, out) if fmt == "table" else render.JsonArray(out)
    not_read = 0
    # Errors already printed, by identity (one error may fail many ids). Weakly held: an
    # error no outcome holds any more cannot repeat, and its entry goes with it (so no
    # id() is reused while listed, and failures cost no more memory than results).
    shown: weakref.WeakValueDictionary[int, errors.AlireadError] = weakref.WeakValueDictionary()
    repeats = 0
    for outcome in outcomes:
        codes.add(exit_code_of(outcome))
        if err is None:
            pass
        elif isinstance(outcome.error, NotReadError):
            not_read += 1  # one summary line instead of thousands
        elif outcome.error is not None and id(outcome.error) in shown:
            repeats += 1
        elif line := render.error_line(api, outcome):
            if outcome.error is not None:
                shown[id(outcome.error)] = outcome.error
            print(line, file=err, flush=True)
        if isinstance(writer, render.Table):
            writer.add(outcome)
        else:
            writer.add(render.element(api, outcome))
    read_all.append(True)
    writer.close()
    if err is None:
        return
    if repeats:
        print(f"aliread: {repeats} more id(s) failed with the same error.", file=err)
    if not_read:
        print(f"aliread: {not_read} id(s) not read: stopped after the credential error above.",
              file=err)
    err.flush()


def _refused() -> NotReadError:
    return NotReadError(
        "not read: the command was refused because of bad input (see the other errors); "
        "nothing was sent.",
        code="NotRead",
    )


def _problem(api: ApiSpec, object_id: str) -> errors.InvalidInputError | None:
    try:
        api.validate_id(object_id)
    except errors.InvalidInputError as exc:
        return exc
    return None


class _Diagnostics:
    """stderr for the diagnostics: a line that cannot be written (``2>/dev/full``, a
    closed pipe) is lost, and the exit code stays the verdict of the reads (a stdout
    that cannot be written is another matter: the output itself is lost, exit 74)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._stream.flush()

    def isatty(self) -> bool:
        return _isatty(self._stream)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
