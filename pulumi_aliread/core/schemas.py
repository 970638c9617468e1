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
from datetime import datetime
from typing import Any, Protocol

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..errors import ResponseValidationError
from . import redaction
from .states import AUTH_ORDER_STATES, HANDSHAKE_STATUSES

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


def _text(data_key: str, **kwargs: Any) -> fields.String:
    return fields.String(data_key=data_key, load_default=None, **kwargs)


def _time(data_key: str) -> fields.String:
    return fields.String(data_key=data_key, load_default=None, validate=_utc_time)


def _required_id(data_key: str) -> fields.String:
    return fields.String(data_key=data_key, required=True, validate=validate.Length(min=1))


def _enum(data_key: str, values: tuple[str, ...]) -> fields.String:
    return fields.String(data_key=data_key, required=True, validate=validate.OneOf(values))


class ObjectSchema(Schema):
    """Base of the object schemas: unknown fields are dropped."""

    class Meta:
        unknown = EXCLUDE



class HandshakeSchema(ObjectSchema):
    """``GetHandshake``'s ``Handshake`` object."""

    handshake_id = _required_id("HandshakeId")
    resource_directory_id = _text("ResourceDirectoryId")
    master_account_id = _text("MasterAccountId")
    master_account_name = _text("MasterAccountName")
    master_account_real_name = _text("MasterAccountRealName")
    invited_account_real_name = _text("InvitedAccountRealName")
    target_entity = _text("TargetEntity")
    target_type = _text("TargetType", validate=validate.OneOf(("Account", "Email")))
    note = _text("Note")
    status = _enum("Status", HANDSHAKE_STATUSES)
    create_time = _time("CreateTime")
    modify_time = _time("ModifyTime")
    expire_time = _time("ExpireTime")


class AuthOrderSchema(ObjectSchema):
    """``GetJoinPermissionAuthOrder``'s ``Data`` object."""

    order_id = _required_id("OrderId")
    join_permission_id = _text("JoinPermissionId")
    order_state = _enum("OrderState", AUTH_ORDER_STATES)
    owner_aliyun_id = _text("OwnerAliyunId")
    renter_aliyun_id = _text("RenterAliyunId")
    applying_millis = Long(data_key="ApplyingMillis", load_default=None)
    accepted_millis = Long(data_key="AcceptedMillis", load_default=None)
    rejected_millis = Long(data_key="RejectedMillis", load_default=None)
    canceled_millis = Long(data_key="CanceledMillis", load_default=None)


class _Envelope(ObjectSchema):
    request_id = fields.String(data_key="RequestId", required=True)


class _EnvelopeWithSuccess(_Envelope):
    success = StrictBoolean(data_key="Success", required=True)


_ENVELOPES = {False: _Envelope(), True: _EnvelopeWithSuccess()}
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


class ResponseShape(Protocol):
    """What ``load_response`` needs to know of an API: ``apis.ApiSpec`` is one. (This
    module owns the wire format and imports nothing of ``apis``, which describes each
    API with the schemas and state values defined here.)"""

    @property
    def action(self) -> str: ...
    @property
    def success_flag(self) -> bool: ...
    @property
    def response_key(self) -> str: ...
    @property
    def schema(self) -> type[ObjectSchema]: ...
    @property
    def id_keyword(self) -> str: ...
    @property
    def result_type(self) -> type[Any]: ...


def load_response(api: ResponseShape, payload: Any, *, requested_id: str) -> Any:
    """Validate a decoded response of ``api`` and build its frozen result object.

    ``api``: the API answering (an ``apis.ApiSpec``); ``payload``: the decoded JSON body;
    ``requested_id``: the id that was asked for, which the answer must carry. Returns the
    API's result object. Raises ``ResponseValidationError`` naming every field that does
    not fit, when the answer is not exactly as its reference page documents.
    """
    action = api.action
    if not isinstance(payload, Mapping):
        raise _invalid(action, [("(body)", payload, "must be a JSON object")], None)
    envelope_errors: dict[str, Any] = {}
    envelope: dict[str, Any] = {}
    try:
        envelope = _ENVELOPES[api.success_flag].load(payload)
    except ValidationError as exc:
        envelope_errors = exc.normalized_messages()  # type: ignore[assignment]
    request_id = payload.get("RequestId") if isinstance(payload.get("RequestId"), str) else None
    problems = _problems(envelope_errors, payload)
    if envelope.get("success") is False or payload.get("Success") is False:
        problems.append(("Success", False, "must be true: the API reported failure"))
    key = api.response_key
    raw_object = payload.get(key)
    if not isinstance(raw_object, Mapping):
        problems.append((key, raw_object if key in payload else _MISSING, "must be an object"))
    values: dict[str, Any] = {}
    if isinstance(raw_object, Mapping):
        try:
            values = _object_schema(api.schema).load(raw_object)
        except ValidationError as exc:
            problems.extend(_problems(exc.normalized_messages(), raw_object, prefix=key))
    if problems:
        raise _invalid(action, problems, request_id)
    if values[api.id_keyword] != requested_id:
        id_key = _object_schema(api.schema).fields[api.id_keyword].data_key
        raise _invalid(
            action,
            [(f"{key}.{id_key}", values[api.id_keyword],
              f"must be the requested id {requested_id!r}")],
            request_id,
        )
    return api.result_type(**values, request_id=request_id)


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
