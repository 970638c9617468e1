"""``Client``: one set of connections, credentials, shared reads and counters.

Every read goes through a ``Client``. It owns what reads share: the connection pools of
both transports (``transport.Transport`` per endpoint, proxy and CA bundle;
``async_transport.AsyncTransport`` per event loop), the credential chain and its cached
providers, the answers identical reads of one Pulumi program share, the read queue of
each event loop, and the retry counters. The module functions (``read``, ``fetch``,
``fetch_async``) use a default client, created on first use; a Pulumi program's reads
(``get_*_output``) use one client per program (``program_client``). Tests and
applications that want their own make one: ``with Client() as client: ...``.

A read is validated before any I/O (``validation``), its settings resolved
(``settings.resolve``), then sent and retried by ``attempts``.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .. import errors
from .apis import ApiSpec
from .attempts import RetryMetrics, attempt, attempt_async
from .options import ReadOptions
from .settings import CallSettings, ConfigLookup, Credentials, resolve, resolve_credentials
from .spec import Operation
from .validation import validate_id, validate_mismatch_means_accepted, validate_states
from .watchdog import Watchdog

if TYPE_CHECKING:
    import asyncio

    from .credential_chain import Chain
    from .loop_reads import LoopState
    from .shared_reads import SharedReads
    from .transport import Transport

#: ``Client``'s default ``max_concurrent_reads``.
MAX_CONCURRENT_READS = 32

__all__ = ["Client", "RetryMetrics", "check_expectation", "default_client", "fetch",
           "fetch_async", "invited_view", "program_client", "read"]


class Client:
    """Reads with their own connections, credential cache, shared reads and counters.

    Usable as a context manager: leaving it (or ``close()``) closes its connections.
    Thread-safe; one client may serve any number of threads and event loops.

    Args:
        proxy (str | None): an HTTP proxy URL (``http://[user:password@]host:port``)
            for every request of this client, loopback endpoints included; default None:
            the environment's (``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY``), never
            for loopback hosts. Its password never appears in messages or logs.
        max_concurrent_reads (int): how many ``get_*_output`` reads of one event loop
            are in flight at once (default 32); more wait in a queue.

    Attributes:
        metrics (RetryMetrics): requests sent, retries, seconds of backoff, by this
            client's reads.

    Raises:
        InvalidInputError: ``proxy`` is not an http(s) URL, or ``max_concurrent_reads``
            is not a whole number >= 1.
    """

    def __init__(self, *, proxy: str | None = None,
                 max_concurrent_reads: int = MAX_CONCURRENT_READS) -> None:
        if isinstance(max_concurrent_reads, bool) or not isinstance(max_concurrent_reads, int) \
                or max_concurrent_reads < 1:
            raise errors.InvalidInputError(
                f"max_concurrent_reads must be a whole number >= 1, got "
                f"{max_concurrent_reads!r}."
            )
        if proxy is not None:
            from .transport import parse_proxy

            if not isinstance(proxy, str):
                raise errors.InvalidInputError(
                    f"proxy must be a URL string such as 'http://proxy.example.com:3128' "
                    f"or None, got {type(proxy).__name__}."
                )
            parse_proxy(proxy)  # refused now, before any read
        self._proxy = proxy
        self.metrics = RetryMetrics()
        self.max_concurrent_reads = max_concurrent_reads
        self._lock = threading.Lock()
        self._closed = False
        self._watchdog = Watchdog()
        self._transports: dict[tuple[str, str | None, str | None], Transport] = {}
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopState] = (
            weakref.WeakKeyDictionary()
        )
        self._chain: Chain | None = None
        self._shared: SharedReads | None = None

    # -- reads -------------------------------------------------------------------------

    def read(
        self,
        api: ApiSpec,
        object_id: object,
        *,
        expected: object = None,
        config: ConfigLookup | None = None,
        mismatch_means_accepted: bool | None = None,
        options: ReadOptions | None = None,
        **keywords: Any,
    ) -> Any:
        """Read one object of ``api`` now; validate everything before the first request.

        Args:
            api (ApiSpec | str): ``apis.HANDSHAKE`` or ``apis.AUTH_ORDER``, or the
                action's name (``"GetHandshake"``, ``"GetJoinPermissionAuthOrder"``).
            object_id (str): the object's id (checked as ``api`` specifies).
            expected (str | Sequence[str] | None): the states the object must be in;
                None: any. Default None.
            config (ConfigLookup | None): Pulumi config (``.get("ns:key")``) consulted
                for settings and credentials; None: environment and default chain only.
            mismatch_means_accepted (bool | None): see ``invited_view``. Default None.
            options (ReadOptions | None): timeouts and retry knobs; default
                ``ReadOptions()``.
            **keywords: those of ``settings.resolve``: ``region``, ``endpoint``,
                ``api_version``, ``allow_insecure_http``, and (overriding ``options``'
                fields) ``connect_timeout=``...

        Returns:
            The result object of ``api`` (``api.result_type``).

        Raises:
            InvalidInputError: a bad id, state, option or setting (no request sent).
            NoCredentialsError: no source of credentials has any.
            AlireadError: the subclass the API's answer or the network failure stands
                for (``attempts`` and ``stop_reason`` say how the read ended).
            ExpectationNotMetError: read, but not in an ``expected`` state.
        """
        api = _api_of(api)
        if options is not None and not isinstance(options, ReadOptions):
            raise errors.InvalidInputError(
                f"options must be a pulumi_aliread.ReadOptions or None, got "
                f"{type(options).__name__}: build one with ReadOptions(deadline=...), or "
                "pass the timeouts as keywords (deadline=...)."
            )
        if config is not None and not callable(getattr(config, "get", None)):
            raise errors.InvalidInputError(
                f"config must be a mapping of namespaced Pulumi config keys "
                f"('alicloud:region': ...) or None, got {type(config).__name__}."
            )
        object_id = validate_id(api, object_id)
        expected_states = validate_states(api, expected)
        accept_mismatch = validate_mismatch_means_accepted(api, mismatch_means_accepted)
        settings = resolve(api, config=config, options=options, **keywords)
        try:
            creds = self.credentials(config, deadline=settings.options.deadline)
            result = self.fetch(api, object_id, settings, creds)
        except errors.ConflictError as error:
            result = invited_view(api, object_id, error) if accept_mismatch else None
            if result is None:
                raise
        check_expectation(api, result, expected_states)
        return result

    def fetch(self, api: ApiSpec, object_id: str, settings: CallSettings,
              creds: Credentials) -> Any:
        """Send the signed request of a validated read, retrying transient failures.

        Returns the result object; raises the read's ``AlireadError``, built once the
        read stopped, with no traceback of the attempts (an error a caller keeps costs
        no frames).
        """
        return self.request(api, {api.id_param: object_id}, settings, creds)

    def request(self, api: Operation, params: Mapping[str, str], settings: CallSettings,
                creds: Credentials, *, deadline_at: float | None = None) -> Any:
        """One signed request of ``api`` with its own query ``params`` (the common ones
        are added by the signer), retried per the policy, within
        ``settings.options.deadline`` and ``deadline_at`` (``time.monotonic()`` s).

        Returns what ``schemas.load_response`` makes of the answer (the result object,
        or a list's ``schemas.Page``). Raises the request's ``AlireadError``, with no
        frames of the attempts.
        """
        transport = self.transport(settings.base_url, settings.ca_bundle)
        outcome = attempt(api, params, settings, creds, transport, self.metrics, deadline_at)
        if isinstance(outcome, errors.AlireadError):
            raise outcome
        return outcome

    async def fetch_async(self, api: ApiSpec, object_id: str, settings: CallSettings,
                          creds: Credentials) -> Any:
        """``fetch`` on the running event loop (no thread): the same signing, retries,
        errors and validation, over ``async_transport`` (direct connections; reads that
        go through a proxy are sent to ``fetch`` on a thread by their callers)."""
        return await self.request_async(api, {api.id_param: object_id}, settings, creds)

    async def request_async(self, api: Operation, params: Mapping[str, str],
                            settings: CallSettings, creds: Credentials, *,
                            deadline_at: float | None = None) -> Any:
        """``request`` on the running event loop (direct connections only)."""
        transport = self.loop_state().transport(settings.base_url, settings.ca_bundle)
        outcome = await attempt_async(api, params, settings, creds, transport,
                                      self.metrics, deadline_at)
        if isinstance(outcome, errors.AlireadError):
            raise outcome
        return outcome

    def credentials(self, config: ConfigLookup | None = None, *,
                    deadline: float | None = None) -> Credentials:
        """The credentials a read signs with: Pulumi config, then the environment, then
        the default chain (``settings.resolve_credentials``), whose providers this
        client keeps between reads (they cache and renew STS credentials).

        ``deadline`` (seconds from now; default None): no source of the default chain
        (credentials URI, ECS metadata, STS) is asked past it; each of their exchanges
        is bounded anyway (``credential_http``), and goes through this client's pools.

        Raises:
            InvalidInputError: half of an AccessKey pair is set.
            NoCredentialsError: no source has any.
        """
        from . import credential_http

        deadline_at = None if deadline is None else time.monotonic() + deadline
        with credential_http.deadline(deadline_at), credential_http.through(self.transport):
            return resolve_credentials(config, chain=self.credential_chain)

    # -- what the client owns -------------------------------------------------------

    @property
    def credential_chain(self) -> Chain:
        """The default credential chain's sources, built once and kept by this client."""
        if self._chain is None:
            from .credential_chain import Chain

            with self._lock:
                if self._chain is None:
                    self._chain = Chain()
        return self._chain

    @property
    def shared_reads(self) -> SharedReads:
        """The answers identical ``get_*_output`` reads share (one request per object)."""
        if self._shared is None:
            from .shared_reads import SharedReads

            with self._lock:
                if self._shared is None:
                    self._shared = SharedReads(self)
        return self._shared

    def transport(self, base_url: str, ca_bundle: str | None = None) -> Transport:
        """The blocking connection pool to ``base_url`` (through the proxy the
        environment names for it, verified with ``ca_bundle``): created once, shared by
        every thread."""
        from .transport import Transport

        key = (base_url, self.proxy_for(base_url), ca_bundle)
        transport = self._transports.get(key)
        if transport is None:
            with self._lock:
                self._check_open()
                transport = self._transports.get(key)
                if transport is None:
                    transport = self._transports[key] = Transport(
                        base_url, proxy=key[1], ca_bundle=ca_bundle, watchdog=self._watchdog
                    )
        return transport

    def proxy_for(self, base_url: str) -> str | None:
        """The proxy URL requests to ``base_url`` go through (credentials included:
        never show it), or None for a direct connection."""
        if self._proxy is not None:
            return self._proxy
        from .transport import proxy_for

        return proxy_for(base_url)

    def loop_state(self, loop: asyncio.AbstractEventLoop | None = None) -> LoopState:
        """What this client keeps for ``loop`` (default: the running one): its
        connections, its read queue and its batch clock."""
        import asyncio

        from .loop_reads import LoopState

        loop = loop or asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            with self._lock:
                self._check_open()
                state = self._loops.get(loop)
                if state is None:
                    state = self._loops[loop] = LoopState(loop, self)
        return state

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Close every pooled connection and the shared-read thread pool. Reads after
        this raise ``RuntimeError``; closing twice does nothing."""
        with self._lock:
            self._closed = True
            transports = list(self._transports.values())
            loops = list(self._loops.values())
            self._transports.clear()
            self._loops.clear()
            shared = self._shared
        for transport in transports:
            transport.close()
        for state in loops:
            state.close()
        if shared is not None:
            shared.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this pulumi_aliread Client is closed; make a new one")

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._transports)} endpoint(s)"
        return f"<pulumi_aliread.Client {state}>"


def _api_of(api: object) -> ApiSpec:
    """``api`` itself, or the ``ApiSpec`` an action name or API name stands for."""
    if isinstance(api, ApiSpec):
        return api
    from .apis import APIS, BY_ACTION

    found = (BY_ACTION.get(api) or APIS.get(api)) if isinstance(api, str) else None
    if found is None:
        names = ", ".join(sorted(BY_ACTION))
        raise errors.InvalidInputError(
            f"api must be one of pulumi_aliread.core.apis.HANDSHAKE / AUTH_ORDER, or an action "
            f"name ({names}), got {api!r}."
        )
    return found


class _Defaults:
    """The lock-guarded default clients: one for calls made outside a Pulumi program's
    outputs, and one per Pulumi program (a program is told from the next by its
    resource monitor, a new object for every run)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plain: Client | None = None
        self._program: tuple[object, Client] | None = None

    def plain(self) -> Client:
        client = self._plain
        if client is None:
            with self._lock:
                if self._plain is None:
                    self._plain = Client()
                client = self._plain
        return client

    def program(self) -> Client:
        from ..pulumi.compat import current_program

        key = current_program()
        with self._lock:
            if self._program is None or self._program[0] is not key:
                self._program = (key, Client())
            return self._program[1]

    def bind_program(self, client: Client) -> None:
        from ..pulumi.compat import current_program

        with self._lock:
            self._program = (current_program(), client)


_DEFAULTS = _Defaults()


def default_client() -> Client:
    """The client of ``read``, ``fetch``, ``fetch_async``, ``get_handshake`` and the
    other plain calls: made on first use, kept for the process."""
    return _DEFAULTS.plain()


def program_client() -> Client:
    """The client of the running Pulumi program's ``get_*_output`` reads: a new one for
    every program run (``pulumi_compat.current_program``), so that one program's shared
    answers never reach the next."""
    return _DEFAULTS.program()


def bind_program_client(client: Client) -> None:
    """Make ``client`` the client of the Pulumi program set up now (the current
    resource monitor's), until another program is set up."""
    _DEFAULTS.bind_program(client)


def read(api: ApiSpec, object_id: object, **keywords: Any) -> Any:
    """``Client.read`` on the default client."""
    return default_client().read(api, object_id, **keywords)


def fetch(api: ApiSpec, object_id: str, settings: CallSettings, creds: Credentials) -> Any:
    """``Client.fetch`` on the default client."""
    return default_client().fetch(api, object_id, settings, creds)


async def fetch_async(api: ApiSpec, object_id: str, settings: CallSettings,
                      creds: Credentials) -> Any:
    """``Client.fetch_async`` on the default client."""
    return await default_client().fetch_async(api, object_id, settings, creds)


def invited_view(api: ApiSpec, object_id: str, error: errors.AlireadError) -> Any | None:
    """What a gate run by the invited account counts ``error`` as: for the answer that
    means "accepted" to that account (GetHandshake: HTTP 409 HandshakeStatusMismatch), a
    result in ``api``'s first success state carrying only the id, the state and the
    answer's request id (every other field None: the API did not send them); None for
    any other error."""
    if api.invited_accepted_code is None or error.code != api.invited_accepted_code:
        return None
    return api.result_type(**{  # type: ignore[call-arg]
        api.id_keyword: object_id,
        api.state_field: api.success_states[0],
        "request_id": error.request_id,
    })


def check_expectation(api: ApiSpec, result: Any, expected: Iterable[str], *,
                      command_line: bool = False) -> None:
    """Raise ExpectationNotMetError when ``result``'s state is not among ``expected``.

    The advice fits the state: a final state will not change (create a new object, or
    change the expectation); another one may (wait). ``command_line`` names the
    ``aliread`` options (``--wait``, ``--expect``) instead of the Python keyword.
    """
    expected = tuple(expected)
    state = getattr(result, api.state_field)
    if expected and state not in expected:
        wanted = " or ".join(expected)
        change = "--expect" if command_line else f"{api.expect_keyword}="
        if state in api.terminal_states:
            situation = " (a final state: it will not change)"
            advice = f"Create a new {api.title}, or change the expectation ({change})."
        else:
            situation = ""
            wait = " (--wait)" if command_line else ""
            advice = f"Wait until it is {wanted}{wait}, or change the expectation ({change})."
        error = errors.ExpectationNotMetError(
            f"{api.title} {result.id} is {state}{situation}, expected {wanted} "
            f"({api.action}, request id {result.request_id}). {advice}",
            code="ExpectationNotMet",
            http_status=200,  # the answer itself was a good one
            request_id=result.request_id,
        )
        error.result = result  # type: ignore[attr-defined]
        error.state = state  # type: ignore[attr-defined]
        error.expected = expected  # type: ignore[attr-defined]
        raise error


