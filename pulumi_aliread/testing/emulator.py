"""An embedded fake of ResourceManager ``GetHandshake`` and LinkWAN
``GetJoinPermissionAuthOrder``, served over real HTTP on loopback.

It checks requests the way Alibaba Cloud's API gateway does (``gateway``: common
parameters or ACS3 headers, timestamp, AccessKey, RPC v1 or ACS3-HMAC-SHA256 signature,
STS token, nonce replay), then the action, version and id parameter; answers the seeds'
objects in JSON or XML (``Format``); serves the invited account's view (an Accepted
invitation read with the invited account's keys answers HTTP 409
``HandshakeStatusMismatch``); records every request; and lets tests inject faults
(``faults``) and script state changes.  Standard library only.

    with Emulator() as emu:
        emu.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"])
        emu.inject(Fault.http(503), times=2)
        ...  # point a client at emu.url with DEFAULT_ACCESS_KEY_ID/SECRET

Command line: ``aliread emulator`` or ``python -m pulumi_aliread.testing.emulator``
(``cli``). The parts live in modules of one job each: ``fixtures`` (test keys, seeds,
``--data``), ``faults``, ``gateway``, ``signature``, ``answers`` (JSON/XML bodies),
``malformed``, ``http`` and ``cli``; this module holds the ``Emulator`` itself and
re-exports their public names.
"""

from __future__ import annotations

import collections
import logging
import os
import random
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.apis import AUTH_ORDER, BY_ACTION, HANDSHAKE, ApiSpec
from . import answers, gateway
from .answers import Answer
from .faults import MALFORMED_KINDS, Fault, Rule
from .fixtures import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    SEED_DATA_PATH,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Script,
    Store,
    load_data,
    not_found_code,
    seed_object,
    servable_id,
    wire_state_key,
)
from .gateway import REQUIRED_PARAMS, Passed, Request
from .malformed import malformed

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "INVITED_ACCESS_KEY_ID",
    "INVITED_ACCESS_KEY_SECRET",
    "MALFORMED_KINDS",
    "REQUIRED_PARAMS",
    "SEED_DATA_PATH",
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

# The state in which the invited account's GetHandshake answers HandshakeStatusMismatch.
INVITED_HIDDEN_STATE = "Accepted"


@dataclass(frozen=True)
class RecordedRequest:
    """One request that reached the emulator, and how it was answered.

    ``params`` holds the query and form parameters; ``action`` comes from ``Action`` or,
    for an ACS3 request, the ``x-acs-action`` header. ``status`` is 0 and ``code``
    ``"ConnectionReset"`` when a reset fault answered it.
    """

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    action: str | None
    object_id: str | None
    status: int
    code: str | None


