"""A list subcommand (``aliread handshakes``) from validated options to exit code.

The listing itself is ``core.paging.read_list``, the one paged read the Python functions
and the plugin use too: this module only checks the command line's input with the same
validators, runs it once, and prints. Nothing here names an operation or a field: the
``ListSpec`` says which actions, states, ids and table columns there are. No click here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO, cast

from .. import errors
from ..core import paging, validation
from ..core.client import Client
from ..core.settings import resolve
from ..core.spec import ListSpec, one_of, snake_case
from . import exitcodes, render
from .command import _Diagnostics, _isatty
from .output_errors import OutputClosed, OutputFailed
from .run import Outcome, Status


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
    """Validate everything, list once (every page), print, return the exit code.

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
        OutputClosed: stdout was closed early (``| head``); carries the exit code.
        OutputFailed: stdout could not be written.
    """
    out = stdout or sys.stdout
    err = cast(TextIO, _Diagnostics(stderr or sys.stderr))
    fmt = output or ("table" if _isatty(out) else "json")
    spec = views[invited_account]
    try:
        request = paging.prepare(
            views, status=list(status) or None, ids=list(ids) or None,
            target_entity=target_entity, invited_account=invited_account,
            with_details=details, expected_status=list(expect) or None,
            max_items=max_items)
        options = validation.read_options(connect_timeout=connect_timeout,
                                          read_timeout=read_timeout, deadline=deadline)
        keywords: dict[str, Any] = {"region": region, "endpoint": endpoint,
                                    "allow_insecure_http": allow_insecure_http or None}
        resolve(spec, options=options, **keywords)  # refused here, before any request
    except errors.InvalidInputError as exc:
        print(render.one_line(f"aliread: bad input: {_cli_words(spec, exc.message)}"),
              file=err)
        print("aliread: nothing was read (exit 2).", file=err)
        return _emit_failure(name, exc, exitcodes.BAD_INPUT, out)
    reader = Client()  # this run's connections and credential chain, closed at its end
    not_met: dict[str, str] = {}
    code = exitcodes.OK
    try:
        result = paging.read_list(reader, spec, filters=request.filters,
                                  with_details=request.with_details,
                                  max_items=request.max_items, options=options, **keywords)
    except errors.ExpectationNotMetError as miss:
        result = miss.result  # type: ignore[attr-defined]
        not_met = dict(miss.not_met)  # type: ignore[attr-defined]
        code = exitcodes.NOT_EXPECTED
        print(render.failure_line(name, _in_cli_words(spec, miss)), file=err)
    except errors.AlireadError as exc:
        print(render.failure_line(name, _in_cli_words(spec, exc)), file=err)
        failed = (exitcodes.BAD_INPUT if isinstance(exc, errors.InvalidInputError)
                  else exitcodes.API_ERROR)
        return _emit_failure(name, exc, failed, out)
    finally:
        reader.close()
    if not result.ids:
        found = (f"{result.total_count} {spec.item.title}(s); none passed the filters"
                 if result.total_count else f"no {spec.item.title}")
        print(f"aliread: {name}: {spec.action} listed {found}.", file=err)
    outcomes = [_outcome(spec, row, request.filters.expected, not_met)
                for row in getattr(result, _items(spec))]
    _write(out, code, lambda: _print_rows(spec, name, outcomes, fmt, out))
    return code


def _items(spec: ListSpec) -> str:
    """The result's attribute holding the listed objects (``handshakes``)."""
    return snake_case(spec.response_key)


def _outcome(spec: ListSpec, row: Any, expected: tuple[str, ...],
             not_met: Mapping[str, str]) -> Outcome:
    """A listed row as the per-id commands' ``Outcome``: OK, or NOT_EXPECTED with an
    error naming its state, the expected ones and its page's request id."""
    if row.id not in not_met:
        return Outcome(row.id, Status.OK, row)
    item = spec.item
    error = errors.ExpectationNotMetError(
        f"{item.title} {row.id} is {not_met[row.id]}, expected {one_of(expected)} "
        f"({spec.action}, request id {row.request_id}).",
        code="ExpectationNotMet", http_status=200, request_id=row.request_id,
    )
    return Outcome(row.id, Status.NOT_EXPECTED, row, error)


def _print_rows(spec: ListSpec, name: str, outcomes: Sequence[Outcome], fmt: str,
                out: TextIO) -> None:
    if fmt == "table":
        table = render.Table(spec.item, out, spec.table_fields)
        for outcome in outcomes:
            table.add(outcome)
        table.close()
        return
    array = render.JsonArray(out)
    for outcome in outcomes:
        array.add(render.element(spec.item, outcome, name))
    array.close()


def _emit_failure(name: str, error: errors.AlireadError, code: int, out: TextIO) -> int:
    """A failed listing's output: one element with ``api``, ``ok`` false and ``error``
    (an empty array would read as "no invitations")."""
    def write() -> None:
        array = render.JsonArray(out)
        array.add({"api": name, "ok": False, "error": render.error_data(error)})
        array.close()

    _write(out, code, write)
    return code


def _write(out: TextIO, code: int, write: Callable[[], None]) -> None:
    """Run ``write``; the verdict is known already, so a closed stdout keeps it."""
    try:
        write()
    except BrokenPipeError:
        raise OutputClosed(code) from None
    except OSError as exc:
        raise OutputFailed(exc) from None


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


def _in_cli_words(spec: ListSpec, error: errors.AlireadError) -> errors.AlireadError:
    error.message = _cli_words(spec, error.message)
    error.args = (error.message,)
    return error
