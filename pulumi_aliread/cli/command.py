"""One API subcommand from validated options to exit code (no click in here)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
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
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Validate everything, then read (or wait); print; return the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    problems = [_problem(api, object_id) for object_id in ids]
    problems = [p for p in problems if p]
    try:
        expected = api.validate_states(list(expect)) if expect else (
            api.success_states if wait else ()
        )
        settings = resolve(api, region=region, endpoint=endpoint, api_version=api_version)
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
        outcomes = wait_all(
            job, timeout=timeout, interval=interval,
            on_round=(lambda pending, left: print(
                render.progress_line(api, pending, len(ids), left, expected),
                file=err, flush=True)) if show else None,
        )
        return _emit(api, outcomes, fmt, out, err)
    return _emit(api, read_once(job), fmt, out, err)


def _emit(api: ApiSpec, outcomes: Iterable[Outcome], fmt: str, out: TextIO,
          err: TextIO) -> int:
    writer = render.Table(api, out) if fmt == "table" else render.JsonArray(out)
    statuses: set[Status] = set()
    not_read = 0
    for outcome in outcomes:
        statuses.add(outcome.status)
        if isinstance(outcome.error, NotReadError):
            not_read += 1  # one summary line instead of thousands
        elif line := render.error_line(api, outcome):
            print(line, file=err, flush=True)
        if isinstance(writer, render.Table):
            writer.add(outcome)
        else:
            writer.add(render.element(api, outcome))
    writer.close()
    if not_read:
        print(f"aliread: {not_read} id(s) not read: stopped after the credential error above.",
              file=err)
    return EXIT_CODES[exit_status(statuses)]


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
