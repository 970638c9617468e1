"""The HTTP exchanges of the credential sources, bounded in time and in size.

alibabacloud-credentials' providers (credentials URI, ECS metadata, the STS calls of the
OIDC and RAM roles, Cloud SSO, OAuth) all send through Tea's ``TeaCore.do_action``, that
is ``requests``: its timeouts bound connecting and each ``recv``, never an answer, and it
reads and gunzips the whole body before the provider looks at it. Measured with
``aliread --deadline 2s`` and ALIBABA_CLOUD_CREDENTIALS_URI at a loopback server: 150
bytes dripped one each 0.2 s held it 30.7 s (the time grows with the body: 172 s were
seen); a 100 MB body took peak RSS to 248 MB, a gzip bomb of 504 MB to 1100 MB. Neither
Tea nor requests offers a total time or a size cap, so the providers' modules are given a
``TeaCore`` whose ``do_action`` sends through this package's ``Transport`` (urllib3, the
whole answer bounded by ``watchdog``, the body capped by ``bodies`` while it is decoded).

Bounds of each exchange: the provider's own timeouts (``connectTimeout`` and
``readTimeout``: 1 s + 1 s for ECS metadata, 5 s + 10 s for the others, the library's
defaults), the read timeout now bounding the whole answer; and never past the read's
deadline when the lookup has one (``deadline``). A body over ``MAX_CREDENTIALS_BODY`` is
not read further. Proxies and CA bundle are the package's (``transport.proxy_for``:
HTTPS_PROXY / HTTP_PROXY / NO_PROXY; ``settings.ca_bundle``).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

MAX_CREDENTIALS_BODY = 64 * 1024  # a credentials answer is well under 4 KiB

# Modules of alibabacloud-credentials that send with ``TeaCore.do_action``, each having
# imported the name ``TeaCore`` (``from Tea.core import TeaCore``).
_SENDING_MODULES = ("oidc", "ecs_ram_role", "uri", "ram_role_arn", "cloud_sso", "oauth",
                    "rsa_key_pair")

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "aliread_credentials_deadline", default=None)
# The connection pools of the lookup's client (``client.Client.transport``); None: a
# pool of its own per exchange.
_transports: contextvars.ContextVar[Callable[[str, str | None], Any] | None] = (
    contextvars.ContextVar("aliread_credentials_transports", default=None))
_state = threading.local()  # .failure: why the thread's last exchange got no answer
_installed = False
_install_lock = threading.Lock()


class Unanswered(Exception):
    """A source's exchange got no usable answer; the text (ours, never the source's
    words) says why."""


@contextlib.contextmanager
def deadline(deadline_at: float | None) -> Iterator[None]:
    """Within the block, credential sources end by ``deadline_at`` (``time.monotonic()``
    seconds; None: only each exchange's own bounds)."""
    token = _deadline.set(deadline_at)
    try:
        yield
    finally:
        _deadline.reset(token)


@contextlib.contextmanager
def through(transports: Callable[[str, str | None], Any]) -> Iterator[None]:
    """Within the block, exchanges use ``transports(base_url, ca_bundle)``'s connection
    pools (a ``client.Client``'s ``transport``), not one of their own each."""
    token = _transports.set(transports)
    try:
        yield
    finally:
        _transports.reset(token)


def current_deadline() -> float | None:
    """The deadline set by the innermost ``deadline`` block, or None."""
    return _deadline.get()


def take_failure() -> str | None:
    """Why this thread's last bounded exchange failed (then forgotten), or None."""
    failure = getattr(_state, "failure", None)
    _state.failure = None
    return failure


def install() -> None:
    """Give the providers' modules the bounded ``TeaCore`` (once; idempotent)."""
    global _installed
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        import importlib

        bounded = _bounded_tea_core()
        for name in _SENDING_MODULES:
            module = importlib.import_module(f"alibabacloud_credentials.provider.{name}")
            if hasattr(module, "TeaCore"):
                setattr(module, "TeaCore", bounded)  # noqa: B010 - a module attribute
        _installed = True


def _bounded_tea_core() -> type:
    from Tea.core import TeaCore

    class BoundedTeaCore(TeaCore):  # type: ignore[misc]
        """Tea's core with ``do_action`` bounded (see the module's text)."""

        @staticmethod
        def do_action(request: Any, runtime_option: Mapping[str, Any] | None = None) -> Any:
            return send(request, runtime_option or {})

        @staticmethod
        async def async_do_action(request: Any,
                                  runtime_option: Mapping[str, Any] | None = None) -> Any:
            import asyncio

            return await asyncio.to_thread(send, request, runtime_option or {})

    return BoundedTeaCore


def _seconds(millis: object, default: float) -> float:
    try:
        value = float(millis) / 1000  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def send(request: Any, runtime_option: Mapping[str, Any]) -> Any:
    """Send a Tea request within the bounds; return a ``TeaResponse``.

    Raises ``Unanswered`` (also kept for ``take_failure``) when the exchange got no
    usable answer: refused, timed out, too large, undecodable, past the deadline.
    """
    try:
        return _send(request, runtime_option)
    except Unanswered as failed:
        _state.failure = str(failed)
        raise


def _send(request: Any, runtime_option: Mapping[str, Any]) -> Any:
    from Tea.core import TeaCore
    from Tea.response import TeaResponse

    from ..errors import InvalidInputError
    from .bodies import BodyTooLarge, UndecodableBody
    from .settings import ca_bundle
    from .transport import FROM_ENVIRONMENT, Transport, TransportFailure

    parts = urlsplit(TeaCore.compose_url(request))
    base_url = f"{parts.scheme}://{parts.netloc}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connect_timeout = _seconds(runtime_option.get("connectTimeout"), 5.0)
    read_timeout = _seconds(runtime_option.get("readTimeout"), 10.0)
    deadline_at = _deadline.get()
    if deadline_at is not None:
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            raise Unanswered("not asked: the read's deadline had passed")
        read_timeout = min(read_timeout, remaining)
    headers = {name: str(value) for name, value in (request.headers or {}).items()
               if value is not None and name.lower() != "host"}
    body = request.body.encode() if isinstance(request.body, str) else request.body
    try:
        bundle = ca_bundle() if parts.scheme == "https" else None
        proxy = runtime_option.get("httpsProxy" if parts.scheme == "https" else "httpProxy")
        shared = _transports.get()
        own = None
        if proxy or shared is None:
            own = transport = Transport(base_url, proxy=proxy or FROM_ENVIRONMENT,
                                        ca_bundle=bundle)
        else:
            transport = shared(base_url, bundle)
        try:
            answer = transport.request(
                str(request.method or "GET").upper(), target, connect_timeout, read_timeout,
                deadline_at, headers=headers, body=body, max_body=MAX_CREDENTIALS_BODY)
        finally:
            if own is not None:
                own.close()
    except InvalidInputError as bad:
        raise Unanswered(bad.message) from None
    except TransportFailure as failure:
        if failure.kind == "ReadTimeout":
            raise Unanswered(
                f"its answer did not arrive whole within {read_timeout:.3g} s"
                + (" (the read's deadline)" if deadline_at is not None
                   and read_timeout < _seconds(runtime_option.get("readTimeout"), 10.0)
                   else "")) from None
        raise Unanswered(f"no answer ({failure.kind}: {failure.detail})") from None
    except BodyTooLarge:
        raise Unanswered(
            f"its answer was larger than {MAX_CREDENTIALS_BODY // 1024} KiB (on the wire or "
            "decompressed), which no credentials answer is; it was not read further"
        ) from None
    except UndecodableBody:
        raise Unanswered("its answer's Content-Encoding could not be decoded") from None
    response = TeaResponse()
    response.status_code = answer.status
    response.status_message = ""
    response.headers = {}
    response.body = answer.body
    return response
