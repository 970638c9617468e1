"""``get_handshake_output`` / ``get_join_permission_auth_order_output``: reads that take
Pulumi ``Input``s and return ``Output[Result]``.

Reads run on the program's own event loop (``client.fetch_async``), at most 32 at once,
so a program that reads 1 000 objects reads them concurrently without threads fighting
the loop for the GIL; a read that goes through an HTTP proxy runs the blocking client on
a thread pool instead. Identical reads (same API, id, settings and
credentials) in one program share one API call; each caller still checks its own
expectation. The shared answers live as long as the program (the Pulumi monitor).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import typing
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pulumi

from . import client, errors, loop_reads, settings
from .apis import APIS, AUTH_ORDER, HANDSHAKE, ApiSpec
from .docstrings import documented
from .functions import check_opts
from .options import NAMES as OPTION_NAMES
from .pulumi_compat import current_monitor, invoke_options_type
from .results import GetHandshakeResult, GetJoinPermissionAuthOrderResult
from .transport import proxy_for
from .validation import (
    is_plain,
    read_options,
    validate_id,
    validate_mismatch_means_accepted,
    validate_plain,
    validate_states,
)

# How many reads run at once in one program.
MAX_CONCURRENT_READS = 32

# The Pulumi config keys a read may consult (snapshotted on the event loop: Pulumi's
# config lives in a context variable that worker threads do not see).
CONFIG_KEYS: tuple[str, ...] = settings.config_keys(APIS.values())

# A read in flight: a task on the program's loop, or a thread pool future.
_Pending = asyncio.Future[Any] | Future[Any]

States = pulumi.Input[str] | Sequence[pulumi.Input[str]] | None
if typing.TYPE_CHECKING:
    Options = pulumi.InvokeOutputOptions | pulumi.InvokeOptions | None
else:  # pulumi 3.139 has no InvokeOutputOptions
    Options = invoke_options_type()


@documented
def get_handshake_output(
    handshake_id: pulumi.Input[str],
    *,
    region: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
    expected_status: States = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    allow_insecure_http: bool | None = None,
    mismatch_means_accepted: bool | None = None,
    opts: Options = None,
) -> pulumi.Output[GetHandshakeResult]:
    """Read a resource-directory invitation (``GetHandshake``) once its inputs are known.

    Any argument may be a ``pulumi.Input``. Identical reads in one program share one API
    call.

    Args:
        handshake_id (pulumi.Input[str]): the invitation id, e.g. ``h-ycm4rp3z8b1xq9vk``.
        {region}
        {rm_endpoint}
        {expected_status}
        {tuning}
        {insecure_http}
        mismatch_means_accepted (pulumi.Input[bool], optional): as for ``get_handshake``,
            for a program run with the invited account's credentials. Default: None (off).
        opts (pulumi.InvokeOutputOptions, optional): ``depends_on`` is honoured (the read
            waits for those resources, and is unknown while one of them is); the other
            options are accepted and unused (the read calls the cloud API directly, not
            through the engine). Default: None.

    Returns:
        pulumi.Output[GetHandshakeResult]: the invitation's fields and ``request_id``.

    Raises:
        {raises}
        TypeError: ``opts`` is not a ``pulumi.InvokeOptions``.
        Errors of the read itself fail the Output (and so the preview or update).
    """
    check_opts("get_handshake_output", opts)
    return read_output(
        HANDSHAKE, _after(opts, handshake_id), expected=expected_status,
        mismatch_means_accepted=mismatch_means_accepted, region=region,
        endpoint=endpoint, connect_timeout=connect_timeout, read_timeout=read_timeout,
        max_attempts=max_attempts, deadline=deadline, backoff_base=backoff_base,
        backoff_cap=backoff_cap, allow_insecure_http=allow_insecure_http,
    )


@documented
def get_join_permission_auth_order_output(
    order_id: pulumi.Input[str],
    *,
    region: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
    api_version: pulumi.Input[str] | None = None,
    expected_state: States = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    allow_insecure_http: bool | None = None,
    opts: Options = None,
) -> pulumi.Output[GetJoinPermissionAuthOrderResult]:
    """Read a LinkWAN join-permission authorization order (``GetJoinPermissionAuthOrder``)
    once its inputs are known.

    Any argument may be a ``pulumi.Input``. Identical reads in one program share one API
    call.

    Args:
        order_id (pulumi.Input[str]): the order id, digits, e.g. ``123``.
        {region}
        {lw_endpoint}
        {api_version}
        {expected_state}
        {tuning}
        {insecure_http}
        opts (pulumi.InvokeOutputOptions, optional): ``depends_on`` is honoured; the other
            options are accepted and unused. Default: None.

    Returns:
        pulumi.Output[GetJoinPermissionAuthOrderResult]: the order's fields and
        ``request_id``.

    Raises:
        {raises}
        TypeError: ``opts`` is not a ``pulumi.InvokeOptions``.
        Errors of the read itself fail the Output (and so the preview or update).
    """
    check_opts("get_join_permission_auth_order_output", opts)
    return read_output(
        AUTH_ORDER, _after(opts, order_id), expected=expected_state, region=region,
        endpoint=endpoint, api_version=api_version, connect_timeout=connect_timeout,
        read_timeout=read_timeout, max_attempts=max_attempts, deadline=deadline,
        backoff_base=backoff_base, backoff_cap=backoff_cap,
        allow_insecure_http=allow_insecure_http,
    )


def _after(opts: Options, object_id: pulumi.Input[str]) -> pulumi.Input[str]:
    """``object_id``, held back until the resources of ``opts.depends_on`` are ready (a
    custom resource's id known, a component's URN): unknown while one is unknown."""
    depends_on = getattr(opts, "depends_on", None)
    if depends_on is None or depends_on == []:
        return object_id

    def gates(resources: Any) -> Any:  # an Output[list]: Any, as Output.apply's U
        items = list(resources) if isinstance(resources, Sequence) else [resources]
        return pulumi.Output.all(*[
            item.id if isinstance(item, pulumi.CustomResource) else item.urn
            for item in items
        ])

    ready = pulumi.Output.from_input(depends_on).apply(gates)
    return pulumi.Output.all(object_id, ready).apply(lambda values: values[0])


def read_output(
    api: ApiSpec, object_id: pulumi.Input[str], *, expected: Any = None,
    mismatch_means_accepted: bool | None = None, **options: Any
) -> pulumi.Output[Any]:
    """Generic ``_output`` read of any API: validate what is known now, read the rest
    when the inputs resolve (never while they are unknown)."""
    accept = validate_mismatch_means_accepted(api, mismatch_means_accepted)
    tuning = {name: options.pop(name) for name in OPTION_NAMES if name in options}
    if all(is_plain(value) for value in tuning.values()):
        # Known now: one ReadOptions (validated now), which also keys the shared reads.
        options["options"] = read_options(**tuning)
    else:
        options.update(tuning)  # built by settings.resolve once the Outputs resolve
    values = {"id": object_id, "expected": expected, **options}
    if all(is_plain(value) for value in values.values()):
        # Everything is known already: validate and start the read now, rather than
        # after Pulumi has resolved a dict of plain inputs (which costs more CPU than the
        # read itself).
        future, expected_states = _start(api, values)
        # One Output over the read (from_input would add two more, each a task that
        # Pulumi re-waits on whenever any output completes).
        invited_id = typing.cast(str, object_id) if accept else None  # plain: a str
        return pulumi.Output(set(), _finish(api, future, expected_states, invited_id),
                             _known())
    validate_plain(api, object_id, expected, options)

    async def read(resolved: dict[str, Any]) -> Any:
        future, expected_states = _start(api, resolved)
        return await _finish(api, future, expected_states,
                             resolved["id"] if accept else None)

    return pulumi.Output.from_input(values).apply(read)


def _start(api: ApiSpec, values: Mapping[str, Any]) -> tuple[_Pending, tuple[str, ...]]:
    """Validate, resolve settings (on the program's thread, where Pulumi config is
    visible) and start, or join, the read."""
    values = dict(values)
    object_id = validate_id(api, values.pop("id"))
    expected = validate_states(api, values.pop("expected"))
    config, credential_sources = _SHARED.program_settings()
    call = _SHARED.call_settings(api, config, values)
    key = (api.name, object_id, call, credential_sources)
    return _SHARED.get(key, lambda: _begin(api, object_id, call, config)), expected


def _begin(api: ApiSpec, object_id: str, call: settings.CallSettings,
           config: Mapping[str, str]) -> _Pending:
    """Start one read: on the program's event loop, or on a thread when a proxy applies
    (the asyncio transport connects directly only)."""
    creds = _SHARED.credentials(config)
    if proxy_for(call.base_url) is None:
        return loop_reads.submit(api, object_id, call, creds, limit=MAX_CONCURRENT_READS)
    return _SHARED.submit(client.fetch, api, object_id, call, creds)


async def _finish(api: ApiSpec, pending: _Pending, expected: tuple[str, ...],
                  invited_id: str | None = None) -> Any:
    """The read's result checked against ``expected``; with ``invited_id`` (the caller
    set mismatch_means_accepted), the invited account's "accepted" answer counts."""
    try:
        if isinstance(pending, Future):
            result = await asyncio.wrap_future(pending)
        else:  # shielded: one caller cancelled must not cancel the read the others share
            result = await asyncio.shield(pending)
    except errors.ConflictError as error:
        accepted = client.invited_view(api, invited_id, error) if invited_id else None
        if accepted is None:
            raise
        result = accepted
    if loop_reads.busy():  # more answers are coming: hand them over together
        await _BATCHES.next()
    client.check_expectation(api, result, expected)
    return result


