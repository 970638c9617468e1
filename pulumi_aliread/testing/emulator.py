"""An embedded fake of ResourceManager ``GetHandshake`` and LinkWAN
``GetJoinPermissionAuthOrder``, served over real HTTP on loopback.

It checks requests the way Alibaba Cloud's API gateway does (common parameters,
timestamp, AccessKey, RPC v1 signature, STS token, nonce replay, action and version,
the id parameter), answers the seeds' JSON, records every request, and lets tests inject
faults and script state changes.  Standard library only.

    with Emulator() as emu:
        emu.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"])
        emu.inject(Fault.http(503), times=2)
        ...  # point a client at emu.url with DEFAULT_ACCESS_KEY_ID/SECRET

Command line: ``python -m pulumi_aliread.testing.emulator --port 0 [--data FILE]``.
"""

from __future__ import annotations

import argparse
import calendar
import collections
import contextlib
import json
import logging
import os
import random
import re
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import errors
from ..apis import AUTH_ORDER, BY_ACTION, COMMON_ERRORS, HANDSHAKE, ApiSpec
from . import signature

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "STS_ACCESS_KEY_ID",
    "STS_ACCESS_KEY_SECRET",
    "STS_TOKEN",
    "SEED_HANDSHAKE_ID",
    "SEED_ORDER_ID",
    "Emulator",
    "Fault",
    "RecordedRequest",
    "serve_forever_cli",
]

log = logging.getLogger(__name__)

DEFAULT_ACCESS_KEY_ID = "LTAI5tEmulatorDefaultKey"
DEFAULT_ACCESS_KEY_SECRET = "emulator-secret-5f2c9d8e7b6a"
STS_ACCESS_KEY_ID = "STS.NUemulatorStsKey"
STS_ACCESS_KEY_SECRET = "emulator-sts-secret-0c1d2e3f"
STS_TOKEN = "CAISemulatorStsToken+/=9Yx"  # + / = on purpose: catches encoding bugs
SEED_HANDSHAKE_ID = "h-ycm4rp3z8b1xq9vk"
SEED_ORDER_ID = "123"

SEED_DATA_PATH = Path(__file__).with_name("seed_data.json")

REQUIRED_PARAMS = (
    "Action",
    "Version",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Format",
)
_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z", re.ASCII)
# The emulator is stricter than apis.py's client-side rule, as the seed says: 16 chars.
_STRICT_ID: dict[str, re.Pattern[str]] = {
    HANDSHAKE.action: re.compile(r"h-[A-Za-z0-9]{16}", re.ASCII),
}
# Gateway codes the apis.py tables do not list: code -> (status, message).
_EXTRA_ERRORS: dict[str, tuple[int, str]] = {
    "MissingParameter": (400, 'The input parameter "{}" that is mandatory for processing '
                              "this request is not supplied."),
    "InvalidTimeStamp.Format": (400, "Specified time stamp or date value is not well "
                                     "formatted."),
    "InvalidParameter": (400, "The specified parameter is not valid."),
    "InvalidPath": (404, "Specified path is not found, please check your url."),
    "RequestTooLarge": (413, "The request body is too large."),
    "BadRequest": (400, "The request could not be understood."),
}
_MAX_BODY = 1 << 20
_JSON = "application/json;charset=utf-8"


def _all_codes() -> set[str]:
    codes = set(COMMON_ERRORS) | set(_EXTRA_ERRORS)
    for api in BY_ACTION.values():
        codes |= set(api.error_table)
    return codes


def _wire_state_key(api: ApiSpec) -> str:
    """JSON field holding the state ("status" -> "Status", "order_state" -> "OrderState")."""
    return "".join(part.capitalize() for part in api.state_field.split("_"))


def _not_found_code(api: ApiSpec) -> str:
    for code, spec in api.error_table.items():
        if issubclass(spec.kind, errors.NotFoundError):
            return code
    return "InvalidParameter"


# What ``data`` may hold: key -> the API of its objects.
_DATA_KEYS: dict[str, ApiSpec] = {"handshakes": HANDSHAKE, "auth_orders": AUTH_ORDER}


