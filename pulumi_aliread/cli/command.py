"""One API subcommand from validated options to exit code (no click in here)."""

from __future__ import annotations

import sys
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from .. import errors
from ..apis import ApiSpec
from ..settings import resolve, resolve_credentials
from . import exitcodes, render
from .run import Job, NotReadError, Outcome, Status, exit_status, read_once, wait_all

MAX_PROBLEMS_SHOWN = 20

EXIT_CODES = {
    Status.OK: exitcodes.OK,
    Status.NOT_EXPECTED: exitcodes.NOT_EXPECTED,
    Status.TIMED_OUT: exitcodes.TIMED_OUT,
    Status.ERROR: exitcodes.API_ERROR,
}


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
    allow_insecure_http: bool | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Validate everything, then read (or wait); print; return the exit code.

    Raises ``OutputClosed`` when stdout or stderr is closed early (``| head``).
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    problems = [_problem(api, object_id) for object_id in ids]
    problems = [p for p in problems if p]
    try:
        expected = api.validate_states(list(expect)) if expect else (
            api.success_states if wait else ()
        )
        settings = resolve(api, region=region, endpoint=endpoint, api_version=api_version,
                           allow_insecure_http=allow_insecure_http or None)
    except errors.InvalidInputError as exc:
        problems.append(exc.message)
    if problems:
        for problem in problems[:MAX_PROBLEMS_SHOWN]:
            print(render.one_line(f"aliread: bad input: {problem}"), file=err)
        if len(problems) > MAX_PROBLEMS_SHOWN:
            print(f"aliread: bad input: ... and {len(problems) - MAX_PROBLEMS_SHOWN} more.",
                  file=err)
        print("aliread: nothing was read (exit 2).", file=err)
        return exitcodes.BAD_INPUT
    try:
        creds = resolve_credentials()
    except errors.AlireadError as exc:
        print(render.one_line(f"aliread: {exc.code or type(exc).__name__}: {exc.message}"),
              file=err)
        return exitcodes.API_ERROR
    job = Job(api, list(ids), settings, creds, expected, concurrency)
    fmt = output or ("table" if _isatty(out) else "json")
    if wait:
        show = progress or _isatty(err)
        try:
            outcomes = wait_all(
                job, timeout=timeout, interval=interval, sleep=sleep,
                on_round=(lambda pending, left: print(
                    render.progress_line(api, pending, len(ids), left, expected),
                    file=err, flush=True)) if show else None,
            )
        except BrokenPipeError:
            raise OutputClosed(None) from None
        return _emit(api, outcomes, fmt, out, err)
    return _emit(api, read_once(job), fmt, out, err)


class OutputClosed(Exception):  # noqa: N818 - not an error of the reads
    """stdout or stderr was closed before everything was written (``aliread ... | head``).

    ``exit_code`` is the code the reads decided, or None when it was not known yet
    (reads were still running).
    """

    def __init__(self, exit_code: int | None) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


def _emit(api: ApiSpec, outcomes: Iterable[Outcome], fmt: str, out: TextIO,
          err: TextIO) -> int:
    """Print every outcome; return the exit code they decide."""
    # A list (--wait) is complete: its exit code is known before anything is printed.
    complete = isinstance(outcomes, list)
    statuses: set[Status] = {o.status for o in outcomes} if complete else set()
    try:
        _print_all(api, outcomes, fmt, out, err, statuses)
    except BrokenPipeError:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()  # stop the reads still running
        # ERROR decides the code whatever the ids not read yet would have given.
        known = complete or Status.ERROR in statuses
        raise OutputClosed(EXIT_CODES[exit_status(statuses)] if known else None) from None
    return EXIT_CODES[exit_status(statuses)]


def _print_all(api: ApiSpec, outcomes: Iterable[Outcome], fmt: str, out: TextIO,
               err: TextIO, statuses: set[Status]) -> None:
    writer = render.Table(api, out) if fmt == "table" else render.JsonArray(out)
    not_read = 0
    # Errors already printed, by identity (one error may fail many ids). Weakly held: an
    # error no outcome holds any more cannot repeat, and its entry goes with it (so no
    # id() is reused while listed, and failures cost no more memory than results).
    shown: weakref.WeakValueDictionary[int, errors.AlireadError] = weakref.WeakValueDictionary()
    repeats = 0
    for outcome in outcomes:
        statuses.add(outcome.status)
        if isinstance(outcome.error, NotReadError):
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
    writer.close()
    if repeats:
        print(f"aliread: {repeats} more id(s) failed with the same error.", file=err)
    if not_read:
        print(f"aliread: {not_read} id(s) not read: stopped after the credential error above.",
              file=err)
    err.flush()


def _problem(api: ApiSpec, object_id: str) -> str | None:
    try:
        api.validate_id(object_id)
    except errors.InvalidInputError as exc:
        return exc.message
    return None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
