"""marshmallow schemas: every response is validated and converted here, or refused.

Types follow the API reference pages: String, Long (int, never bool or text), Boolean
(a real JSON boolean), ISO 8601 UTC times, and enums with exactly the documented values.
Fields the cloud adds later are tolerated and dropped. A response that does not fit
raises ``ResponseValidationError`` naming the field path, the value and what was
expected; no partial result is ever built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..errors import ResponseValidationError
from . import redaction

_INT64_MAX = 2**63 - 1
_UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z", re.ASCII)


class Long(fields.Integer):
    """A JSON integer (the pages' ``Long``): refuses booleans, floats and digit strings."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Range(min=0, max=_INT64_MAX))
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise self.make_error("invalid")
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


class ObjectSchema(Schema):
    """Base of the object schemas: unknown fields are dropped."""

    class Meta:
        unknown = EXCLUDE


class FieldShape(Protocol):
    """What a schema needs to know of a field: ``spec.Field`` is one. (This module owns
    the wire format and imports nothing of ``spec`` or ``apis``, which describe each
    operation; ``spec`` builds an operation's schema here on first use.)"""

    @property
    def api_name(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...  # String, Long, Boolean, Time or Enum (``spec.TYPES``)
    @property
    def values(self) -> tuple[str, ...]: ...
    @property
    def required(self) -> bool: ...


class OperationShape(Protocol):
    """What ``load_response`` needs to know of an operation: an ``apis`` entry is one. A
    list (``spec.ListSpec``) also has ``items_key``, ``total_key`` and ``item``; an
    operation by id has ``id_keyword``."""

    @property
    def action(self) -> str: ...
    @property
    def success_flag(self) -> bool: ...
    @property
    def response_key(self) -> str: ...
    @property
    def result_name(self) -> str: ...
    @property
    def fields(self) -> tuple[FieldShape, ...]: ...
    @property
    def schema(self) -> type[ObjectSchema]: ...
    @property
    def result_type(self) -> type[Any]: ...


def _is_list(api: OperationShape) -> bool:
    return hasattr(api, "items_key")


def _field(spec: FieldShape) -> fields.Field:
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


def object_schema(operation: OperationShape) -> type[ObjectSchema]:
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
_OBJECT_SCHEMAS: dict[type[ObjectSchema], ObjectSchema] = {}


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
        return json.loads(text)
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


def load_response(api: OperationShape, payload: Any, *,
                  requested_id: str | None = None) -> Any:
    """Validate a decoded response of ``api`` and build its frozen result object.

    ``api``: the operation answering (an ``apis`` entry); ``payload``: the decoded JSON
    body; ``requested_id``: for an operation by id, the id that was asked for, which the
    answer must carry (None: not checked). Returns the operation's result object, or for
    a ``ListSpec`` one ``Page``. Raises ``ResponseValidationError`` naming every field
    that does not fit (a row's as ``<response_key>.<items_key>[2].<field>``), when the answer is
    not exactly as its reference page documents.
    """
    action = api.action
    if not isinstance(payload, Mapping):
        raise _invalid(action, [("(body)", payload, "must be a JSON object")], None)
    envelope_errors: dict[str, Any] = {}
    envelope: dict[str, Any] = {}
    try:
        envelope = _envelope(api).load(payload)
    except ValidationError as exc:
        envelope_errors = exc.normalized_messages()  # type: ignore[assignment]
    # The server's words, so scrubbed: a broken or hostile endpoint may echo the STS token.
    request_id = payload.get("RequestId") if isinstance(payload.get("RequestId"), str) else None
    request_id = None if request_id is None else redaction.scrub(request_id)
    problems = _problems(envelope_errors, payload)
    if envelope.get("success") is False or payload.get("Success") is False:
        problems.append(("Success", False, "must be true: the API reported failure"))
    key = api.response_key
    raw_object = payload.get(key)
    if not isinstance(raw_object, Mapping):
        problems.append((key, raw_object if key in payload else _MISSING, "must be an object"))
    if _is_list(api):
        rows = _rows(api, raw_object, problems) if isinstance(raw_object, Mapping) else []
        if problems:
            raise _invalid(action, problems, request_id)
        item = api.item.result_type  # type: ignore[attr-defined]
        return Page(tuple(item(**values, request_id=request_id) for values in rows),
                    envelope["total_count"], request_id)
    values: dict[str, Any] = {}
    if isinstance(raw_object, Mapping):
        try:
            values = _object_schema(api.schema).load(raw_object)
        except ValidationError as exc:
            problems.extend(_problems(exc.normalized_messages(), raw_object, prefix=key))
    if problems:
        raise _invalid(action, problems, request_id)
    id_keyword = getattr(api, "id_keyword", "")
    if requested_id is not None and values[id_keyword] != requested_id:
        id_key = _object_schema(api.schema).fields[id_keyword].data_key
        raise _invalid(
            action,
            [(f"{key}.{id_key}", values[id_keyword],
              f"must be the requested id {requested_id!r}")],
            request_id,
        )
    return api.result_type(**values, request_id=request_id)


def _rows(api: Any, holder: Mapping[str, Any],
          problems: list[tuple[str, Any, str]]) -> list[dict[str, Any]]:
    """The validated rows of a page (``{items_key: [...]}``); their problems are added
    to ``problems`` under ``<response_key>.<items_key>[i]``. A holder without the list
    is an empty page (the JSON form of an empty XML list)."""
    where = f"{api.response_key}.{api.items_key}"
    raw_rows = holder.get(api.items_key, [])
    if not isinstance(raw_rows, list):
        problems.append((where, raw_rows, "must be a list"))
        return []
    schema = _object_schema(api.schema)
    rows = []
    for index, raw in enumerate(raw_rows):
        if not isinstance(raw, Mapping):
            problems.append((f"{where}[{index}]", raw, "must be an object"))
            continue
        try:
            rows.append(schema.load(raw))
        except ValidationError as exc:
            problems.extend(_problems(exc.normalized_messages(), raw, prefix=f"{where}[{index}]"))
    return rows


def _envelope(api: OperationShape) -> ObjectSchema:
    """The schema of ``api``'s envelope: ``RequestId``, ``Success`` where the answer
    carries it, the total of a list."""
    envelope = _ENVELOPES.get(api.action)
    if envelope is None:
        members: dict[str, fields.Field] = {
            "request_id": fields.String(data_key="RequestId", required=True)}
        if api.success_flag:
            members["success"] = StrictBoolean(data_key="Success", required=True)
        if _is_list(api):
            members["total_count"] = Long(data_key=api.total_key,  # type: ignore[attr-defined]
                                          required=True)
        built: Any = ObjectSchema.from_dict(members)()
        envelope = _ENVELOPES.setdefault(api.action, built)
    return envelope


def _object_schema(schema_type: type[ObjectSchema]) -> ObjectSchema:
    schema = _OBJECT_SCHEMAS.get(schema_type)
    if schema is None:
        schema = _OBJECT_SCHEMAS.setdefault(schema_type, schema_type())
    return schema


def _problems(
    messages: Mapping[str, Any], raw: Any, prefix: str = ""
) -> list[tuple[str, Any, str]]:
    """Flatten marshmallow's nested messages to (path, received value, expected) triples."""
    found: list[tuple[str, Any, str]] = []
    for name, message in messages.items():
        path = f"{prefix}.{name}" if prefix else str(name)
        value = raw.get(name, _MISSING) if isinstance(raw, Mapping) else _MISSING
        if isinstance(message, Mapping):
            found.extend(_problems(message, value, path))
        else:
            text = " ".join(message) if isinstance(message, list) else str(message)
            text = text.replace("Missing data for required field.", "Required.")
            found.append((path, value, text))
    return found


_MISSING = object()


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