def _load_data(data: dict[str, Any] | str | os.PathLike[str] | None) -> dict[str, Any]:
    """The emulator's objects from ``data`` (a dict or a JSON file; None: the seeds).

    Raises ValueError saying what is wrong when the content is not
    ``{"handshakes": [...], "auth_orders": [...]}`` with objects that have their id and
    a known state; OSError when the file cannot be read.
    """
    if data is None:
        data = SEED_DATA_PATH
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as handle:
            raw = handle.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        except RecursionError:
            raise ValueError("not valid JSON: nested too deeply") from None
    _check_data(data)
    return data  # type: ignore[return-value]


def _check_data(data: object) -> None:
    shape = '{"handshakes": [...], "auth_orders": [...]}'
    if not isinstance(data, dict):
        raise ValueError(f"the data must be a JSON object {shape}, got {_json_type(data)}")
    unknown = [key for key in data if key not in _DATA_KEYS]
    if unknown:
        raise ValueError(
            f"unknown key {str(unknown[0])!r}: the data is {shape} (both optional)"
        )
    for key, api in _DATA_KEYS.items():
        objects = data.get(key)
        if objects is None:
            continue
        if not isinstance(objects, list):
            raise ValueError(
                f"{key!r} must be a list of objects, got {_json_type(objects)}"
            )
        state_key = _wire_state_key(api)
        seen: set[str] = set()
        for index, obj in enumerate(objects):
            where = f"{key}[{index}]"
            if not isinstance(obj, dict):
                raise ValueError(f"{where} must be an object, got {_json_type(obj)}")
            object_id = obj.get(api.id_param)
            if not isinstance(object_id, str) or not object_id:
                raise ValueError(
                    f"{where} needs {api.id_param!r}, a non-empty string (got "
                    f"{_json_type(object_id) if api.id_param in obj else 'none'})"
                )
            if object_id in seen:
                raise ValueError(f"{where}: {api.id_param} {object_id!r} appears twice")
            seen.add(object_id)
            state = obj.get(state_key)
            if state not in api.states:
                got = repr(state) if state_key in obj else "none"
                raise ValueError(
                    f"{where} ({api.id_param} {object_id!r}) needs {state_key!r}, one of "
                    f"{', '.join(api.states)} (got {got})"
                )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_SEED_CACHE: dict[str, Any] = {}


def _seed_object(api: ApiSpec) -> dict[str, Any]:
    """A fresh copy of the default seed object of ``api``."""
    if not _SEED_CACHE:
        seed = _load_data(None)
        _SEED_CACHE[HANDSHAKE.action] = seed["handshakes"][0]
        _SEED_CACHE[AUTH_ORDER.action] = seed["auth_orders"][0]
    base = _SEED_CACHE.get(api.action) or _SEED_CACHE[HANDSHAKE.action]
    return dict(base)


# ----------------------------------------------------------------------------- faults

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
      integer -> its decimal string, boolean -> "yes"), ``missing_request_id`` (no
      RequestId in body nor header).
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
        if code not in _all_codes():
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
        known = {k.split(":", 1)[0] for k in MALFORMED_KINDS}
        if base not in known or (base == "wrong_type") != (":" in kind) or kind.endswith(":"):
            raise ValueError(f"unknown malformed kind {kind!r}: use one of {MALFORMED_KINDS}")
        return cls("malformed", variant=kind)


@dataclass
class _Rule:
    fault: Fault
    remaining: int | None
    rate: float | None
    rng: random.Random
    action: str | None
    object_id: str | None

    def matches(self, action: str | None, object_id: str | None) -> bool:
        if self.action is not None and self.action != action:
            return False
        return self.object_id is None or self.object_id == object_id


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class RecordedRequest:
    """One request that reached the emulator, and how it was answered.

    ``status`` is 0 and ``code`` ``"ConnectionReset"`` when a reset fault answered it.
    """

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    action: str | None
    object_id: str | None
    status: int
    code: str | None


