"""A read subcommand from validated options to exit code: ``run`` reads objects by id
(once, or until they reach a state), ``run_list`` lists them (``aliread handshakes``);
both print their outcomes through ``_emit``. Nothing here names an operation or a field:
the ``ApiSpec`` / ``ListSpec`` say which actions, states, ids and table columns there are.
"""

from __future__ import annotations

import contextlib
import sys
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TextIO

import click

from .. import errors
from ..core import paging
from ..core.apis import ApiSpec
from ..core.client import Client
from ..core.read import Read
from ..core.redaction import one_line, printable
from ..core.settings import resolve
from ..core.spec import ListSpec, one_of, snake_case
from . import exitcodes, render
from .run import NotReadError, Outcome, Status, read_all, wait_all

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
    (``core.read.settle``). Raises ``click.exceptions.Exit`` carrying the exit code
    when stdout is closed early (``| head``), ``OSError`` when it cannot be written.
    """
    out, err, fmt = _streams(output, stdout, stderr)
    bad_ids: dict[str, errors.AlireadError] = {}
    for object_id in dict.fromkeys(ids):
        try:
            api.validate_id(object_id)
        except errors.InvalidInputError as exc:
            bad_ids[object_id] = exc
    problems = [error.message for error in bad_ids.values()]
    refused: errors.AlireadError = NotReadError(
        "not read: the command was refused because of bad input (see the other errors); "
        "nothing was sent.",
        code="NotRead",
    )
    try:
        expected = api.validate_states(list(expect)) if expect else (
            api.success_states if wait else ()
        )
        settings = resolve(api, region=region, endpoint=endpoint, api_version=api_version,
                           connect_timeout=connect_timeout, read_timeout=read_timeout,
                           deadline=deadline, allow_insecure_http=allow_insecure_http or None)
    except errors.InvalidInputError as exc:
        refused = exc
        problems.append(exc.message)
    if problems:
        _bad_input(problems, err)
        return _emit(api, [Outcome(i, Status.ERROR, error=bad_ids.get(i) or refused)
                           for i in ids], fmt, out)
    # This run's loop, connections and credential chain, closed at its end.
    reader = Client(max_concurrent_reads=max(1, concurrency))
    try:
        try:
            # The default chain's sources end by the read's deadline too (--deadline).
            creds = reader.credentials(deadline=settings.options.deadline)
        except errors.AlireadError as exc:
            _note(err, one_line(f"aliread: {exc.code or type(exc).__name__}: "
                                       f"{exc.message}"))
            return _emit(api, [Outcome(i, Status.ERROR, error=exc) for i in ids], fmt, out)
        unique = list(dict.fromkeys(ids))
        # --invited-account: the invited account's "accepted" answer counts as accepted.
        template = Read(api, "", settings, None, expected, invited_account,
                        command_line=True)
        if not wait:
            reads = read_all(reader, template, creds, unique, concurrency)
            return _emit(api, per_given_id(ids, reads), fmt, out, err, pending=reads.done)
        show = progress or _isatty(err)
        outcomes = wait_all(
            reader, template, creds, unique, concurrency, timeout=timeout,
            interval=interval, sleep=sleep,
            on_round=(lambda pending, left: _note(err, render.progress_line(
                api, pending, len(unique), left, expected))) if show else None,
        )
        return _emit(api, list(per_given_id(ids, outcomes)), fmt, out, err)
    finally:
        reader.close()


def run_list(
    views: Mapping[bool, ListSpec],
    *,
    name: str,
    status: Sequence[str] = (),
    ids: Sequence[str] = (),
    target_entity: str | None = None,
    invited_account: bool = False,
    details: bool = False,
    expect: Sequence[str] = (),
    output: str | None = None,
    region: str | None = None,
    endpoint: str | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    deadline: float | None = None,
    max_items: int | None = None,
    allow_insecure_http: bool | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Validate everything, list once (every page, ``core.paging.read_list``, the paged
    read the Python functions and the plugin use too), print, return the exit code.

    Args:
        views (Mapping[bool, ListSpec]): the list operation of each view, by
            ``invited_view`` (``ListSpec.views``); ``invited_account`` picks one.
        name (str): the command's name, the ``"api"`` of every JSON element.
        status, ids, target_entity, expect: the filters and the expectation, as
            ``get_handshakes`` takes them (empty: none). ``details``: ``with_details``.
        output (str or None): ``json`` or ``table``; None: table on a terminal, else json.
        region, endpoint, connect_timeout, read_timeout, deadline, max_items,
            allow_insecure_http: as the Python keywords (None: the defaults). ``deadline``
            bounds the whole listing.
        stdout, stderr (TextIO or None): default ``sys.stdout`` / ``sys.stderr``.

    Returns:
        int: 0 listed (every listed object expected), 1 some not in ``expect``, 2 bad
        input (nothing sent) or a parameter the API refused, 3 API, credential or
        network error. Output: a JSON array, one element per listed object (its fields,
        ``request_id`` of its page, ``api``, ``ok``, ``error`` when not expected); when
        the listing fails, one element holding ``api``, ``ok`` false and ``error``.

    Raises:
        click.exceptions.Exit: stdout was closed early (``| head``); carries the exit code.
        OSError: stdout could not be written.
    """
    out, err, fmt = _streams(output, stdout, stderr)
    spec = views[invited_account]
    try:
        request = paging.prepare(
            views, status=list(status) or None, ids=list(ids) or None,
            target_entity=target_entity, invited_account=invited_account,
            with_details=details, expected_status=list(expect) or None,
            max_items=max_items, region=region, endpoint=endpoint,
            connect_timeout=connect_timeout, read_timeout=read_timeout, deadline=deadline,
            allow_insecure_http=allow_insecure_http or None)
    except errors.InvalidInputError as exc:
        _bad_input([exc.reword(_cli_words(spec, exc.message)).message], err)  # JSON too
        # One element, not an empty array, which would read as "none listed".
        return _emit(spec.item, [Outcome(None, Status.ERROR, error=exc)], "json", out,
                     name=name)
    reader = Client()  # this run's connections and credential chain, closed at its end
    not_met: dict[str, str] = {}
    verdict = exitcodes.OK
    try:
        result = paging.read_list(reader, request)
    except errors.ExpectationNotMetError as miss:
        result = miss.result  # type: ignore[attr-defined]
        not_met = dict(miss.not_met)  # type: ignore[attr-defined]
        verdict = exitcodes.NOT_EXPECTED
        _note(err, render.failure_line(name, miss.reword(_cli_words(spec, miss.message))))
    except errors.AlireadError as exc:
        _note(err, render.failure_line(name, exc.reword(_cli_words(spec, exc.message))))
        return _emit(spec.item, [Outcome(None, Status.ERROR, error=exc)], "json", out,
                     name=name)
    finally:
        reader.close()
    if not result.ids:
        found = (f"{result.total_count} {spec.item.title}(s); none passed the filters"
                 if result.total_count else f"no {spec.item.title}")
        _note(err, f"aliread: {name}: {spec.action} listed {found}.")
    outcomes = [_listed(spec, row, request.expected, not_met)
                for row in getattr(result, snake_case(spec.response_key))]
    return _emit(spec.item, outcomes, fmt, out, name=name, columns=spec.table_fields,
                 verdict=verdict)


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
          err: TextIO | None = None, *, name: str | None = None,
          columns: Sequence[str] = (), verdict: int = exitcodes.OK,
          pending: Callable[[], tuple[list[Outcome], bool]] | None = None) -> int:
    """Print every outcome as ``fmt`` (``render.element``, ``api`` named ``name``; or a
    ``render.Table`` of ``columns``), a stderr line for each failure unless ``err`` is
    None; return the exit code the outcomes and ``verdict`` decide.

    Raises ``click.exceptions.Exit`` with the exit code when stdout was closed early:
    the decided one once it is known (every read done, or an API error seen, which
    decides whatever the ids not read yet would have given), else 141. ``pending``
    (``Reads.done``) tells, without waiting, the outcomes of the reads finished but not
    printed yet, and whether no other read is left: an id given many times is read once,
    so its read may be long done while its elements are still being printed.
    """
    # A list is complete: its exit code is known before anything is printed.
    complete = isinstance(outcomes, list)
    codes: set[int] = {verdict, *(exit_code_of(o) for o in outcomes)} if complete \
        else {verdict}
    writer = render.Table(api, out, columns) if fmt == "table" else \
        render.JsonArray(api, out, name)
    finished = False
    not_read = 0
    # Errors already printed, by identity (one error may fail many ids). Weakly held: an
    # error no outcome holds any more cannot repeat, and its entry goes with it (so no
    # id() is reused while listed, and failures cost no more memory than results).
    shown: weakref.WeakValueDictionary[int, errors.AlireadError] = weakref.WeakValueDictionary()
    repeats = 0
    try:
        for outcome in outcomes:
            codes.add(exit_code_of(outcome))
            error = None if outcome.status is Status.OK else outcome.error
            if err is None or error is None:
                pass
            elif isinstance(error, NotReadError):
                not_read += 1  # one summary line instead of thousands
            elif id(error) in shown:
                repeats += 1
            else:
                shown[id(error)] = error
                _note(err, render.failure_line(f"{api.name} {outcome.object_id}", error))
            writer.add(outcome)
        finished = True
        writer.close()
    except BrokenPipeError:  # e.g. `aliread ... | head`: keep the reads' verdict
        known = complete or finished
        if not known and pending is not None:
            done, known = pending()  # every read done counts, printed or not
            codes.update(exit_code_of(outcome) for outcome in done)
        known = known or exitcodes.API_ERROR in codes
        raise click.exceptions.Exit(decide(codes) if known else exitcodes.BROKEN_PIPE) \
            from None
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()  # stop the reads still running
    if err is not None and repeats:
        _note(err, f"aliread: {repeats} more id(s) failed with the same error.")
    if err is not None and not_read:
        _note(err, f"aliread: {not_read} id(s) not read: stopped after the credential "
                   "error above.")
    return decide(codes)


