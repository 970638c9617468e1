"""``get_handshake_output`` / ``get_join_permission_auth_order_output``: reads that take
Pulumi ``Input``s and return ``Output[Result]``.

The blocking read runs on a thread pool, off Pulumi's event loop, so a program that reads
200 objects reads them concurrently. Identical reads (same API, id, settings and
credentials) in one program share one API call; each caller still checks its own
expectation. The shared answers live as long as the program (the Pulumi monitor).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pulumi

from . import client, settings
from .apis import APIS, AUTH_ORDER, HANDSHAKE, ApiSpec
from .functions import check_opts
from .provider import is_plain, validate_plain
from .results import GetHandshakeResult, GetJoinPermissionAuthOrderResult

# How many reads run at once in one program.
MAX_CONCURRENT_READS = 32

# The Pulumi config keys a read may consult (snapshotted on the event loop: Pulumi's
# config lives in a context variable that worker threads do not see).
CONFIG_KEYS: tuple[str, ...] = settings.config_keys(APIS.values())

_TIMEOUT_KEYS = (
    "connect_timeout", "read_timeout", "max_attempts", "deadline", "backoff_base", "backoff_cap",
)

States = pulumi.Input[str] | Sequence[pulumi.Input[str]] | None
Options = pulumi.InvokeOutputOptions | pulumi.InvokeOptions | None


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
    opts: Options = None,
) -> pulumi.Output[GetHandshakeResult]:
    """Read a resource-directory invitation once its inputs are known.

    Fails (and so fails the preview) with ``ExpectationNotMetError`` when the live status
    is not among ``expected_status``. ``opts``: ``depends_on`` (of
    ``pulumi.InvokeOutputOptions``) is honoured, the read waits for those resources and
    is unknown while one of them is; the other options are accepted for compatibility
    and unused (the read calls the cloud API directly, not through the engine).
    """
    check_opts("get_handshake_output", opts)
    return read_output(
        HANDSHAKE, _after(opts, handshake_id), expected=expected_status, region=region,
        endpoint=endpoint, connect_timeout=connect_timeout, read_timeout=read_timeout,
        max_attempts=max_attempts, deadline=deadline, backoff_base=backoff_base,
        backoff_cap=backoff_cap,
    )


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
    opts: Options = None,
) -> pulumi.Output[GetJoinPermissionAuthOrderResult]:
    """Read a LinkWAN join-permission authorization order once its inputs are known.

    Fails with ``ExpectationNotMetError`` when the live state is not among
    ``expected_state``. ``opts``: as for ``get_handshake_output``.
    """
    check_opts("get_join_permission_auth_order_output", opts)
    return read_output(
        AUTH_ORDER, _after(opts, order_id), expected=expected_state, region=region,
        endpoint=endpoint, api_version=api_version, connect_timeout=connect_timeout,
        read_timeout=read_timeout, max_attempts=max_attempts, deadline=deadline,
        backoff_base=backoff_base, backoff_cap=backoff_cap,
    )


def _after(opts: Options, object_id: pulumi.Input[str]) -> pulumi.Input[str]:
    """``object_id``, held back until the resources of ``opts.depends_on`` are ready (a
    custom resource's id known, a component's URN): unknown while one is unknown."""
    depends_on = getattr(opts, "depends_on", None)
    if depends_on is None or depends_on == []:
        return object_id

    def gates(resources: Any) -> pulumi.Output[list[Any]]:
        items = list(resources) if isinstance(resources, Sequence) else [resources]
        return pulumi.Output.all(*[
            item.id if isinstance(item, pulumi.CustomResource) else item.urn
            for item in items
        ])

    ready = pulumi.Output.from_input(depends_on).apply(gates)
    return pulumi.Output.all(object_id, ready).apply(lambda values: values[0])


def read_output(
    api: ApiSpec, object_id: pulumi.Input[str], *, expected: Any = None, **options: Any
) -> pulumi.Output[Any]:
    """Generic ``_output`` read of any API: validate what is known now, read the rest
    when the inputs resolve (never while they are unknown)."""
    values = {"id": object_id, "expected": expected, **options}
    if all(is_plain(value) for value in values.values()):
        # Everything is known already: validate and start the read now, rather than
        # after Pulumi has resolved a dict of plain inputs (which costs more CPU than the
        # read itself).
        future, expected_states = _start(api, values)
        return pulumi.Output.from_input(_finish(api, future, expected_states))
    validate_plain(api, object_id, expected, options)
    timeouts = {key: value for key, value in options.items() if key in _TIMEOUT_KEYS}
    settings.resolve(api, config={}, env={}, **timeouts)  # bad timeouts: refused now

    async def read(resolved: dict[str, Any]) -> Any:
        future, expected_states = _start(api, resolved)
        return await _finish(api, future, expected_states)

    return pulumi.Output.from_input(values).apply(read)


def _start(api: ApiSpec, values: Mapping[str, Any]) -> tuple[Future[Any], tuple[str, ...]]:
    """Validate, resolve settings (on the program's thread, where Pulumi config is
    visible) and start, or join, the read."""
    values = dict(values)
    object_id = api.validate_id(values.pop("id"))
    expected = api.validate_states(values.pop("expected"))
    config, credential_sources = _SHARED.program_settings()
    call = settings.resolve(api, config=config, **values)
    key = (api.name, object_id, call, credential_sources)
    future = _SHARED.get(key, lambda: client.fetch(
        api, object_id, call, settings.resolve_credentials(config)
    ))
    return future, expected


async def _finish(api: ApiSpec, future: Future[Any], expected: tuple[str, ...]) -> Any:
    result = await _DELIVERY.watch(future)
    client.check_expectation(api, result, expected)
    return result


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
        self._futures: dict[Any, Future[Any]] = {}
        self._settings: tuple[dict[str, str], str] | None = None
        self._executor: ThreadPoolExecutor | None = None

    def _follow_program(self) -> None:
        """Start afresh when a new program (a new Pulumi monitor) runs. Hold the lock."""
        owner = _current_monitor()
        if owner is not self._owner:
            self._owner, self._futures, self._settings = owner, {}, None

    def program_settings(self) -> tuple[dict[str, str], str]:
        """The program's Pulumi config snapshot and credential fingerprint, taken once:
        neither changes while a program runs."""
        with self._lock:
            self._follow_program()
            if self._settings is None:
                config = _config_snapshot()
                self._settings = (config, _credential_fingerprint(config))
            return self._settings

    def get(self, key: Any, read: Callable[[], Any]) -> Future[Any]:
        with self._lock:
            self._follow_program()
            future = self._futures.get(key)
            if future is None:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        MAX_CONCURRENT_READS, thread_name_prefix="aliread-read"
                    )
                future = self._executor.submit(read)
                self._futures[key] = future
                future.add_done_callback(lambda done: self._forget_failure(key, done))
            return future

    def _forget_failure(self, key: Any, done: Future[Any]) -> None:
        if done.exception() is not None:  # a later identical read may try again
            with self._lock:
                if self._futures.get(key) is done:
                    del self._futures[key]

    def clear(self) -> None:
        with self._lock:
            self._futures, self._settings = {}, None


class _BatchedDelivery:
    """Hands finished reads to the event loop in batches, at most one hand-off every
    ``BATCH_SECONDS``: Pulumi re-waits on every pending output each time one completes,
    so reads trickling in one by one from worker threads cost O(n) loop work each."""

    BATCH_SECONDS = 0.002

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Future[Any]]] = []
        self._armed: set[asyncio.AbstractEventLoop] = set()

    def watch(self, future: Future[Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Any] = loop.create_future()
        future.add_done_callback(lambda done: self._finished(loop, waiter, done))
        return waiter

    def _finished(self, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[Any],
                  done: Future[Any]) -> None:
        with self._lock:
            self._ready.append((loop, waiter, done))
            if loop in self._armed:
                return
            self._armed.add(loop)
        loop.call_soon_threadsafe(loop.call_later, self.BATCH_SECONDS, self._flush, loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            batch = [item for item in self._ready if item[0] is loop]
            self._ready = [item for item in self._ready if item[0] is not loop]
            self._armed.discard(loop)
        for _, waiter, done in batch:
            if waiter.cancelled():
                continue
            error = done.exception()
            if error is not None:
                waiter.set_exception(error)
            else:
                waiter.set_result(done.result())


_DELIVERY = _BatchedDelivery()


def _current_monitor() -> object:
    from pulumi.runtime.settings import SETTINGS

    return getattr(SETTINGS, "monitor", None)


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
