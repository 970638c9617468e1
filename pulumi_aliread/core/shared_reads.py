"""The reads of one Pulumi program that share answers: one API call per distinct read
(same API, id, settings and credentials) while in flight, and its answer for the rest
of the program. A ``client.Client`` owns one; a program's reads use the program's
client (``client.program_client``), so the answers live as long as the program.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from . import settings
from .apis import APIS, ApiSpec

if TYPE_CHECKING:

    from .client import Client


# The Pulumi config keys a read may consult (snapshotted on the event loop: Pulumi's
# config lives in a context variable that worker threads do not see).
CONFIG_KEYS: tuple[str, ...] = settings.config_keys(APIS.values())


class SharedReads:
    """One program's shared reads, its config snapshot and its credentials."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._lock = threading.RLock()  # a done callback may run inside get()
        self._futures: dict[Any, Any] = {}
        self._settings: tuple[dict[str, str], str] | None = None
        self._credentials: settings.Credentials | None = None
        self._calls: dict[Any, settings.CallSettings] = {}
        self._executor: ThreadPoolExecutor | None = None

    def program_settings(self) -> tuple[dict[str, str], str]:
        """The program's Pulumi config snapshot and credential fingerprint, taken once:
        neither changes while a program runs."""
        with self._lock:
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
                call = self._calls.get(key)
        except TypeError:  # an unhashable option: resolve refuses it below
            call, key = None, None
        if call is None:
            call = settings.resolve(api, config=config, **options)
            if key is not None:
                with self._lock:
                    self._calls[key] = call
        return call

    def credentials(self, config: Mapping[str, str],
                    deadline: float | None = None) -> settings.Credentials:
        """The program's credentials: keys from config or the environment are resolved
        once; the default chain is asked every time (it renews STS credentials), within
        ``deadline`` seconds (``Client.credentials``)."""
        with self._lock:
            if self._credentials is not None:
                return self._credentials
        creds = self._client.credentials(config, deadline=deadline)
        if not creds.renewable:
            with self._lock:
                self._credentials = creds
        return creds

    def get(self, key: Any, begin: Callable[[], Any]) -> Any:
        """The read of ``key`` in flight or done in this program, else ``begin()``'s
        (a future). A read that failed or was cancelled is forgotten: a later identical
        read tries again."""
        with self._lock:
            pending = self._futures.get(key)
            if pending is None:
                pending = self._futures[key] = begin()
                pending.add_done_callback(lambda done: self._forget_failure(key, done))
            return pending

    def submit(self, read: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run a blocking read on this program's thread pool (``max_concurrent_reads``
        threads)."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self._client.max_concurrent_reads, thread_name_prefix="aliread-read"
                )
            return self._executor.submit(read, *args)

    def clear(self) -> None:
        """Forget every shared answer and the config snapshot."""
        with self._lock:
            self._futures, self._calls = {}, {}
            self._settings, self._credentials = None, None

    def close(self) -> None:
        """``clear``, and stop the thread pool (reads running on it finish)."""
        with self._lock:
            executor, self._executor = self._executor, None
        self.clear()
        if executor is not None:
            executor.shutdown(wait=False)

    def _forget_failure(self, key: Any, done: Any) -> None:
        if done.cancelled() or done.exception() is not None:
            with self._lock:
                if self._futures.get(key) is done:
                    del self._futures[key]


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
