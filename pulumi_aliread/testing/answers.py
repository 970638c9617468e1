"""What the emulator sends back: success and error bodies, in JSON or in XML, shaped as
the API reference pages show them (``<GetHandshakeResponse>``, ``<Error>``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from xml.sax.saxutils import escape

from ..core.apis import COMMON_ERRORS, ApiSpec, ErrorSpec

JSON_TYPE = "application/json;charset=utf-8"
XML_TYPE = "application/xml;charset=utf-8"
# The gateway's XML error answers; the Tea SDK parses an error as XML only with this type.
XML_ERROR_TYPE = "text/xml;charset=utf-8"
# Values of the Format parameter (case-insensitive), as the gateway accepts them.
FORMATS = ("JSON", "XML")

# Gateway codes the apis.py tables do not list: code -> (status, message).
EXTRA_ERRORS: dict[str, tuple[int, str]] = {
    "MissingParameter": (400, 'The input parameter "{}" that is mandatory for processing '
                              "this request is not supplied."),
    "InvalidTimeStamp.Format": (400, "Specified time stamp or date value is not well "
                                     "formatted."),
    "InvalidParameter": (400, "The specified parameter is not valid."),
    "InvalidPath": (404, "Specified path is not found, please check your url."),
    "RequestTooLarge": (413, "The request body is too large."),
    "BadRequest": (400, "The request could not be understood."),
    # The list actions' paging parameters. The reference pages name no code for a value
    # out of range: these two are the emulator's choice (``lists``).
    "InvalidParameter.PageSize": (400, "The specified parameter PageSize is not valid."),
    "InvalidParameter.PageNumber": (400, "The specified parameter PageNumber is not valid."),
}


class ErrorSource(Protocol):
    """What an error answer needs of the action it answers: its product (for the
    ``Recommend`` link) and its own error table (``ApiSpec``, or ``lists.ListSpec``)."""

    @property
    def product(self) -> str: ...

    def error(self, code: str) -> ErrorSpec | None: ...


@dataclass
class Answer:
    """One HTTP answer (or, with ``reset``, a connection reset instead of one)."""

    status: int
    body: bytes
    code: str | None = None
    content_type: str = JSON_TYPE
    request_id: str | None = None
    delay: float = 0.0
    reset: bool = False


def request_id() -> str:
    """A fresh request id, shaped as Alibaba Cloud's (an upper-case UUID)."""
    return str(uuid.uuid4()).upper()


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII characters as they are (as the APIs answer)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def known_codes(apis: Mapping[str, ApiSpec]) -> set[str]:
    """Every error code the emulator can answer with."""
    codes = set(COMMON_ERRORS) | set(EXTRA_ERRORS)
    for api in apis.values():
        codes |= set(api.error_table)
    return codes


def envelope(api: ApiSpec, obj: Any, rid: str) -> dict[str, Any]:
    """The API's answer around ``obj``: RequestId, the object, and Success if it has one."""
    if api.success_flag:
        return {"RequestId": rid, api.response_key: obj, "Success": True}
    return {"RequestId": rid, api.response_key: obj}


def success(api: ApiSpec, obj: Mapping[str, Any], fmt: str = "JSON") -> Answer:
    """A 200 answer carrying ``obj`` (not copied), in ``fmt`` (``JSON`` or ``XML``)."""
    rid = request_id()
    return success_body(f"{api.action}Response", envelope(api, obj, rid), rid, fmt)


def success_body(root: str, env: Mapping[str, Any], rid: str, fmt: str = "JSON") -> Answer:
    """A 200 answer of the whole body ``env`` (its RequestId ``rid``); in XML under the
    element ``root`` (``<ActionResponse>``), lists as repeated elements."""
    if fmt == "XML":
        return Answer(200, to_xml(root, env), None, XML_TYPE, rid)
    return Answer(200, dumps(env), None, JSON_TYPE, rid)


def error(
    code: str, api: ErrorSource | None, host: str, *, status: int | None = None,
    message: str | None = None, fmt: str = "JSON",
) -> Answer:
    """The gateway's error answer for ``code``: status and message from apis.py's
    tables (the API's own first), else ``EXTRA_ERRORS``; ``status``/``message`` override."""
    spec = (api.error(code) if api else None) or COMMON_ERRORS.get(code)
    if spec is not None:
        default_status, default_message = spec.http_status, spec.message
    else:
        default_status, default_message = EXTRA_ERRORS.get(
            code, (status or 400, f"The request failed: {code}.")
        )
    rid = request_id()
    product = api.product if api else ""
    body = {
        "RequestId": rid,
        "HostId": host,
        "Code": code,
        "Message": message if message is not None else default_message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product={product}",
    }
    if fmt == "XML":
        return Answer(status or default_status, to_xml("Error", body), code, XML_ERROR_TYPE,
                      rid)
    return Answer(status or default_status, dumps(body), code, JSON_TYPE, rid)


def to_xml(root: str, value: Mapping[str, Any]) -> bytes:
    """``value`` as the gateway's XML: one element per key, booleans ``true``/``false``,
    lists as repeated elements, None as an empty element."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>']
    _element(parts, root, value)
    return "".join(parts).encode("utf-8")


def _element(parts: list[str], name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _element(parts, name, item)
        return
    parts.append(f"<{name}>")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _element(parts, str(key), item)
    elif isinstance(value, bool):
        parts.append("true" if value else "false")
    elif value is not None:
        parts.append(escape(str(value)))
    parts.append(f"</{name}>")
