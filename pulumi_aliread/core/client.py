"""``Client``: one event loop, its HTTP connections, credentials, shared reads, counters.

Every read goes through a ``Client`` and runs on the client's own event loop, a daemon
thread started on first use: httpcore's connection pools send there, at most
``max_concurrent_reads`` requests at once. Blocking callers (``get_*``, the dynamic
provider, ``aliread``) submit a read and wait for its ``concurrent.futures.Future``;
async callers (``get_*_output`` on the Pulumi program's loop, the plugin) await it with
``asyncio.wrap_future``. One execution model for all of them.

``read`` is the whole read (``core.read``); ``request`` / ``request_async`` send one
signed request of any operation with its retry policy. The module function ``read`` and
the plain ``get_*`` use a default client, created on first use; tests and applications
that want their own make one: ``with Client() as client: ...``. The ``get_*_output``
reads of one Pulumi program that are identical (same API, id, settings and credential
sources) share one request (``SharedReads``); the Pulumi layer gives each program run its
own client.
"""

from __future__ import annotations

import concurrent.futures
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .. import errors
from .apis import ApiSpec
from .attempts import RetryMetrics, attempt
from .credential_chain import Chain
from .read import Read, prepare, settle
from .settings import CallSettings, ConfigLookup, Credentials, resolve_credentials
from .spec import Operation

if TYPE_CHECKING:
    import asyncio

    from .http import Http

T = TypeVar("T")

#: ``Client``'s default ``max_concurrent_reads``.
MAX_CONCURRENT_READS = 32

# How long a blocking caller sleeps on a read at most before it looks at signals again:
# CPython runs a signal's handler in the main thread between bytecodes, so a main thread
# blocked on a lock with no timeout would handle Ctrl-C only once the read ends.
_SIGNAL_CHECK_SECONDS = 0.1

__all__ = ["Client", "RetryMetrics", "default_client", "read", "wait_done"]


