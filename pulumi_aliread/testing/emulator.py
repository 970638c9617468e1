"""An embedded fake of ResourceManager ``GetHandshake``,
``ListHandshakesForResourceDirectory`` and ``ListHandshakesForAccount`` (``lists``), and
LinkWAN ``GetJoinPermissionAuthOrder``, served over real HTTP on loopback.

It checks requests the way Alibaba Cloud's API gateway does (``gateway``: common
parameters or ACS3 headers, timestamp, AccessKey, RPC v1 or ACS3-HMAC-SHA256 signature,
STS token, nonce replay), then the action, version and id parameter; answers the seeds'
objects in JSON or XML (``Format``); serves the invited account's view (an Accepted
invitation read with the invited account's keys answers HTTP 409
``HandshakeStatusMismatch``; ListHandshakesForAccount lists the invitations sent to the
caller's account, ``accounts``); pages the lists; records every request (and, given
``request_log``, writes one line per request); and lets tests inject faults
(``faults``), script state changes and shift a list between two pages.  Standard library
only.

    with Emulator() as emu:
        emu.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"])
        emu.inject(Fault.http(503), times=2)
        emu.add_handshakes(1000, status=["Pending", "Accepted"])
        emu.between_pages(after_page=1, remove=[SEED_HANDSHAKE_ID])
        ...  # point a client at emu.url with DEFAULT_ACCESS_KEY_ID/SECRET

Command line: ``aliread emulator`` or ``python -m pulumi_aliread.testing.emulator``
(``cli``). The parts live in modules of one job each: ``fixtures`` (test keys, seeds,
``--data``), ``faults``, ``gateway``, ``signature``, ``answers`` (JSON/XML bodies), ``lists``,
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
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.apis import AUTH_ORDER, BY_ACTION, HANDSHAKE, ApiSpec
from . import answers, gateway, lists
from .answers import Answer
from .faults import MALFORMED_KINDS, Fault, Rule
from .fixtures import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    INVITED_ACCOUNT_ID,
    MANAGEMENT_ACCOUNT_ID,
    SEED_DATA_PATH,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Script,
    Store,
    check_data,
    load_data,
    not_found_code,
    seed_object,
    servable_id,
    wire_state_key,
)
from .gateway import REQUIRED_PARAMS, Passed, Request
from .lists import ListSpec, Paging
from .malformed import malformed

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "INVITED_ACCESS_KEY_ID",
    "INVITED_ACCESS_KEY_SECRET",
    "INVITED_ACCOUNT_ID",
    "MALFORMED_KINDS",
    "MANAGEMENT_ACCOUNT_ID",
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
    "Shift",
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
    ``"ConnectionReset"`` when a reset fault answered it. ``page``: a list action's
    PageNumber (1 when absent; None for other actions or a PageNumber that is not
    one); ``access_key_id``: the AccessKeyId the request named (checked or not).
    """

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    action: str | None
    object_id: str | None
    status: int
    code: str | None
    page: int | None = None
    access_key_id: str | None = None