def _known() -> asyncio.Future[bool]:
    """A resolved is_known (the read's value is always known once it comes back)."""
    known = loop_reads.program_loop().create_future()
    known.set_result(True)
    return known


def _config_snapshot() -> dict[str, str]:
    from pulumi.runtime import get_config

    snapshot = {}
    for key in CONFIG_KEYS:
        value = get_config(key)
        if isinstance(value, str) and value:
            snapshot[key] = value
    return snapshot


def _credential_fingerprint(config: Mapping[str, str]) -> str:
    """A digest of where credentials would come from: identical digests, same keys."""
    digest = hashlib.sha256()
    for key in settings.CREDENTIAL_CONFIG:
        digest.update(f"{key}={config.get(key, '')}\0".encode())
    for name in settings.credential_env_names():
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    return digest.hexdigest()


class _SharedReads:
    """Process-wide: one API call per key while in flight, and its answer for the rest
    of the program (keyed by the Pulumi monitor, which is new for every program run)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a done callback may run inside get()
        self._owner: object = None
        self._futures: dict[Any, _Pending] = {}
        self._settings: tuple[dict[str, str], str] | None = None
        self._credentials: settings.Credentials | None = None
        self._calls: dict[Any, settings.CallSettings] = {}
        self._executor: ThreadPoolExecutor | None = None

    def _follow_program(self) -> None:
        """Start afresh when a new program (a new Pulumi monitor) runs. Hold the lock."""
        owner = current_monitor()
        if owner is not self._owner:
            self._owner, self._futures, self._calls = owner, {}, {}
            self._settings, self._credentials = None, None

    def program_settings(self) -> tuple[dict[str, str], str]:
        """The program's Pulumi config snapshot and credential fingerprint, taken once:
        neither changes while a program runs."""
        with self._lock:
            self._follow_program()
            if self._settings is None:
                config = _config_snapshot()
                self._settings = (config, _credential_fingerprint(config))
            return self._settings

    def call_settings(self, api: ApiSpec, config: Mapping[str, str],
                      options: Mapping[str, Any]) -> settings.CallSettings:
        """``settings.resolve`` of ``options``, once per program for identical options
        (config and environment do not change while a program runs)."""
        key: tuple[str, tuple[tuple[str, Any], ...]] | None = (
            api.name, tuple(options.items())
        )
        try:
            with self._lock:
                self._follow_program()
                call = self._calls.get(key)
        except TypeError:  # an unhashable option: resolve refuses it below
            call, key = None, None
        if call is None:
            call = settings.resolve(api, config=config, **options)
            if key is not None:
                with self._lock:
                    self._calls[key] = call
        return call

    def credentials(self, config: Mapping[str, str]) -> settings.Credentials:
        """The program's credentials: keys from config or the environment are resolved
        once; the default chain is asked every time (it renews STS credentials)."""
        with self._lock:
            self._follow_program()
            if self._credentials is not None:
                return self._credentials
        creds = settings.resolve_credentials(config)
        if not creds.renewable:
            with self._lock:
                self._credentials = creds
        return creds

    def get(self, key: Any, begin: Callable[[], _Pending]) -> _Pending:
        """The read of ``key`` in flight or done in this program, else ``begin()``'s."""
        with self._lock:
            self._follow_program()
            pending = self._futures.get(key)
            if pending is None:
                pending = self._futures[key] = begin()
                pending.add_done_callback(lambda done: self._forget_failure(key, done))
            return pending

    def submit(self, read: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run a blocking read on the shared thread pool."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    MAX_CONCURRENT_READS, thread_name_prefix="aliread-read"
                )
            return self._executor.submit(read, *args)

    def _forget_failure(self, key: Any, done: _Pending) -> None:
        if done.cancelled() or done.exception() is not None:  # a later read may try again
            with self._lock:
                if self._futures.get(key) is done:
                    del self._futures[key]

    def clear(self) -> None:
        with self._lock:
            self._futures, self._calls = {}, {}
            self._settings, self._credentials = None, None


