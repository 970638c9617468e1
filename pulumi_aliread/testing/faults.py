"""The emulator's fault language: ``Fault`` values a test injects (an HTTP status, an
error code, a reset, a hang, a raw body, latency, a malformed answer) and the rules that
decide which requests they spoil."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..core.apis import BY_ACTION
from .answers import known_codes

__all__ = ["MALFORMED_KINDS", "Fault", "Rule"]

MALFORMED_KINDS = (
    "truncated_json",
    "html",
    "empty",
    "empty_object",
    "invalid_utf8",
    "huge",
    "deep_nesting",
    "not_object",
    "null_object",
    "success_false",
    "missing_state",
    "unknown_state",
    "id_mismatch",
    "wrong_type:<Field>",
    "missing_request_id",
)
# Kinds that name a field after a colon. ``missing:<Field>`` is not in MALFORMED_KINDS:
# callers iterate that tuple and substitute a field for ``wrong_type:<Field>`` only.
_FIELD_KINDS = {"wrong_type", "missing"}


@dataclass(frozen=True)
class Fault:
    """Something to answer instead of (or on top of) the normal answer.

    Build one with a constructor:

    - ``Fault.http(status, code=None)``: that HTTP status with a gateway error body
      (code defaults to InternalError for 500, ServiceUnavailable for 503).
    - ``Fault.error(code)``: the error code with its status and message from apis.py
      (the API's own table first, then COMMON_ERRORS).
    - ``Fault.throttle()``: ``Fault.error("Throttling.User")``.
    - ``Fault.reset()``: close the TCP connection abruptly (RST), no response.
    - ``Fault.hang(seconds=30)``: wait (meant to outlast a client's timeout), then the
      normal answer; other requests are not blocked and ``stop()`` does not wait for it.
    - ``Fault.body(raw, status=200, content_type="application/json")``: a raw body.
    - ``Fault.latency(seconds)``: wait, then the normal answer.
    - ``Fault.malformed(kind)``: a 200 answer built from the object that would have
      been answered, spoiled in one way:

      ``truncated_json`` (first half of the JSON), ``html`` (an HTML error page),
      ``empty`` (zero bytes), ``empty_object`` (``{}``), ``invalid_utf8`` (bytes
      0xFF 0xFE inside the state string), ``huge`` (~10 MB of valid JSON: the answer
      plus a ``Padding`` string), ``deep_nesting`` (the object replaced by 100 000
      nested lists), ``not_object`` (``[]``), ``null_object`` (``"Handshake"``/``"Data"``
      is ``null``), ``success_false`` (``"Success": false`` with the object present),
      ``missing_state`` (no Status/OrderState), ``unknown_state`` (state "Unknown"),
      ``id_mismatch`` (the object carries another id), ``wrong_type:<Field>`` (that
      field, in the object or the envelope, gets a value of a wrong type: string -> 123,
      integer -> its decimal string, boolean -> "yes"), ``missing:<Field>`` (that
      field, in the object or the envelope, left out; not listed in MALFORMED_KINDS),
      ``missing_request_id`` (no RequestId in body nor header).

      On a list action the answer is the page that would have been answered and the
      object its first row (``wrong_type:TotalCount``, ``missing:Handshakes``,
      ``missing:HandshakeId``, ``null_object``: ``"Handshakes": null``).
    """

    kind: str
    status: int = 200
    code: str | None = None
    seconds: float = 0.0
    raw: bytes = b""
    content_type: str = "application/json"
    variant: str = ""

    @classmethod
    def http(cls, status: int, code: str | None = None) -> Fault:
        if code is None:
            code = {503: "ServiceUnavailable", 429: "Throttling"}.get(status, "InternalError")
        return cls("http", status=int(status), code=code)

    @classmethod
    def error(cls, code: str) -> Fault:
        if code not in known_codes(BY_ACTION):
            raise ValueError(f"unknown error code {code!r}: not in apis.py's tables")
        return cls("error", code=code)

    @classmethod
    def throttle(cls) -> Fault:
        return cls.error("Throttling.User")

    @classmethod
    def reset(cls) -> Fault:
        return cls("reset")

    @classmethod
    def hang(cls, seconds: float = 30) -> Fault:
        return cls("hang", seconds=float(seconds))

    @classmethod
    def body(
        cls, raw: bytes | str, status: int = 200, content_type: str = "application/json"
    ) -> Fault:
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        return cls("body", status=int(status), raw=data, content_type=content_type)

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        return cls("latency", seconds=float(seconds))

    @classmethod
    def malformed(cls, kind: str) -> Fault:
        base = kind.split(":", 1)[0]
        known = {k.split(":", 1)[0] for k in MALFORMED_KINDS} | _FIELD_KINDS
        if base not in known or (base in _FIELD_KINDS) != (":" in kind) or kind.endswith(":"):
            raise ValueError(f"unknown malformed kind {kind!r}: use one of {MALFORMED_KINDS}")
        return cls("malformed", variant=kind)


@dataclass
class Rule:
    """One injected fault and which requests it applies to, how often."""

    fault: Fault
    remaining: int | None
    rate: float | None
    rng: random.Random
    action: str | None
    object_id: str | None
    page: int | None = None  # a list action's PageNumber (None: any request)

    def matches(self, action: str | None, object_id: str | None,
                page: int | None = None) -> bool:
        if self.action is not None and self.action != action:
            return False
        if self.page is not None and self.page != page:
            return False
        return self.object_id is None or self.object_id == object_id