@dataclass
class Shift:
    """A change to the invitations, made once, right after a list action answered page
    ``after_page`` (``Emulator.between_pages``); ``fired`` tells whether it happened."""

    after_page: int
    action: str | None
    add: list[dict[str, Any]]
    remove: list[str]
    fired: bool = field(default=False)


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

    ``accounts`` maps AccessKeyId -> the id of the account it belongs to, for
    ListHandshakesForAccount (which lists the invitations whose ``TargetEntity`` is the
    caller's account). Default: ``INVITED_ACCOUNT_ID`` (the seed invitation's
    TargetEntity) for the invited account's keys, ``MANAGEMENT_ACCOUNT_ID`` for every
    other key; then the data's ``"accounts"``, then this argument, override it
    (ValueError for a key the emulator does not accept). Settable at runtime
    (``emu.accounts[key_id] = ...``).

    ``request_log``: called with one line (no newline) per request answered: the time,
    the action, the id or page, the AccessKeyId and the verdict (``200 ok``, ``404
    EntityNotExists.Handshake``, ``reset``...); never a secret, token or signature.
    Default None: no log. It runs on the serving thread: keep it quick.
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
        accounts: Mapping[str, str] | None = None,
        request_log: Callable[[str], object] | None = None,
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
        from .fixtures import check_latency, check_port

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
        self._counts: collections.Counter[
            tuple[str | None, str | None, int | None, int]
        ] = collections.Counter()
        self._nonces = gateway.NonceBook()
        self._expired_tokens: set[str] = set()
        self._rules: list[Rule] = []
        self._scripts: dict[str, Script] = {}
        self._serial = 0
        self._shifts: list[Shift] = []
        self.request_log = request_log
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
        self.accounts: dict[str, str] = {
            key_id: INVITED_ACCOUNT_ID if key_id in invited else MANAGEMENT_ACCOUNT_ID
            for key_id in (*self.credentials, *self.sts_credentials)
        }
        given = dict(loaded.get("accounts") or {})
        if accounts is not None:
            check_data({"accounts": dict(accounts)})
            given.update(accounts)
        for key_id in given:
            if key_id not in self.accounts:
                raise ValueError(
                    f"accounts: {key_id!r} is not an AccessKeyId of this emulator (it "
                    f"accepts {', '.join(self.accounts)})"
                )
        self.accounts.update(given)

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

    def add_handshakes(
        self, n: int, prefix: str = "emu", *,
        status: str | Sequence[str] | None = None,
        target_entity: str | Sequence[str] | None = None,
    ) -> list[str]:
        """Add ``n`` copies of the seed handshake with distinct valid ids
        (``h-`` + 16 letters/digits, starting with ``prefix``), after the ones there are;
        returns the ids, in the order they are listed.

        ``status``: one status, or a sequence the copies take in turn (the i-th gets
        ``status[i % len(status)]``); default: the seed's. ``target_entity`` likewise
        (an account id or a login email; ``TargetType`` follows: ``Email`` when it holds
        an ``@``, else ``Account``); default: the seed's. ValueError for an unknown
        status or an empty target."""
        if not prefix.isascii() or not prefix.isalnum() or len(prefix) > 8:
            raise ValueError("prefix must be 1-8 ASCII letters or digits")
        if n < 0:
            raise ValueError("n must be >= 0")
        statuses = _cycle("status", status)
        unknown = [value for value in statuses if value not in HANDSHAKE.states]
        if unknown:
            raise ValueError(f"status {unknown[0]!r} is not one of "
                             f"{', '.join(HANDSHAKE.states)}")
        targets = _cycle("target_entity", target_entity)
        width = 16 - len(prefix)
        base = seed_object(HANDSHAKE)
        # One template per (status, target) pair, built once: 1 000 copies cost a dict
        # copy each.
        templates = [
            {**base,
             **({"Status": statuses[i % len(statuses)]} if statuses else {}),
             **({"TargetEntity": targets[i % len(targets)],
                 "TargetType": "Email" if "@" in targets[i % len(targets)] else "Account"}
                if targets else {})}
            for i in range(max(len(statuses), 1) * max(len(targets), 1))
        ]
        store = self._stores[HANDSHAKE.action].objects
        ids: list[str] = []
        with self._lock:
            start, self._serial = self._serial, self._serial + n
            for i, serial in enumerate(range(start, start + n)):
                object_id = f"h-{prefix}{serial:0{width}d}"
                store[object_id] = {**templates[i % len(templates)], "HandshakeId": object_id}
                ids.append(object_id)
        return ids

    def between_pages(
        self, after_page: int = 1, *,
        add: Iterable[Mapping[str, Any]] = (),
        remove: Iterable[str] = (),
        action: str | None = None,
    ) -> Shift:
        """Once a list action (``action``, default either) has answered page
        ``after_page`` successfully, remove the invitations ``remove`` and add ``add``
        (objects as GetHandshake answers them, appended to the list), before the next
        request is served: the client's next page sees the shifted list.

        Each call makes one change, made once; when several wait for the same page, each
        answer of that page makes the first one still waiting (so four calls with
        ``after_page=1`` shift four successive listings). Returns the ``Shift``; its
        ``fired`` says whether it happened. ValueError for an object that is not a valid
        invitation, an ``action`` that is not a list action or a page below 1;
        KeyError for an id to remove that is not there now."""
        if isinstance(after_page, bool) or not isinstance(after_page, int) or after_page < 1:
            raise ValueError("after_page must be an integer >= 1")
        if action is not None and action not in lists.LISTS:
            raise ValueError(f"action {action!r} is not one of {', '.join(lists.LISTS)}")
        added = [dict(obj) for obj in add]
        check_data({"handshakes": added})  # ValueError naming the field
        removed = [remove] if isinstance(remove, str) else list(remove)
        store = self._stores[HANDSHAKE.action].objects
        with self._lock:
            missing = [object_id for object_id in removed if object_id not in store]
            if missing:
                raise KeyError(f"no handshake with id {missing[0]!r} to remove")
            shift = Shift(after_page, action, added, removed)
            self._shifts.append(shift)
        return shift

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
        page: int | None = None,
    ) -> None:
        """Apply ``fault`` to requests that pass the signature/auth checks and match
        ``action``/``object_id``/``page`` (a list action's PageNumber, 1 when absent):
        the next ``times`` ones, or each with probability ``rate`` (both: at most
        ``times`` by chance), or (neither) all of them. The first matching rule injected
        wins. E.g. page 2 of a listing throttled once:
        ``inject(Fault.throttle(), times=1, action="ListHandshakesForResourceDirectory",
        page=2)``."""
        if not isinstance(fault, Fault):
            raise TypeError("inject() takes a Fault")
        if times is not None and times < 0:
            raise ValueError("times must be >= 0")
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if times == 0:
            return
        if page is not None and (isinstance(page, bool) or not isinstance(page, int)
                                 or page < 1):
            raise ValueError("page must be an integer >= 1")
        rule = Rule(fault, times, rate, random.Random(seed), action, object_id, page)
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
        status: int | None = None, page: int | None = None,
    ) -> int:
        """How many requests reached the emulator (since ``clear()``), filtered
        (``page``: a list action's PageNumber)."""
        with self._lock:
            items = list(self._counts.items())
        return sum(
            n for (a, o, p, s), n in items
            if (action is None or a == action)
            and (object_id is None or o == object_id)
            and (page is None or p == page)
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
        page = lists.requested_page(request.params) if request.listing else None
        try:
            answer = self._decide(request, api, object_id, page)
        except Exception:  # noqa: BLE001 - a bug here must not kill the server
            log.exception("emulator failed to answer a request")
            answer = answers.error("InternalError", request.error_source, request.host,
                                   status=500)
        record = RecordedRequest(
            request.method, request.path, request.params, request.headers, action,
            object_id, 0 if answer.reset else answer.status,
            "ConnectionReset" if answer.reset else answer.code,
            page, request.access_key_id(),
        )
        with self._lock:
            self._records.append(record)
            self._counts[(action, object_id, page, record.status)] += 1
        writer = self.request_log
        if writer is not None:
            try:
                writer(request_line(record))
            except Exception:  # noqa: BLE001 - a failing log must not fail the answer
                log.debug("emulator request log failed", exc_info=True)
        return answer

    def _decide(self, request: Request, api: ApiSpec | None, object_id: str | None,
                page: int | None) -> Answer:
        if request.path != "/":
            return answers.error("InvalidPath", request.error_source, request.host)
        keys = gateway.Keys(self.credentials, self.sts_credentials, self._expired_tokens)
        passed = gateway.check(request, keys, self._nonces, self.timestamp_window)
        if isinstance(passed, Answer):
            return passed
        delay = 0.0
        fault = self._pick_fault(request.action, object_id, page)
        if fault is not None:
            if fault.kind in ("latency", "hang"):
                delay = fault.seconds
            else:
                return self._faulted(fault, request, passed, api, object_id)
        if request.listing is not None:
            answer = self._list(request, passed, request.listing)
        else:
            answer = self._read(request, passed, api, object_id)
        answer.delay += delay
        return answer

    def _pick_fault(self, action: str | None, object_id: str | None, page: int | None
                    ) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if not rule.matches(action, object_id, page):
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

    def _rows(self, spec: ListSpec, access_key_id: str) -> list[dict[str, Any]]:
        """Every row ``spec`` lists for this caller, in the data's order (scripted
        objects show their current state; listing does not advance a script).
        Called with the lock held."""
        store = self._stores[HANDSHAKE.action]
        account = self.accounts.get(access_key_id) if spec.view == "account" else None
        rows: list[dict[str, Any]] = []
        for object_id, obj in store.objects.items():
            if spec.view == "account" and obj.get("TargetEntity") != account:
                continue
            shown = lists.row(obj)
            script = self._scripts.get(object_id)
            if script is not None:
                shown[store.state_key] = script.current()
            rows.append(shown)
        return rows

    def _list(self, request: Request, passed: Passed, spec: ListSpec) -> Answer:
        host, fmt = request.host, passed.fmt
        if request.version not in spec.known_versions:
            return answers.error("InvalidVersion", spec, host, fmt=fmt)
        page = lists.paging(request.params)
        if not isinstance(page, Paging):
            code, message = page
            return answers.error(code, spec, host, message=message, fmt=fmt)
        with self._lock:
            rows = self._rows(spec, passed.access_key_id)
            self._shift_after(spec, page.number)
        start = (page.number - 1) * page.size
        rid = answers.request_id()
        env = lists.body(spec, rows[start:start + page.size], len(rows), page, rid)
        return answers.success_body(f"{spec.action}Response", env, rid, fmt)

    def _shift_after(self, spec: ListSpec, number: int) -> None:
        """Make the first waiting shift for this page (called with the lock held)."""
        for shift in self._shifts:
            if shift.after_page == number and shift.action in (None, spec.action):
                objects = self._stores[HANDSHAKE.action].objects
                for object_id in shift.remove:
                    objects.pop(object_id, None)
                    self._scripts.pop(object_id, None)
                for obj in shift.add:
                    objects[obj["HandshakeId"]] = dict(obj)
                shift.fired = True
                self._shifts.remove(shift)
                return

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
        source = request.error_source
        if fault.kind == "http":
            return answers.error(fault.code or "InternalError", source, host,
                                 status=fault.status, fmt=fmt)
        if fault.kind == "error":
            return answers.error(fault.code or "InternalError", source, host, fmt=fmt)
        if fault.kind == "body":
            return Answer(fault.status, fault.raw, None, content_type=fault.content_type,
                          request_id=answers.request_id())
        if fault.kind == "malformed" and request.listing is not None:
            return self._malformed_page(fault, request, passed, request.listing)
        if fault.kind == "malformed":
            api = api or HANDSHAKE
            return malformed(fault.variant, api, self._object_for_fault(api, object_id),
                             self._stores[api.action].state_key)
        raise ValueError(f"unknown fault kind {fault.kind!r}")


    def _malformed_page(self, fault: Fault, request: Request, passed: Passed,
                        spec: ListSpec) -> Answer:
        """The page that would have been answered, spoiled (first row: "the object")."""
        page = lists.paging(request.params)
        if not isinstance(page, Paging):
            page = Paging(lists.PAGE_NUMBER_DEFAULT, lists.PAGE_SIZE_DEFAULT)
        with self._lock:
            rows = self._rows(spec, passed.access_key_id)
        start = (page.number - 1) * page.size
        env = lists.body(spec, rows[start:start + page.size], len(rows), page,
                         answers.request_id())
        shown = env[spec.list_key][spec.row_key]
        first = shown[0] if shown else {}
        return malformed(fault.variant, HANDSHAKE, first,
                         self._stores[HANDSHAKE.action].state_key, env=env,
                         response_key=spec.list_key)


def _cycle(name: str, value: str | Sequence[str] | None) -> list[str]:
    """``add_handshakes``' per-copy values: [] (keep the seed's), or the values to cycle."""
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    if not values or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{name} must be a non-empty string or a non-empty sequence of them")
    return values


def _shown(value: str | None) -> str:
    """A request's value as the log shows it: printable ASCII without spaces as it is,
    anything else quoted (a log line stays one line), at most 64 characters."""
    if value is None or value == "":
        return "-"
    text = value if len(value) <= 64 else value[:64] + "..."
    if text.isascii() and text.isprintable() and " " not in text and '"' not in text:
        return text
    return repr(text)


def request_line(record: RecordedRequest) -> str:
    """The request log's line for ``record``: UTC time, action, the id (``HandshakeId=``,
    ``OrderId=``) or page (``PageNumber=``, ``PageSize=``), ``AccessKeyId=``, then the
    verdict (``200 ok``, ``404 EntityNotExists.Handshake``, ``reset``). Only those
    values: never a secret, token, signature or other parameter."""
    parts = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), _shown(record.action)]
    spec = BY_ACTION.get(record.action or "")
    if spec is not None:
        parts.append(f"{spec.id_param}={_shown(record.params.get(spec.id_param))}")
    elif record.action in lists.LISTS:
        for name in ("PageNumber", "PageSize"):
            if name in record.params:
                parts.append(f"{name}={_shown(record.params[name])}")
    parts.append(f"AccessKeyId={_shown(record.access_key_id)}")
    if record.status == 0:
        parts.append("reset")
    else:
        parts.append(f"{record.status} {record.code or 'ok'}")
    return " ".join(parts)


def serve_forever_cli(argv: list[str] | None = None) -> int:
    """``python -m pulumi_aliread.testing.emulator [--port N] [--data FILE] ...``: parse
    ``argv`` (default: sys.argv[1:]), serve until SIGINT/SIGTERM; return the exit code
    (0, or 2 for bad options or data)."""
    from .cli import main

    return main(argv, Emulator)


if __name__ == "__main__":
    sys.exit(serve_forever_cli())
