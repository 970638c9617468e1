"""Malformed answers: a 200 answer built from the object that would have been answered,
spoiled in one way (see ``Fault.malformed`` for the kinds). For a list action, the
answer is the page that would have been answered, and "the object" its first row."""

from __future__ import annotations

import json
from typing import Any

from ..core.apis import HANDSHAKE, ApiSpec
from .answers import Answer, dumps, envelope, request_id


def malformed(kind: str, api: ApiSpec, obj: dict[str, Any], state_key: str, *,
              env: dict[str, Any] | None = None, response_key: str | None = None
              ) -> Answer:
    """The answer of malformed ``kind`` around ``obj`` (a copy the caller gives away).

    ``env`` (default: ``api``'s envelope around ``obj``) is the whole answer to spoil,
    with ``RequestId``, ``obj`` inside it (a list page and its first row);
    ``response_key`` (default ``api.response_key``) names what holds the object(s)."""
    if env is None:
        rid = request_id()
        env = envelope(api, obj, rid)
    else:
        rid = str(env.get("RequestId") or request_id())
    response_key = response_key or api.response_key
    answer = Answer(200, b"", None, request_id=rid)
    if kind == "truncated_json":
        full = dumps(env)
        answer.body = full[: len(full) // 2]
    elif kind == "html":
        answer.content_type = "text/html;charset=utf-8"
        answer.body = (b"<html><head><title>502 Bad Gateway</title></head><body>"
                       b"<h1>502 Bad Gateway</h1></body></html>")
    elif kind == "empty":
        answer.body = b""
    elif kind == "empty_object":
        answer.body = b"{}"
    elif kind == "invalid_utf8":
        marker = "\u0000EMULATOR-INVALID-UTF8\u0000"
        obj[state_key] = marker + str(obj.get(state_key, ""))
        answer.body = dumps(env).replace(json.dumps(marker)[1:-1].encode("ascii"), b"\xff\xfe")
    elif kind == "huge":
        env["Padding"] = "x" * (10 * 1024 * 1024)
        answer.body = dumps(env)
    elif kind == "deep_nesting":
        depth = 100_000
        marker = "\u0000EMULATOR-NESTING\u0000"
        env[response_key] = marker
        answer.body = dumps(env).replace(
            json.dumps(marker).encode("ascii"), b"[" * depth + b"]" * depth
        )
    elif kind == "not_object":
        answer.body = b"[]"
    elif kind == "null_object":
        env[response_key] = None
        answer.body = dumps(env)
    elif kind == "success_false":
        env["Success"] = False
        answer.body = dumps(env)
    elif kind == "missing_state":
        obj.pop(state_key, None)
        answer.body = dumps(env)
    elif kind == "unknown_state":
        obj[state_key] = "Unknown"
        answer.body = dumps(env)
    elif kind == "id_mismatch":
        obj[api.id_param] = _other_id(api, str(obj.get(api.id_param) or ""))
        answer.body = dumps(env)
    elif kind.startswith("wrong_type:"):
        name = kind.split(":", 1)[1]
        target = obj if name in obj or name not in env else env
        target[name] = _wrong_type(target.get(name))
        answer.body = dumps(env)
    elif kind.startswith("missing:"):
        name = kind.split(":", 1)[1]
        target = obj if name in obj else env
        target.pop(name, None)
        answer.body = dumps(env)
    elif kind == "missing_request_id":
        env.pop("RequestId", None)
        answer.request_id = None
        answer.body = dumps(env)
    else:  # pragma: no cover - Fault.malformed validates kinds
        raise ValueError(f"unknown malformed kind {kind!r}")
    return answer


def _other_id(api: ApiSpec, current: str) -> str:
    if api is HANDSHAKE:
        return "h-0000000000000000" if current != "h-0000000000000000" else "h-1111111111111111"
    return current + "0"


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int):
        return str(value)
    return 123