def _streams(output: str | None, stdout: TextIO | None,
             stderr: TextIO | None) -> tuple[TextIO, TextIO, str]:
    """stdout, stderr and the output format (``output``, else table on a terminal, json
    otherwise)."""
    out = stdout or sys.stdout
    return out, stderr or sys.stderr, output or ("table" if _isatty(out) else "json")


def _bad_input(problems: Sequence[str], err: TextIO) -> None:
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        _note(err, one_line(f"aliread: bad input: {problem}"))
    if len(problems) > MAX_PROBLEMS_SHOWN:
        _note(err, f"aliread: bad input: ... and {len(problems) - MAX_PROBLEMS_SHOWN} more.")
    _note(err, "aliread: nothing was read (exit 2).")


def _listed(spec: ListSpec, row: Any, expected: tuple[str, ...],
            not_met: Mapping[str, str]) -> Outcome:
    """A listed row as an ``Outcome``: OK, or NOT_EXPECTED with an error naming its
    state, the expected ones and its page's request id."""
    if row.id not in not_met:
        return Outcome(row.id, Status.OK, row)
    error = errors.ExpectationNotMetError(
        f"{spec.item.title} {row.id} is {not_met[row.id]}, expected {one_of(expected)} "
        f"({spec.action}, request id {row.request_id}).",
        code="ExpectationNotMet", http_status=200, request_id=row.request_id,
    )
    return Outcome(row.id, Status.NOT_EXPECTED, row, error)


def _cli_words(spec: ListSpec, text: str) -> str:
    """A library message with the command's option in place of the keyword it starts
    with (``target_entity ...`` -> ``--target-entity ...``), and ``--expect`` for the
    expectation keyword in its advice."""
    item = spec.item
    options = {"status": "--status", "ids": "--id", item.id_keyword: "--id",
               "target_entity": "--target-entity", item.expect_keyword: "--expect",
               "max_items": "--max-items"}
    text = text.replace(f"{item.id_keyword} for {item.action} ", "--id ", 1)
    first, _, rest = text.partition(" ")
    if first in options:
        text = f"{options[first]} {rest}"
    return text.replace(f"({item.expect_keyword}=)", "(--expect)")


def _note(err: TextIO, line: str) -> None:
    """``line`` on stderr, the diagnostics: a line that cannot be written (``2>/dev/full``,
    a closed pipe) is lost, and the exit code stays the verdict of the reads (a stdout
    that cannot be written is another matter: the output itself is lost, exit 74).
    Control characters are shown escaped (``redaction.printable``), never written raw."""
    with contextlib.suppress(OSError, ValueError):
        print(printable(line), file=err, flush=True)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