class Emulator:
    """A loopback HTTP server answering both APIs; see the module docstring.

    ``data`` is a dict, or a path to JSON, shaped ``{"handshakes": [...],
    "auth_orders": [...]}`` (objects as the APIs answer them); default: the seeds
    (ValueError naming the wrong field; OSError when the file cannot be read).
    ``credentials`` maps AccessKeyId -> secret (default: the default and the invited
    account's pairs), ``sts_credentials`` STS AccessKeyId -> (secret, token).
    ``invited_access_key_ids``: the AccessKeyIds (among those) that belong to the invited
    account: with them, ``GetHandshake`` of an Accepted invitation answers HTTP 409
    ``HandshakeStatusMismatch``, as the real API does (default: ``INVITED_ACCESS_KEY_ID``
    when it is among the credentials). ``latency`` seconds are added to every response
    (settable at runtime); ``timestamp_window`` seconds of clock skew are accepted.
    At most ``max_records`` requests are kept in ``requests`` (oldest dropped);
    ``count()`` counts them all.
    """

    def __init__(
        self,
        data: dict[str, Any] | str | os.PathLike[str] | None = None,
        *,
        credentials: dict[str, str] | None = None,
        sts_credentials: dict[str, tuple[str, str]] | None = None,
        invited_access_key_ids: Iterable[str] | None = None,
        latency: float = 0.0,
        timestamp_window: float = 900,
        host: str = "127.0.0.1",
        port: int = 0,
        max_records: int = 20_000,
    ) -> None:
        self.credentials: dict[str, str] = dict(
            credentials if credentials is not None
            else {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET,
                  INVITED_ACCESS_KEY_ID: INVITED_ACCESS_KEY_SECRET}
        )
        self.sts_credentials: dict[str, tuple[str, str]] = dict(
            sts_credentials if sts_credentials is not None
            else {STS_ACCESS_KEY_ID: (STS_ACCESS_KEY_SECRET, STS_TOKEN)}
        )
        if invited_access_key_ids is None:
            invited = {INVITED_ACCESS_KEY_ID} & set(self.credentials)
        else:
            invited = {invited_access_key_ids} if isinstance(invited_access_key_ids, str) \
                else set(invited_access_key_ids)
            unknown = sorted(invited - set(self.credentials) - set(self.sts_credentials))
            if unknown:
                raise ValueError(
                    f"invited_access_key_ids: {unknown[0]!r} is not an AccessKeyId of this "
                    "emulator: add its pair to credentials (or sts_credentials)"
                )
        self.invited_access_key_ids: set[str] = invited
        from .cli import check_latency, check_port

        try:
            port = check_port(port)
        except ValueError as exc:
            raise ValueError(f"port {exc}") from None
        try:
            latency = check_latency(latency)
        except ValueError as exc:
            raise ValueError(f"latency {exc}") from None
        self.latency = latency
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
        self._nonces = gateway.NonceBook()
        self._expired_tokens: set[str] = set()
        self._rules: list[Rule] = []
        self._scripts: dict[str, Script] = {}
        self._serial = 0
        self._stores: dict[str, Store] = {
            api.action: Store(api, wire_state_key(api)) for api in BY_ACTION.values()
        }
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        loaded = load_data(data)  # ValueError saying what is wrong
        for obj in loaded.get("handshakes") or []:
            self.add_handshake(obj)
        for obj in loaded.get("auth_orders") or []:
            self.add_auth_order(obj)

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve in a background thread; returns self (OSError if the address
        cannot be bound)."""
        from .http import Handler, Server

        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._stopping = threading.Event()
        server = Server((self.host, self.port), Handler, self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"aliread-emulator-{server.server_port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and every open connection, kept-alive ones
        included (does not wait for requests that hang)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=1)
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
        base = seed_object(HANDSHAKE)
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
        base = seed_object(AUTH_ORDER)
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

    def _stores_with(self, object_id: str) -> list[Store]:
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
            self._scripts[object_id] = Script(states, reads_per_state)

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
        rule = Rule(fault, times, rate, random.Random(seed), action, object_id)
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

    def _process(self, request: Request) -> Answer:
        api = request.api
        action = request.action
        object_id = request.params.get(api.id_param) if api else None
        try:
            answer = self._decide(request, api, object_id)
        except Exception:  # noqa: BLE001 - a bug here must not kill the server
            log.exception("emulator failed to answer a request")
            answer = answers.error("InternalError", api, request.host, status=500)
        record = RecordedRequest(
            request.method, request.path, request.params, request.headers, action,
            object_id, 0 if answer.reset else answer.status,
            "ConnectionReset" if answer.reset else answer.code,
        )
        with self._lock:
            self._records.append(record)
            self._counts[(action, object_id, record.status)] += 1
        return answer

    def _decide(self, request: Request, api: ApiSpec | None, object_id: str | None
                ) -> Answer:
        if request.path != "/":
            return answers.error("InvalidPath", api, request.host)
        keys = gateway.Keys(self.credentials, self.sts_credentials, self._expired_tokens)
        passed = gateway.check(request, keys, self._nonces, self.timestamp_window)
        if isinstance(passed, Answer):
            return passed
        delay = 0.0
        fault = self._pick_fault(request.action, object_id)
        if fault is not None:
            if fault.kind in ("latency", "hang"):
                delay = fault.seconds
            else:
                return self._faulted(fault, request, passed, api, object_id)
        answer = self._read(request, passed, api, object_id)
        answer.delay += delay
        return answer

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

    def _check_id(self, api: ApiSpec, host: str, object_id: str | None, fmt: str
                  ) -> Answer | None:
        if not object_id:
            missing = f"MissingParameter.{api.id_param}"
            if missing in api.error_table:
                return answers.error(missing, api, host, fmt=fmt)
            message = answers.EXTRA_ERRORS["MissingParameter"][1].format(api.id_param)
            return answers.error("MissingParameter", api, host, message=message, fmt=fmt)
        if not servable_id(api, object_id):
            invalid = f"InvalidParameter.{api.id_param}"
            if invalid in api.error_table:
                return answers.error(invalid, api, host, fmt=fmt)
            return answers.error(not_found_code(api), api, host, fmt=fmt)
        return None

    def _read(self, request: Request, passed: Passed, api: ApiSpec | None,
              object_id: str | None) -> Answer:
        host, fmt = request.host, passed.fmt
        if api is None:
            return answers.error("InvalidAction.NotFound", None, host, fmt=fmt)
        if request.version not in api.known_versions:
            return answers.error("InvalidVersion", api, host, fmt=fmt)
        refused = self._check_id(api, host, object_id, fmt)
        if refused is not None:
            return refused
        assert object_id is not None
        store = self._stores[api.action]
        with self._lock:
            stored = store.objects.get(object_id)
            if stored is not None:
                script = self._scripts.get(object_id)
                if script is not None:
                    stored[store.state_key] = script.current()
                    script.reads += 1
                obj = dict(stored)
        if stored is None:
            return answers.error(not_found_code(api), api, host, fmt=fmt)
        if (api is HANDSHAKE and passed.access_key_id in self.invited_access_key_ids
                and obj.get(store.state_key) == INVITED_HIDDEN_STATE):
            return answers.error("HandshakeStatusMismatch", api, host, fmt=fmt)
        return answers.success(api, obj, fmt)

    def _object_for_fault(self, api: ApiSpec, object_id: str | None) -> dict[str, Any]:
        """The object that would be answered (state not advanced), or a seed copy."""
        store = self._stores[api.action]
        with self._lock:
            stored = store.objects.get(object_id) if object_id else None
            if stored is not None:
                obj = dict(stored)
                script = self._scripts.get(object_id or "")
                if script is not None:
                    obj[store.state_key] = script.current()
                return obj
        obj = seed_object(api)
        if object_id:
            obj[api.id_param] = object_id
        return obj

    def _faulted(self, fault: Fault, request: Request, passed: Passed,
                 api: ApiSpec | None, object_id: str | None) -> Answer:
        host, fmt = request.host, passed.fmt
        if fault.kind == "reset":
            return Answer(0, b"", "ConnectionReset", reset=True)
        if fault.kind == "http":
            return answers.error(fault.code or "InternalError", api, host, status=fault.status,
                                 fmt=fmt)
        if fault.kind == "error":
            return answers.error(fault.code or "InternalError", api, host, fmt=fmt)
        if fault.kind == "body":
            return Answer(fault.status, fault.raw, None, content_type=fault.content_type,
                          request_id=answers.request_id())
        if fault.kind == "malformed":
            api = api or HANDSHAKE
            return malformed(fault.variant, api, self._object_for_fault(api, object_id),
                             self._stores[api.action].state_key)
        raise ValueError(f"unknown fault kind {fault.kind!r}")


def serve_forever_cli(argv: list[str] | None = None) -> int:
    """``python -m pulumi_aliread.testing.emulator [--port N] [--data FILE] ...``: parse
    ``argv`` (default: sys.argv[1:]), serve until SIGINT/SIGTERM; return the exit code
    (0, or 2 for bad options or data)."""
    from .cli import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(serve_forever_cli())
