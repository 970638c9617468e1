"""marshmallow schemas: every response is validated and converted here, or refused.

Types follow the API reference pages: String, Long (int, never bool or text), Boolean
(a real JSON boolean), ISO 8601 UTC times, and enums with exactly the documented values.
Fields the cloud adds later are tolerated and dropped. A response that does not fit
raises ``ResponseValidationError`` naming the field path, the value and what was
expected; no partial result is ever built.

This module owns the wire format and imports nothing of ``spec`` or ``apis``, which
describe each operation (``spec.Operation``, passed in as ``api``); ``spec`` builds an
operation's schema here on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..errors import ResponseValidationError
from . import redaction

_INT64_MAX = 2**63 - 1
_UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z", re.ASCII)
# marshmallow's messages for a member that is missing, null or not an object.
_AN_OBJECT = dict.fromkeys(("required", "null"), "must be an object")
_MISSING = object()


class LongInteger:
    """A JSON integer of more digits than ``_MAX_DIGITS``, left as text's length: no field
    of these APIs holds one (a ``Long`` is an int64, 19 digits), and converting it would
    cost time quadratic in its length (Python refuses past 4 300 digits). The field it
    is in refuses it (``Long``: out of range; any other: not of its type); a member no
    field reads is dropped with the rest."""

    __slots__ = ("digits",)

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))

    def __repr__(self) -> str:
        return f"an integer of {self.digits} digits"


_MAX_DIGITS = 40


def _parse_int(text: str) -> int | LongInteger:
    return int(text) if len(text) <= _MAX_DIGITS else LongInteger(text)


def loads(text: str) -> Any:
    """``json.loads``, with every integer longer than ``_MAX_DIGITS`` digits a
    ``LongInteger``. Raises ``ValueError`` (malformed JSON) and ``RecursionError``."""
    return json.loads(text, parse_int=_parse_int)


class Long(fields.Integer):
    """A JSON integer (the pages' ``Long``): refuses booleans, floats and digit strings."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Range(min=0, max=_INT64_MAX))
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, LongInteger):  # past any int64: as the range says
            raise ValidationError(f"Must be an integer from 0 to {_INT64_MAX} (int64).")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON ``true`` or ``false``; ``"true"``, ``1`` and friends are refused."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _utc_time(value: str) -> None:
    if not _UTC_TIME.fullmatch(value):
        raise ValidationError("Not an ISO 8601 UTC time like '2018-08-10T09:55:41Z'.")
    try:
        datetime.fromisoformat(value[:19].replace("Z", ""))
    except ValueError:
        raise ValidationError("Not a valid date and time.") from None


def _succeeded(value: Any) -> None:
    if value is False:
        raise ValidationError("must be true: the API reported failure")


class ObjectSchema(Schema):
    """Base of the object schemas: unknown fields are dropped; a value that is not an
    object is refused as such."""

    error_messages = {"type": "must be an object"}

    class Meta:
        unknown = EXCLUDE


def _field(spec: Any) -> fields.Field:
    """The marshmallow field of one ``spec.Field`` (its API name is the data key)."""
    presence: dict[str, Any] = {"required": True} if spec.required else {"load_default": None}
    if spec.type == "Long":
        return Long(data_key=spec.api_name, **presence)
    if spec.type == "Boolean":
        return StrictBoolean(data_key=spec.api_name, **presence)
    if spec.type == "Time":
        presence["validate"] = _utc_time
    elif spec.type == "Enum":
        presence["validate"] = validate.OneOf(spec.values)
    elif spec.required:
        presence["validate"] = validate.Length(min=1)  # an id
    return fields.String(data_key=spec.api_name, **presence)


def object_schema(operation: Any) -> type[ObjectSchema]:
    """The schema class of one object of ``operation``'s answer (a list's row), built
    from its fields once and kept."""
    schema = _SCHEMA_CLASSES.get(operation.action)
    if schema is None:
        built: Any = ObjectSchema.from_dict(
            {spec.name: _field(spec) for spec in operation.fields},
            name=f"{operation.result_name.removeprefix('Get').removesuffix('Result')}Schema",
        )
        schema = _SCHEMA_CLASSES.setdefault(operation.action, built)
    return schema


_SCHEMA_CLASSES: dict[str, type[ObjectSchema]] = {}
_ENVELOPES: dict[str, ObjectSchema] = {}


def _envelope(api: Any) -> ObjectSchema:
    """The schema of ``api``'s whole answer: ``RequestId``, ``Success`` (required where
    the reference has it; ``false`` refused everywhere), the object in ``response_key``,
    or for a list its total and ``{items_key: [row, ...]}`` (no list: an empty page, the
    JSON form of an empty XML list)."""
    envelope = _ENVELOPES.get(api.action)
    if envelope is None:
        members: dict[str, fields.Field] = {
            "request_id": fields.String(data_key="RequestId", required=True),
            "success": (StrictBoolean(data_key="Success", required=True, validate=_succeeded)
                        if api.success_flag else
                        fields.Raw(data_key="Success", load_default=None, validate=_succeeded)),
        }
        held: dict[str, Any] = {"data_key": api.response_key, "required": True,
                                "error_messages": _AN_OBJECT}
        if hasattr(api, "items_key"):  # a ``spec.ListSpec``
            members["total_count"] = Long(data_key=api.total_key, required=True)
            rows = fields.List(fields.Nested(api.schema, error_messages=_AN_OBJECT),
                               data_key=api.items_key, load_default=list,
                               error_messages=dict.fromkeys(("invalid", "null"), "must be a list"))
            members["page"] = fields.Nested(ObjectSchema.from_dict({"rows": rows}), **held)
        else:
            members["object"] = fields.Nested(api.schema, **held)
        built: Any = ObjectSchema.from_dict(members)()
        envelope = _ENVELOPES.setdefault(api.action, built)
    return envelope