class Client:
    """Reads with their own event loop, connections, credential cache and counters.

    Usable as a context manager: leaving it (or ``close()``) closes its connections and
    stops its loop. Thread-safe; one client serves any number of threads and loops.

    Args:
        proxy (str | None): an HTTP proxy URL (``http://[user:password@]host:port``)
            for every request of this client, loopback endpoints included; default None:
            the environment's (``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY``), never
            for loopback hosts. Its password never appears in messages or logs.
        max_concurrent_reads (int): how many requests are in flight at once (default
            32); more wait their turn.

    Attributes:
        metrics (RetryMetrics): requests sent, retries, seconds of backoff.
        credential_chain (credential_chain.Chain): the default credential chain's
            sources, kept by this client between reads (they cache and renew STS
            credentials).

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
        from . import http  # httpcore: imported with the first client, not by the first read

        if proxy is not None:
            if not isinstance(proxy, str):
                raise errors.InvalidInputError(
                    f"proxy must be a URL string such as 'http://proxy.example.com:3128' "
                    f"or None, got {type(proxy).__name__}."
                )
            http.parse_proxy(proxy)  # refused now, before any read
        self._proxy = proxy
        self.metrics = RetryMetrics()
        self.max_concurrent_reads = max_concurrent_reads
        self._lock = threading.Lock()
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: Http | None = None
        self._slots: asyncio.Semaphore | None = None
        self.credential_chain = Chain()
        self._shared = SharedReads()

    # -- the read ------------------------------------------------------------------------

    def read(self, api: ApiSpec | str, object_id: object, **keywords: Any) -> Any:
        """Read one object of ``api`` now; everything is validated before any request.

        Args:
            api (ApiSpec | str): ``apis.HANDSHAKE`` or ``apis.AUTH_ORDER``, or the
                action's name (``"GetHandshake"``, ``"GetJoinPermissionAuthOrder"``).
            object_id (str): the object's id.
            **keywords: those of ``read.prepare``: ``expected``, ``config``,
                ``mismatch_means_accepted``, ``options``, ``region``, ``endpoint``,
                ``api_version``, ``allow_insecure_http``, ``deadline=``...

        Returns:
            The result object of ``api`` (``api.result_type``).

        Raises:
            InvalidInputError: a bad id, state, option or setting (no request sent).
            NoCredentialsError: no source of credentials has any.
            AlireadError: the subclass the API's answer or the network failure stands
                for (``attempts`` and ``stop_reason`` say how the read ended).
            ExpectationNotMetError: read, but not in an ``expected`` state.
        """
        one = prepare(api, object_id, **keywords)
        future = self.start(one)
        wait_done(future)
        return settle(one, future)

    def start(self, one: Read, creds: Credentials | None = None) -> concurrent.futures.Future[Any]:
        """Step 2 of ``one`` on this client's loop: credentials (``creds``, else looked up
        within the read's deadline), then the request. Its future holds the result or
        the read's ``AlireadError``; ``read.settle`` finishes the read."""
        return self.submit(self._fetch(one, creds))

    async def _fetch(self, one: Read, creds: Credentials | None) -> Any:
        if creds is None:
            creds = await self.credentials_async(one.config,
                                                 deadline=one.settings.options.deadline)
        return await self.request_async(one.api, one.params, one.settings, creds)

    # -- one signed request (any operation) ----------------------------------------------

    def request(self, api: Operation, params: Mapping[str, str], settings: CallSettings,
                creds: Credentials, *, deadline_at: float | None = None) -> Any:
        """One signed request of ``api`` with its own query ``params`` (the common ones
        are added by the signer), retried per the policy, within
        ``settings.options.deadline`` and ``deadline_at`` (``time.monotonic()`` s).

        Returns what ``schemas.load_response`` makes of the answer (the result object,
        or a list's ``schemas.Page``).
        Raises the request's ``AlireadError``, with no frames of the attempts.
        """
        return self.wait(self.submit(self.request_async(api, params, settings, creds,
                                                        deadline_at=deadline_at)))

    async def request_async(self, api: Operation, params: Mapping[str, str],
                            settings: CallSettings, creds: Credentials, *,
                            deadline_at: float | None = None) -> Any:
        """``request`` for a caller on any event loop (the work runs on this client's)."""
        import asyncio

        if self._loop is None or asyncio.get_running_loop() is not self._loop:
            return await asyncio.wrap_future(self.submit(self.request_async(
                api, params, settings, creds, deadline_at=deadline_at)))
        assert self._http is not None and self._slots is not None  # set with the loop
        async with self._slots:
            outcome = await attempt(api, params, settings, creds, self._http,
                                    self.proxy_for(settings.base_url), self.metrics,
                                    deadline_at)
        if isinstance(outcome, errors.AlireadError):
            raise outcome
        return outcome

    # -- credentials -------------------------------------------------------------------

    def credentials(self, config: ConfigLookup | None = None, *,
                    deadline: float | None = None) -> Credentials:
        """The credentials a read signs with: Pulumi config, then the environment, then
        the default chain (``settings.resolve_credentials``), whose providers this
        client keeps between reads (they cache and renew STS credentials).

        ``deadline`` (seconds from now; default None): the default chain's sources
        (credentials URI, ECS metadata, STS) are not waited for past it.

        Raises:
            InvalidInputError: half of an AccessKey pair is set.
            NoCredentialsError: no source has any.
        """
        deadline_at = None if deadline is None else time.monotonic() + deadline
        return resolve_credentials(config, chain=self.credential_chain,
                                   deadline_at=deadline_at)

    async def credentials_async(self, config: ConfigLookup | None = None, *,
                                deadline: float | None = None) -> Credentials:
        """``credentials`` without blocking the running loop: keys from config or the
        environment at once, the default chain on a worker thread."""
        import asyncio

        from .settings import explicit_credentials

        found = explicit_credentials(config)
        if found is not None:
            return found
        return await asyncio.to_thread(self.credentials, config, deadline=deadline)

    @property
    def shared_reads(self) -> SharedReads:
        """The requests identical ``get_*_output`` reads share (one per object)."""
        return self._shared

    def proxy_for(self, base_url: str) -> str | None:
        """The proxy URL requests to ``base_url`` go through (credentials included:
        never show it), or None for a direct connection."""
        if self._proxy is not None:
            return self._proxy
        from .http import proxy_for

        return proxy_for(base_url)

    # -- the loop ------------------------------------------------------------------------

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coroutine`` on this client's loop (started on first use); its future."""
        import asyncio

        loop = self._loop
        if loop is None:
            with self._lock:
                if self._closed:
                    coroutine.close()  # never to run
                    raise RuntimeError("this pulumi_aliread Client is closed; make a new one")
                if self._loop is None:
                    self._loop = self._start_loop()
                loop = self._loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop)

    @staticmethod
    def wait(future: concurrent.futures.Future[T]) -> T:
        """``future.result()``, waited for as ``wait_done`` does."""
        wait_done(future)
        return future.result()

    def _start_loop(self) -> asyncio.AbstractEventLoop:
        import asyncio

        from .http import Http

        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._slots = asyncio.Semaphore(self.max_concurrent_reads)
            ready.set()
            loop.run_forever()
            loop.close()

        self._http = Http(self.max_concurrent_reads)
        thread = threading.Thread(target=run, name="aliread-loop", daemon=True)
        # Started with SIGINT / SIGTERM blocked (a thread inherits its creator's mask):
        # the kernel then always hands them to the main thread, which stops the command.
        handled = {signal.SIGINT, signal.SIGTERM}
        before = signal.pthread_sigmask(signal.SIG_BLOCK, handled) \
            if hasattr(signal, "pthread_sigmask") else None
        try:
            thread.start()
        finally:
            if before is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, before)
        ready.wait()
        return loop

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Cancel the reads in flight, close the connections, stop the loop (waiting a
        second at most). Reads after this raise ``RuntimeError``; closing twice does
        nothing."""
        with self._lock:
            self._closed = True
            loop, self._loop = self._loop, None
        self._shared.clear()
        if loop is None or not loop.is_running():
            return
        import asyncio

        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._http is not None:
                await self._http.aclose()

        done = asyncio.run_coroutine_threadsafe(shutdown(), loop)
        concurrent.futures.wait([done], timeout=1.0)
        loop.call_soon_threadsafe(loop.stop)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<pulumi_aliread.Client {state}>"


class SharedReads:
    """Futures of reads by key; a read that failed or was cancelled is forgotten, so a
    later identical read tries again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, concurrent.futures.Future[Any]] = {}

    def get(self, key: Hashable, begin: Callable[[], concurrent.futures.Future[Any]]
            ) -> concurrent.futures.Future[Any]:
        """The read of ``key`` in flight or done, else ``begin()``'s future."""
        with self._lock:
            pending = self._futures.get(key)
            if pending is None:
                pending = self._futures[key] = begin()
            else:
                return pending
        pending.add_done_callback(lambda done: self._forget_failure(key, done))
        return pending

    def clear(self) -> None:
        """Forget every shared answer."""
        with self._lock:
            self._futures = {}

    def _forget_failure(self, key: Hashable, done: concurrent.futures.Future[Any]) -> None:
        if done.cancelled() or done.exception() is not None:
            with self._lock:
                if self._futures.get(key) is done:
                    del self._futures[key]


def wait_done(future: concurrent.futures.Future[Any]) -> None:
    """Wait until ``future`` is done, in short sleeps so that the main thread handles
    SIGINT / SIGTERM at once, whatever the read is doing."""
    while not future.done():
        concurrent.futures.wait([future], timeout=_SIGNAL_CHECK_SECONDS)


class _Defaults:
    """The lock-guarded default client of the plain calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plain: Client | None = None

    def plain(self) -> Client:
        client = self._plain
        if client is None:
            with self._lock:
                if self._plain is None:
                    self._plain = Client()
                client = self._plain
        return client


_DEFAULTS = _Defaults()


def default_client() -> Client:
    """The client of ``read``, ``get_handshake`` and the other plain calls: made on
    first use, kept for the process."""
    return _DEFAULTS.plain()


def read(api: ApiSpec | str, object_id: object, **keywords: Any) -> Any:
    """``Client.read`` on the default client."""
    return default_client().read(api, object_id, **keywords)