class _Batches:
    """Hands finished reads to Pulumi in batches, one every ``SECONDS`` at most: Pulumi
    re-waits on every pending output each time one completes (O(n) work per wake-up),
    so outputs completing one loop turn apart cost far more loop time than the reads.
    Reads themselves are not held back: only the delivery of their results is."""

    SECONDS = 0.005

    def __init__(self) -> None:
        self._next: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                              asyncio.Future[None]] = weakref.WeakKeyDictionary()

    def next(self) -> asyncio.Future[None]:
        """A future the running loop resolves at the next batch boundary."""
        loop = asyncio.get_running_loop()
        tick = self._next.get(loop)
        if tick is None or tick.done():
            tick = self._next[loop] = loop.create_future()
            loop.call_later(self.SECONDS, _resolve, tick)
        return tick


def _resolve(tick: asyncio.Future[None]) -> None:
    if not tick.done():
        tick.set_result(None)


_BATCHES = _Batches()


_SHARED = _SharedReads()


def forget_shared_reads() -> None:
    """Forget the answers shared by identical reads: the next read of each object asks
    the API again. A new program (Pulumi monitor) starts afresh by itself; test harnesses
    that run several programs on one monitor call this between them."""
    _SHARED.clear()

__all__ = [
    "forget_shared_reads",
    "get_handshake_output",
    "get_join_permission_auth_order_output",
    "read_output",
]