def decode_body(body: bytes, *, action: str, http_status: int | None = None) -> Any:
    """Bytes of a response to a JSON value, or ResponseValidationError saying why not."""

    def refuse(why: str) -> ResponseValidationError:
        return ResponseValidationError(
            f"{action} answered {why}; expected a JSON object. If a proxy stands between "
            "you and the endpoint, check the endpoint setting.",
            http_status=http_status,
        )

    if not body or not body.strip():
        raise refuse("an empty body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"a body that is not valid UTF-8 (byte {exc.start})") from None
    try:
        return loads(text)
    except RecursionError:
        raise refuse("JSON nested too deeply to be an API answer") from None
    except ValueError as exc:
        head = text.lstrip()[:15].lower()
        if head.startswith("<!doctype html") or head.startswith("<html"):
            raise refuse("an HTML page, not JSON") from None
        if head.startswith("<"):
            raise refuse("XML or markup, not JSON") from None
        raise refuse(f"malformed JSON ({exc})") from None


@dataclass(frozen=True, slots=True)
class Page:
    """One validated page of a ``ListSpec`` answer.

    Attributes:
        rows (tuple): the objects, each the list's item result (``GetHandshakeResult``)
            with the fields the list carries and the page's ``request_id``; in the
            API's order.
        total_count (int): the total the API reported (all pages).
        request_id (str | None): the page's request id.
    """

    rows: tuple[Any, ...]
    total_count: int
    request_id: str | None


def load_response(api: Any, payload: Any, *, requested_id: str | None = None) -> Any:
    """Validate a decoded response of ``api`` and build its frozen result object.

    ``api``: the operation answering (an ``apis`` entry); ``payload``: the decoded JSON
    body; ``requested_id``: for an operation by id, the id that was asked for, which the
    answer must carry (None: not checked). Returns the operation's result object, or for
    a ``ListSpec`` one ``Page``. Raises ``ResponseValidationError`` naming every field
    that does not fit (a row's as ``<response_key>.<items_key>[2].<field>``), when the answer is
    not exactly as its reference page documents.
    """
    if not isinstance(payload, Mapping):
        raise _invalid(api.action, [("(body)", payload, "must be a JSON object")], None)
    # The server's words, so scrubbed, every string of them (item and list answers, every
    # field, every row), before anything is built of them: a broken or hostile endpoint
    # may echo the STS token or the AccessKey secret in any field, which would otherwise
    # reach results, CLI output, Pulumi outputs and state.
    payload = redaction.scrub_answer(payload)
    request_id = payload.get("RequestId")
    request_id = request_id if isinstance(request_id, str) else None
    try:
        loaded = _envelope(api).load(payload)
    except ValidationError as exc:
        problems = _problems(exc.normalized_messages(), payload)
        raise _invalid(api.action, problems, request_id) from None
    if "page" in loaded:
        item = api.item.result_type
        return Page(tuple(item(**row, request_id=request_id) for row in loaded["page"]["rows"]),
                    loaded["total_count"], request_id)
    values = loaded["object"]
    if requested_id is not None and values[api.id_keyword] != requested_id:
        path = f"{api.response_key}.{api.field(api.id_keyword).api_name}"
        raise _invalid(api.action, [(path, values[api.id_keyword],
                                     f"must be the requested id {requested_id!r}")], request_id)
    return api.result_type(**values, request_id=request_id)


def _problems(messages: Mapping[Any, Any], raw: Any,
              prefix: str = "") -> list[tuple[str, Any, str]]:
    """marshmallow's nested messages (keyed by API name, a list's rows by index,
    ``_schema``: the value itself) as (path, received value, expected) triples."""
    found: list[tuple[str, Any, str]] = []
    for key, message in messages.items():
        if key == "_schema":
            path, value = prefix, raw
        elif isinstance(key, int):
            path, value = f"{prefix}[{key}]", raw[key]
        else:
            path, value = f"{prefix}.{key}" if prefix else key, raw.get(key, _MISSING)
        if isinstance(message, Mapping):
            found.extend(_problems(message, value, path))
        else:
            text = " ".join(message) if isinstance(message, list) else str(message)
            found.append((path, value, text.replace("Missing data for required field.",
                                                    "Required.")))
    return found


def _invalid(
    action: str, problems: list[tuple[str, Any, str]], request_id: str | None
) -> ResponseValidationError:
    parts = []
    for path, value, expected in sorted(problems, key=lambda p: p[0]):
        got = "nothing" if value is _MISSING else redaction.scrub(_short(value))
        parts.append(f"{path}: {expected.rstrip('.')} (got {got})")
    where = f" (request id {request_id})" if request_id else ""
    return ResponseValidationError(
        f"{action} response failed validation{where}: " + "; ".join(parts)
        + ". The API's answer does not match its reference; nothing was returned. "
        "Retry, and report it if it persists.",
        request_id=request_id,
    )


def _short(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
