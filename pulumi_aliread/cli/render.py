"""What the command prints: JSON array or table on stdout, one-line errors on stderr."""

from __future__ import annotations

import codecs
import json
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, TextIO

from ..core.apis import ApiSpec
from ..core.redaction import CONTROLS, one_line, printable
from ..errors import AlireadError, ExpectationNotMetError, InvalidInputError
from .durations import format_duration
from .run import Outcome, Status


def element(api: ApiSpec, outcome: Outcome, name: str | None = None) -> dict[str, Any]:
    """The JSON element of one outcome: ``api`` (``name``, default ``api.name``: the
    command), the object's fields (when read; else its id, if it has one), ``ok``,
    ``error``."""
    data: dict[str, Any] = {"api": name or api.name}
    if outcome.result is not None:
        data.update(outcome.result.to_dict())
    elif outcome.object_id is not None:
        data[api.id_keyword] = shortened_id(api, outcome.object_id)
    data["ok"] = outcome.status is Status.OK
    error = outcome.error
    if error is not None and outcome.status is not Status.OK:
        data["error"] = error_data(error)
    return data


def shortened_id(api: ApiSpec, object_id: str) -> str:
    """``object_id`` as given, or, when it is longer than any id of ``api`` can be (it was
    refused for that), its first ``id_max_length`` characters and ``...``: a given text of
    megabytes is not echoed whole (its error message says its length)."""
    limit = api.id_max_length
    return object_id if len(object_id) <= limit else object_id[:limit] + "..."


def error_data(error: AlireadError) -> dict[str, Any]:
    """The ``error`` member of a JSON element: type, code, HTTP status, request id and
    the message on one line."""
    return {
        "type": type(error).__name__,
        "code": error.code,
        "http_status": error.http_status,
        "request_id": error.request_id,
        "attempts": error.attempts,
        "stop_reason": error.stop_reason,
        "message": one_line(error.message),
    }


def failure_line(subject: str, error: AlireadError) -> str:
    """``aliread: <subject>: [code, request id ...] message`` on one line (the code and
    the request id only when the message does not already say them)."""
    message = error.message
    code = _code_of(error)
    tags = [] if code in message else [code]
    if error.request_id is None or error.request_id not in message:
        tags.append(f"request id {error.request_id or 'none'}")
    prefix = f"aliread: {subject}: "
    return one_line(prefix + (f"[{', '.join(tags)}] " if tags else "") + message)


def progress_line(api: ApiSpec, pending: Sequence[Outcome], total: int, left: float,
                  expected: Sequence[str]) -> str:
    """One line saying what the wait is waiting for."""
    states: Counter[str] = Counter()
    for outcome in pending:
        error = outcome.error
        if error is not None and not isinstance(error, ExpectationNotMetError):
            states[f"unreadable ({error.code})"] += 1
        else:
            states[getattr(outcome.result, api.state_field)] += 1
    shown = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    return (
        f"aliread: waiting for {len(pending)} of {total} {api.name} object(s) to be "
        f"{' or '.join(expected)}: {shown}; {format_duration(round(left) or left)} left"
    )


class JsonArray:
    """Writes a JSON array element by element (``element``), so nothing has to be held.

    Text is written as it is when the stream's encoding is a Unicode one, else as
    ``\\uXXXX`` escapes (``PYTHONIOENCODING=ascii``, a C locale): the JSON is valid either way.
    Control characters (``redaction.CONTROLS``) are always ``\\uXXXX`` escapes.
    """

    def __init__(self, api: ApiSpec, stream: TextIO, name: str | None = None) -> None:
        self.api = api
        self.name = name
        self.stream = stream
        self.count = 0
        encoding = getattr(stream, "encoding", None) or "utf-8"  # None: a StringIO (text)
        try:
            self.ascii = not codecs.lookup(encoding).name.startswith(("utf-", "utf_"))
        except LookupError:
            self.ascii = True

    def add(self, outcome: Outcome) -> None:
        text = json.dumps(element(self.api, outcome, self.name), ensure_ascii=self.ascii)
        # json.dumps escapes C0 controls only: DEL, C1 controls and the bidi controls a
        # terminal would act on are written as \uXXXX too (in JSON they can only be in
        # strings, whose values stay the same).
        text = CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
        self.stream.write(("[\n" if self.count == 0 else ",\n") + text)
        self.count += 1

    def close(self) -> None:
        self.stream.write("[]\n" if self.count == 0 else "\n]\n")
        self.stream.flush()


class Table:
    """Aligned columns: id, state, a few key fields (or ``columns``, result field names),
    result; printed at the end. The key fields are the API's ``summary_fields``, else the
    first three other fields of its result."""

    def __init__(self, api: ApiSpec, stream: TextIO,
                 columns: Sequence[str] = ()) -> None:
        self.api = api
        self.stream = stream
        skip = {api.id_keyword, api.state_field, "request_id"}
        key = api.summary_fields or tuple(
            f.name for f in fields(api.result_type) if f.name not in skip)[:3]
        self.columns = tuple(columns) or (api.id_keyword, api.state_field, *key)
        self.rows: list[tuple[str, ...]] = []

    def add(self, outcome: Outcome) -> None:
        values = outcome.result.to_dict() if outcome.result is not None else {}
        values[self.api.id_keyword] = outcome.object_id
        cells = [_cell(values.get(name)) for name in self.columns]
        verdict = outcome.status.value  # ok, not expected, timed out (pending: never here)
        if outcome.status is Status.ERROR:
            verdict = f"error: {_code_of(outcome.error)}"
        self.rows.append((*cells, verdict))

    def close(self) -> None:
        header = tuple(name.upper() for name in (*self.columns, "result"))
        rows = [header, *self.rows]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            cells = zip(row, widths, strict=True)
            padded = [cell + " " * (width - _width(cell)) for cell, width in cells]
            self.stream.write("  ".join(padded).rstrip() + "\n")
        self.stream.flush()


def _code_of(error: BaseException | None) -> str:
    """An error's API code, or its type's name for one refused here (a local
    ``InvalidInputError``: nothing was sent)."""
    code = getattr(error, "code", None)
    if code is None or code == InvalidInputError.default_code:
        return type(error).__name__
    return str(code)


def _cell(value: object) -> str:
    """A table cell: control characters shown escaped (``redaction.printable``), any
    other character that does not print (a surrogate, a non-space separator) a space."""
    if value is None:
        return "-"
    text = "".join(ch if ch.isprintable() else " " for ch in printable(str(value)))
    return text if len(text) <= 40 else text[:39] + "…"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