@dataclass
class _Answer:
    status: int
    body: bytes
    code: str | None = None
    content_type: str = _JSON
    request_id: str | None = None
    delay: float = 0.0
    reset: bool = False


@dataclass
class _Script:
    states: list[str]
    reads_per_state: int
    reads: int = 0


@dataclass
class _Store:
    api: ApiSpec
    state_key: str
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ----------------------------------------------------------------------------- emulator


class Emulator:
    """A loopback HTTP server answering both APIs; see the module docstring.

    ``data`` is a dict, or a path to JSON, shaped ``{"handshakes": [...],
    "auth_orders": [...]}`` (objects as the APIs answer them); default: the seeds.
    ``latency`` seconds are added to every response (settable at runtime).
    At most ``max_records`` requests are kept in ``requests`` (oldest dropped);
    ``count()`` counts them all.
    """

    def __init__(
        self,
        data: dict[str, Any] | str | os.PathLike[str] | None = None,
        *,
        credentials: dict[str, str] | None = None,
        sts_credentials: dict[str, tuple[str, str]] | None = None,
        latency: float = 0.0,
        timestamp_window: float = 900,
        host: str = "127.0.0.1",
        port: int = 0,
        max_records: int = 20_000,
    ) -> None:
        self.credentials: dict[str, str] = dict(
            credentials if credentials is not None
            else {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET}
        )
        self.sts_credentials: dict[str, tuple[str, str]] = dict(
            sts_credentials if sts_credentials is not None
            else {STS_ACCESS_KEY_ID: (STS_ACCESS_KEY_SECRET, STS_TOKEN)}
        )
        self.latency = float(latency)
        self.timestamp_window = float(timestamp_window)
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._records: collections.deque[RecordedRequest] = collections.deque(
            maxlen=max_records
        )
        self._counts: collections.Counter[tuple[str | None, str | None, int]] = (
            collections.Counter()
        )
        self._nonces: set[str] = set()
        self._nonce_expiry: collections.deque[tuple[float, str]] = collections.deque()
        self._expired_tokens: set[str] = set()
        self._rules: list[_Rule] = []
        self._scripts: dict[str, _Script] = {}
        self._serial = 0
        self._stores: dict[str, _Store] = {
            api.action: _Store(api, _wire_state_key(api)) for api in BY_ACTION.values()
        }
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        loaded = _load_data(data)  # ValueError saying what is wrong
        for obj in loaded.get("handshakes") or []:
            self.add_handshake(obj)
        for obj in loaded.get("auth_orders") or []:
            self.add_auth_order(obj)

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve in a background thread; returns self."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._stopping = threading.Event()
        server = _Server((self.host, self.port), _Handler, self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"aliread-emulator-{server.server_port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and every open connection (does not wait
        for requests that hang)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("emulator is not running: call start() or use `with`")
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- fixtures ------------------------------------------------------------------

    def _add(self, api: ApiSpec, obj: Mapping[str, Any]) -> str:
        object_id = obj.get(api.id_param)
        if not isinstance(object_id, str) or not object_id:
            raise ValueError(f"a {api.title} needs a string {api.id_param!r}")
        with self._lock:
            self._stores[api.action].objects[object_id] = dict(obj)
        return object_id

    def add_handshake(self, obj: Mapping[str, Any]) -> str:
        """Add (or replace) a handshake, as GetHandshake answers it; returns its id."""
        return self._add(HANDSHAKE, obj)

    def add_auth_order(self, obj: Mapping[str, Any]) -> str:
        """Add (or replace) an auth order, as ``Data`` of the answer; returns its id."""
        return self._add(AUTH_ORDER, obj)

    def add_handshakes(self, n: int, prefix: str = "emu", *, status: str | None = None
                       ) -> list[str]:
        """Add ``n`` copies of the seed handshake with distinct valid ids
        (``h-`` + 16 letters/digits, starting with ``prefix``); returns the ids."""
        if not prefix.isascii() or not prefix.isalnum() or len(prefix) > 8:
            raise ValueError("prefix must be 1-8 ASCII letters or digits")
        width = 16 - len(prefix)
        base = _seed_object(HANDSHAKE)
        if status is not None:
            base["Status"] = status
        store = self._stores[HANDSHAKE.action].objects
        ids: list[str] = []
        with self._lock:
            start, self._serial = self._serial, self._serial + n
            for serial in range(start, start + n):
                object_id = f"h-{prefix}{serial:0{width}d}"
                store[object_id] = {**base, "HandshakeId": object_id}
                ids.append(object_id)
        return ids

    def add_auth_orders(self, n: int, prefix: str = "9", *, state: str | None = None
                        ) -> list[str]:
        """Add ``n`` copies of the seed auth order with distinct ids (``prefix`` +
        10 digits); returns the ids."""
        base = _seed_object(AUTH_ORDER)
        if state is not None:
            base["OrderState"] = state
        store = self._stores[AUTH_ORDER.action].objects
        ids: list[str] = []
        with self._lock:
            start, self._serial = self._serial, self._serial + n
            for serial in range(start, start + n):
                object_id = f"{prefix}{serial:010d}"
                store[object_id] = {**base, "OrderId": object_id}
                ids.append(object_id)
        return ids

    def remove(self, object_id: str) -> None:
        """Forget an object (both APIs); later reads answer not-found."""
        with self._lock:
            for store in self._stores.values():
                store.objects.pop(object_id, None)
            self._scripts.pop(object_id, None)

    def get_object(self, object_id: str) -> dict[str, Any] | None:
        """A copy of the stored object with this id (handshake first), or None."""
        with self._lock:
            for store in self._stores.values():
                if object_id in store.objects:
                    return dict(store.objects[object_id])
        return None

    def _stores_with(self, object_id: str) -> list[_Store]:
        found = [s for s in self._stores.values() if object_id in s.objects]
        if not found:
            raise KeyError(f"no handshake or auth order with id {object_id!r}")
        return found

    def set_state(self, object_id: str, state: str) -> None:
        """Set Status / OrderState of an object now (and drop its script)."""
        with self._lock:
            for store in self._stores_with(object_id):
                store.objects[object_id][store.state_key] = state
            self._scripts.pop(object_id, None)

    def script(self, object_id: str, states: Iterable[str], reads_per_state: int = 1) -> None:
        """Successful reads of the object answer states[0] ``reads_per_state`` times,
        then states[1], ..., then stay at the last state."""
        states = list(states)
        if not states:
            raise ValueError("script needs at least one state")
        if reads_per_state < 1:
            raise ValueError("reads_per_state must be at least 1")
        with self._lock:
            self._stores_with(object_id)
            self._scripts[object_id] = _Script(states, reads_per_state)

    # -- credentials, faults, records ------------------------------------------

    def expire_token(self, access_key_id: str) -> None:
        """From now on, the STS token of this key answers InvalidSecurityToken.Expired."""
        if access_key_id not in self.sts_credentials:
            raise KeyError(f"{access_key_id!r} is not an STS AccessKeyId of this emulator")
        with self._lock:
            self._expired_tokens.add(access_key_id)

    def inject(
        self,
        fault: Fault,
        *,
        times: int | None = None,
        rate: float | None = None,
        action: str | None = None,
        object_id: str | None = None,
        seed: int | None = None,
    ) -> None:
        """Apply ``fault`` to requests that pass the signature/auth checks and match
        ``action``/``object_id``: the next ``times`` ones, or each with probability
        ``rate`` (both: at most ``times`` by chance), or (neither) all of them.
        The first matching rule injected wins."""
        if not isinstance(fault, Fault):
            raise TypeError("inject() takes a Fault")
        if times is not None and times < 0:
            raise ValueError("times must be >= 0")
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if times == 0:
            return
        rule = _Rule(fault, times, rate, random.Random(seed), action, object_id)
        with self._lock:
            self._rules.append(rule)

    def clear_faults(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the recorded requests, oldest first."""
        with self._lock:
            return list(self._records)

    def count(
        self, action: str | None = None, object_id: str | None = None, *,
        status: int | None = None,
    ) -> int:
        """How many requests reached the emulator (since ``clear()``), filtered."""
        with self._lock:
            items = list(self._counts.items())
        return sum(
            n for (a, o, s), n in items
            if (action is None or a == action)
            and (object_id is None or o == object_id)
            and (status is None or s == status)
        )

    def clear(self) -> None:
        """Forget the recorded requests (not the fixtures, faults or scripts)."""
        with self._lock:
            self._records.clear()
            self._counts.clear()

    # -- request processing (called from handler threads) -------------------------

    def _process(
        self, method: str, path: str, params: dict[str, str], headers: dict[str, str]
    ) -> _Answer:
        action = params.get("Action") or None
        api = BY_ACTION.get(action) if action else None
        object_id = params.get(api.id_param) if api else None
        try:
            answer = self._decide(method, path, params, headers, api, action, object_id)
        except Exception:  # noqa: BLE001 - a bug here must not kill the server
            log.exception("emulator failed to answer a request")
            answer = self._error("InternalError", api, headers, status=500)
        record = RecordedRequest(
            method, path, params, headers, action, object_id,
            0 if answer.reset else answer.status,
            "ConnectionReset" if answer.reset else answer.code,
        )
        with self._lock:
            self._records.append(record)
            self._counts[(action, object_id, record.status)] += 1
        return answer

    def _error(
        self, code: str, api: ApiSpec | None, headers: Mapping[str, str], *,
        status: int | None = None, message: str | None = None,
    ) -> _Answer:
        spec = (api.error(code) if api else None) or COMMON_ERRORS.get(code)
        if spec is not None:
            default_status, default_message = spec.http_status, spec.message
        else:
            default_status, default_message = _EXTRA_ERRORS.get(
                code, (status or 400, f"The request failed: {code}.")
            )
        request_id = _request_id()
        product = api.product if api else ""
        body = {
            "RequestId": request_id,
            "HostId": headers.get("Host", ""),
            "Code": code,
            "Message": message if message is not None else default_message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product={product}",
        }
        return _Answer(status or default_status, _dumps(body), code, request_id=request_id)

    def _gateway_check(
        self, method: str, params: Mapping[str, str], headers: Mapping[str, str],
        api: ApiSpec | None,
    ) -> _Answer | None:
        """Checks 1-7: common parameters, signature method, timestamp, key, signature,
        STS token, nonce.  None when the request passes."""
        for name in REQUIRED_PARAMS:
            if not params.get(name):
                message = _EXTRA_ERRORS["MissingParameter"][1].format(name)
                return self._error("MissingParameter", api, headers, message=message)
        algorithm = params["SignatureMethod"]
        if algorithm not in signature.ALGORITHMS or params["SignatureVersion"] != "1.0":
            return self._error("IncompleteSignature", api, headers)
        match = _TIMESTAMP.fullmatch(params["Timestamp"])
        if match is None:
            return self._error("InvalidTimeStamp.Format", api, headers)
        try:
            when = calendar.timegm(tuple(int(g) for g in match.groups()) + (0, 0, 0))
            if not (1 <= int(match.group(2)) <= 12 and 1 <= int(match.group(3)) <= 31):
                raise ValueError
        except (ValueError, OverflowError):
            return self._error("InvalidTimeStamp.Format", api, headers)
        if abs(time.time() - when) > self.timestamp_window:
            return self._error("InvalidTimeStamp.Expired", api, headers)
        key_id = params["AccessKeyId"]
        sts = self.sts_credentials.get(key_id)
        secret = sts[0] if sts is not None else self.credentials.get(key_id)
        if secret is None:
            return self._error("InvalidAccessKeyId.NotFound", api, headers)
        ok, text = signature.verify(method, params, secret, algorithm)
        if not ok:
            message = ("Specified signature is not matched with our calculation. "
                       "server string to sign is:" + text)
            return self._error("SignatureDoesNotMatch", api, headers, message=message)
        if sts is not None:
            token = params.get("SecurityToken")
            if not token:
                return self._error("MissingSecurityToken", api, headers)
            if token != sts[1]:
                return self._error("InvalidSecurityToken.MismatchWithAccessKey", api, headers)
            if key_id in self._expired_tokens:
                return self._error("InvalidSecurityToken.Expired", api, headers)
        nonce = params["SignatureNonce"]
        now = time.monotonic()
        with self._lock:
            expiry = self._nonce_expiry
            while expiry and expiry[0][0] < now:
                self._nonces.discard(expiry.popleft()[1])
            if nonce in self._nonces:
                used = True
            else:
                used = False
                self._nonces.add(nonce)
                expiry.append((now + self.timestamp_window * 2, nonce))
        if used:
            return self._error("SignatureNonceUsed", api, headers)
        return None

    def _pick_fault(self, action: str | None, object_id: str | None) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if not rule.matches(action, object_id):
                    continue
                if rule.rate is not None and rule.rng.random() >= rule.rate:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                return rule.fault
        return None

    def _decide(
        self, method: str, path: str, params: dict[str, str], headers: dict[str, str],
        api: ApiSpec | None, action: str | None, object_id: str | None,
    ) -> _Answer:
        if path != "/":
            return self._error("InvalidPath", api, headers)
        refused = self._gateway_check(method, params, headers, api)
        if refused is not None:
            return refused
        delay = 0.0
        fault = self._pick_fault(action, object_id)
        if fault is not None:
            if fault.kind in ("latency", "hang"):
                delay = fault.seconds
            else:
                return self._faulted(fault, api, headers, object_id)
        answer = self._read(params, headers, api, action, object_id)
        answer.delay += delay
        return answer

    def _check_id(
        self, api: ApiSpec, headers: Mapping[str, str], object_id: str | None
    ) -> _Answer | None:
        if not object_id:
            missing = f"MissingParameter.{api.id_param}"
            if missing in api.error_table:
                return self._error(missing, api, headers)
            message = _EXTRA_ERRORS["MissingParameter"][1].format(api.id_param)
            return self._error("MissingParameter", api, headers, message=message)
        pattern = _STRICT_ID.get(api.action, api.id_pattern)
        if not pattern.fullmatch(object_id) or len(object_id) > api.id_max_length:
            invalid = f"InvalidParameter.{api.id_param}"
            if invalid in api.error_table:
                return self._error(invalid, api, headers)
            return self._error(_not_found_code(api), api, headers)
        return None

    def _read(
        self, params: Mapping[str, str], headers: Mapping[str, str], api: ApiSpec | None,
        action: str | None, object_id: str | None,
    ) -> _Answer:
        if api is None:
            return self._error("InvalidAction.NotFound", None, headers)
        if params["Version"] not in api.known_versions:
            return self._error("InvalidVersion", api, headers)
        refused = self._check_id(api, headers, object_id)
        if refused is not None:
            return refused
        assert object_id is not None
        store = self._stores[api.action]
        with self._lock:
            stored = store.objects.get(object_id)
            if stored is not None:
                script = self._scripts.get(object_id)
                if script is not None:
                    step = min(script.reads // script.reads_per_state, len(script.states) - 1)
                    script.reads += 1
                    stored[store.state_key] = script.states[step]
                obj = dict(stored)
        if stored is None:
            return self._error(_not_found_code(api), api, headers)
        request_id = _request_id()
        return _Answer(200, _dumps(self._envelope(api, obj, request_id)), None,
                       request_id=request_id)

    @staticmethod
    def _envelope(api: ApiSpec, obj: Any, request_id: str) -> dict[str, Any]:
        if api.success_flag:
            return {"RequestId": request_id, api.response_key: obj, "Success": True}
        return {"RequestId": request_id, api.response_key: obj}

    def _object_for_fault(self, api: ApiSpec, object_id: str | None) -> dict[str, Any]:
        """The object that would be answered (state not advanced), or a seed copy."""
        store = self._stores[api.action]
        with self._lock:
            stored = store.objects.get(object_id) if object_id else None
            if stored is not None:
                obj = dict(stored)
                script = self._scripts.get(object_id or "")
                if script is not None:
                    step = min(script.reads // script.reads_per_state, len(script.states) - 1)
                    obj[store.state_key] = script.states[step]
                return obj
        obj = _seed_object(api)
        if object_id:
            obj[api.id_param] = object_id
        return obj

    def _faulted(
        self, fault: Fault, api: ApiSpec | None, headers: Mapping[str, str],
        object_id: str | None,
    ) -> _Answer:
        if fault.kind == "reset":
            return _Answer(0, b"", "ConnectionReset", reset=True)
        if fault.kind == "http":
            return self._error(fault.code or "InternalError", api, headers, status=fault.status)
        if fault.kind == "error":
            return self._error(fault.code or "InternalError", api, headers)
        if fault.kind == "body":
            return _Answer(fault.status, fault.raw, None, content_type=fault.content_type,
                           request_id=_request_id())
        if fault.kind == "malformed":
            return self._malformed(fault.variant, api or HANDSHAKE, object_id)
        raise ValueError(f"unknown fault kind {fault.kind!r}")

    def _malformed(self, kind: str, api: ApiSpec, object_id: str | None) -> _Answer:
        obj = self._object_for_fault(api, object_id)
        state_key = self._stores[api.action].state_key
        request_id = _request_id()
        env: dict[str, Any] = self._envelope(api, obj, request_id)
        answer = _Answer(200, b"", None, request_id=request_id)
        if kind == "truncated_json":
            full = _dumps(env)
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
            answer.body = _dumps(env).replace(
                json.dumps(marker)[1:-1].encode("ascii"), b"\xff\xfe"
            )
        elif kind == "huge":
            env["Padding"] = "x" * (10 * 1024 * 1024)
            answer.body = _dumps(env)
        elif kind == "deep_nesting":
            depth = 100_000
            marker = "\u0000EMULATOR-NESTING\u0000"
            env[api.response_key] = marker
            answer.body = _dumps(env).replace(
                json.dumps(marker).encode("ascii"), b"[" * depth + b"]" * depth
            )
        elif kind == "not_object":
            answer.body = b"[]"
        elif kind == "null_object":
            env[api.response_key] = None
            answer.body = _dumps(env)
        elif kind == "success_false":
            env["Success"] = False
            answer.body = _dumps(env)
        elif kind == "missing_state":
            obj.pop(state_key, None)
            answer.body = _dumps(env)
        elif kind == "unknown_state":
            obj[state_key] = "Unknown"
            answer.body = _dumps(env)
        elif kind == "id_mismatch":
            current = str(obj.get(api.id_param) or "")
            if api is HANDSHAKE:
                other = "h-0000000000000000" if current != "h-0000000000000000" else \
                    "h-1111111111111111"
            else:
                other = current + "0"
            obj[api.id_param] = other
            answer.body = _dumps(env)
        elif kind.startswith("wrong_type:"):
            name = kind.split(":", 1)[1]
            target = obj if name in obj or name not in env else env
            target[name] = _wrong_type(target.get(name))
            answer.body = _dumps(env)
        elif kind == "missing_request_id":
            env.pop("RequestId", None)
            answer.request_id = None
            answer.body = _dumps(env)
        else:  # pragma: no cover - Fault.malformed validates kinds
            raise ValueError(f"unknown malformed kind {kind!r}")
        return answer


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return 123
    return 123


# ----------------------------------------------------------------------------- HTTP


class _BadRequest(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 emulator: Emulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), which can stall on DNS: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        try:
            onoff = struct.unpack(
                "ii", request.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)
            )[0]
        except OSError:
            onoff = 0
        if onoff:  # a reset fault: close at once so the peer gets RST, not FIN
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("emulator connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AlireadEmulator/1.0"
    sys_version = ""
    timeout = 300  # idle keep-alive connections are closed after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silent: no line per request."""

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unsupported method) as JSON."""
        self.close_connection = True
        status = HTTPStatus(code) if code in HTTPStatus._value2member_map_ else None
        body = _dumps({
            "RequestId": _request_id(),
            "HostId": self.headers.get("Host", "") if getattr(self, "headers", None) else "",
            "Code": status.phrase.replace(" ", "") if status else "BadRequest",
            "Message": message or (status.description if status else "Bad request"),
        })
        with contextlib.suppress(OSError):
            self.send_response(code, message)
            self.send_header("Content-Type", _JSON)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)

    def _read_params(self, method: str) -> tuple[str, dict[str, str]]:
        split = urlsplit(self.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        if method == "POST":
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self.close_connection = True
                raise _BadRequest("BadRequest")
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self.close_connection = True
                raise _BadRequest("BadRequest") from None
            if length < 0 or length > _MAX_BODY:
                self.close_connection = True
                raise _BadRequest("RequestTooLarge" if length > 0 else "BadRequest")
            body = self.rfile.read(length) if length else b""
            ctype = self.headers.get("Content-Type", "").lower()
            if body and (not ctype or ctype.startswith("application/x-www-form-urlencoded")):
                params.update(parse_qsl(body.decode("utf-8", "replace"),
                                        keep_blank_values=True))
        return split.path or "/", params

    def _dispatch(self, method: str) -> None:
        emulator = self.server.emulator
        headers = dict(self.headers.items())
        try:
            path, params = self._read_params(method)
            answer = emulator._process(method, path, params, headers)
        except _BadRequest as exc:
            answer = emulator._error(exc.code, None, headers)
        except Exception:  # noqa: BLE001 - never let a bug kill the connection thread
            log.exception("emulator failed to parse a request")
            answer = emulator._error("InternalError", None, headers, status=500)
        delay = emulator.latency + answer.delay
        stopping = emulator._stopping
        if delay > 0:
            stopping.wait(delay)
        if stopping.is_set():
            self.close_connection = True
            return
        if answer.reset:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            return
        self._write(answer)

    def _write(self, answer: _Answer) -> None:
        try:
            self.send_response(answer.status)
        except ValueError:  # pragma: no cover
            self.send_response(500)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.request_id:
            self.send_header("x-acs-request-id", answer.request_id)
        self.send_header("Connection", "close" if self.close_connection else "keep-alive")
        self.end_headers()
        self.wfile.write(answer.body)


# ----------------------------------------------------------------------------- CLI


def serve_forever_cli(argv: list[str] | None = None) -> int:
    """``python -m pulumi_aliread.testing.emulator``: print the URL, serve until
    SIGINT/SIGTERM, return 0."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_aliread.testing.emulator",
        description="Serve a fake of GetHandshake and GetJoinPermissionAuthOrder.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--data", default=None,
                        help='JSON file {"handshakes": [...], "auth_orders": [...]}')
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added to every response")
    args = parser.parse_args(argv)
    try:
        emulator = Emulator(args.data, latency=args.latency, host=args.host, port=args.port)
    except (OSError, ValueError) as exc:
        what = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"error: cannot load --data {args.data}: {what}", file=sys.stderr)
        return 2
    done = threading.Event()
    previous: dict[int, Any] = {}

    def on_signal(signum: int, frame: Any) -> None:
        done.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            previous[signum] = signal.signal(signum, on_signal)
    try:
        with emulator:
            print(emulator.url, flush=True)
            print(
                f"aliread emulator: AccessKeyId={DEFAULT_ACCESS_KEY_ID} "
                f"AccessKeySecret={DEFAULT_ACCESS_KEY_SECRET} (STS: "
                f"{STS_ACCESS_KEY_ID}); Ctrl-C stops",
                file=sys.stderr, flush=True,
            )
            while not done.wait(0.5):
                pass
    except OSError as exc:
        print(f"error: cannot serve: {exc}", file=sys.stderr)
        return 2
    finally:
        for signum, handler in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signum, handler)
    return 0


if __name__ == "__main__":
    sys.exit(serve_forever_cli())
