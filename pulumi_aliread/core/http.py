"""Every request the package sends: httpcore's ``AsyncConnectionPool`` (HTTP/1.1, its
public API; the transport httpx itself sends with), plus the two bounds it lacks.

httpcore times each socket operation, not an answer: a server dripping a byte a second
never trips a read timeout. Here the whole exchange runs under an anyio cancel scope:
``connect_timeout + read_timeout`` (and never past the read's deadline) until the request
is out, then ``read_timeout`` for the whole answer, status line to last byte (moved when
httpcore reports, through its documented ``trace`` extension, that the answer is
awaited). The body is streamed and decoded by ``bodies.BodyDecoder`` within 4 MiB, on the
wire and decompressed; the server is asked for ``identity``, and httpcore decodes nothing.

Proxies follow the environment as urllib and aliyun-python-sdk-core read them
(``proxy_for``): ``HTTPS_PROXY`` for https endpoints, ``HTTP_PROXY`` for http ones
(lowercase names win), ``NO_PROXY`` honoured, loopback hosts never proxied; httpcore
reads no environment. ``user:password@`` in a proxy URL becomes a
``Proxy-Authorization`` header and never appears in messages or logs. Redirects are
never followed (httpcore follows none).
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import platform
import re
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import certifi
import httpcore

from .._version import __version__
from ..errors import InvalidInputError
from . import redaction
from .bodies import MAX_BODY_BYTES, BodyDecoder, BodyTooLarge, retry_after
from .settings import ca_bundle_source, is_loopback

__all__ = ["Answer", "Http", "TransportFailure", "parse_proxy", "proxy_for"]

log = logging.getLogger("pulumi_aliread")
# httpx and httpcore log each request's URL, signed query and all; imported here,
# httpcore's child loggers (httpcore.http11, ...) exist now and get the filter too.
for _name in ("pulumi_aliread", "httpx", "httpcore"):
    redaction.protect_logger(_name)


def proxy_for(base_url: str, env: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL a request to ``base_url`` goes through, or None for a direct one.

    ``urllib.request.getproxies()`` / ``proxy_bypass()`` semantics on ``env`` (default
    ``os.environ``): ``https_proxy`` / ``HTTPS_PROXY`` for https URLs, ``http_proxy`` /
    ``HTTP_PROXY`` for http ones, the lowercase name winning (set empty, it disables the
    uppercase one); ``HTTP_PROXY`` is ignored in a CGI request (``REQUEST_METHOD`` set);
    ``no_proxy`` / ``NO_PROXY`` lists hosts, domain suffixes and ``host:port``s, or
    ``*``. Loopback hosts (127.0.0.0/8, ::1, localhost) are never proxied.
    """
    env = os.environ if env is None else env
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or is_loopback(host):
        return None
    proxies = {}
    for key in (parts.scheme, "no"):
        name = f"{key}_proxy"
        if name in env:
            value = env[name]
        elif key == "http" and "REQUEST_METHOD" in env:
            value = ""  # httpoxy: a CGI request's Proxy: header arrives as HTTP_PROXY
        else:
            value = env.get(name.upper(), "")
        if value.strip():
            proxies[key] = value.strip()
    proxy = proxies.get(parts.scheme)
    if proxy is None:
        return None
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host:  # an IPv6 literal: NO_PROXY entries name it without brackets
        netloc = host
    # Undocumented, and absent from typeshed, but in every CPython since 3.0: the
    # NO_PROXY matching urllib itself applies.
    from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]

    if proxy_bypass_environment(netloc, proxies):
        return None
    return proxy


@dataclass(frozen=True, slots=True)
class Proxy:
    url: str  # scheme://host:port, no credentials: safe to show
    headers: dict[str, str]


def parse_proxy(proxy: str) -> Proxy:
    """Split a proxy URL into a credential-free URL and its Proxy-Authorization header;
    ``InvalidInputError`` for a URL that is not an http(s) proxy's."""
    text = proxy.strip()
    if "://" not in text:
        text = "http://" + text  # as curl and requests read "proxy:3128"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is not None and parts.password:
        redaction.register(parts.password, unquote(parts.password))
    if parts is None or not parts.hostname:
        raise InvalidInputError(
            "the proxy setting (HTTPS_PROXY / HTTP_PROXY) is not a URL such as "
            "'http://proxy.example.com:3128': fix it, or list the endpoint in NO_PROXY."
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    safe = f"{parts.scheme}://{host}:{port or (443 if parts.scheme == 'https' else 80)}"
    if parts.scheme not in ("http", "https"):
        raise InvalidInputError(
            f"proxy scheme {parts.scheme!r} is not supported (proxy {host}): use an "
            "http:// proxy in HTTPS_PROXY / HTTP_PROXY, or list the endpoint in NO_PROXY."
        )
    headers = {}
    if parts.username is not None or parts.password is not None:
        user_pass = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        token = base64.b64encode(user_pass.encode()).decode("ascii")
        redaction.register(token)
        headers["Proxy-Authorization"] = f"Basic {token}"
    return Proxy(safe, headers)


class TransportFailure(Exception):
    """The request got no usable HTTP answer (reset, refused, timed out, cut short).

    ``permanent``: sending again cannot help (a certificate that did not verify, a proxy
    refusing the tunnel), so the caller must not retry.
    """

    def __init__(self, kind: str, detail: str, *, permanent: bool = False,
                 at_deadline: bool = False) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.permanent = permanent
        self.at_deadline = at_deadline  # the caller's deadline_at ended it, not a timeout


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: status, decoded body, and the headers the client acts on."""

    status: int
    body: bytes
    request_id: str | None
    retry_after: float | None = None  # seconds, from x-acs-retry-after / Retry-After
    location: str | None = None  # of a redirect (never followed)


# httpcore 1.0's pool rescans every connection and queued request on each request and
# release (encode/httpcore#1035): 1 000 GETs at 20 ms, 32 at once, cost 4.1 ms of CPU a
# request through one pool of 32 connections, 0.52 through 32 pools of one (measured
# here against the emulator). So each request takes the pool with the fewest in flight.
class _Pool:
    """One httpcore connection pool and the requests it has in flight."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self.pool = pool
        self.in_flight = 0


class Http:
    """httpcore connection pools of one ``client.Client``, per proxy and CA bundle, all
    on the client's event loop (create, use and ``aclose`` on it).

    ``max_connections`` (int): keep-alive connections kept per proxy and CA bundle, one
    a pool. A request takes the first pool with the fewest requests in flight: reads one
    after another reuse one connection, and reads at once spread one a pool.
    """

    def __init__(self, max_connections: int) -> None:
        self._max = max_connections
        self._pools: dict[tuple[str | None, str | None, bool], list[_Pool]] = {}

    def _pool(self, proxy: str | None, ca_bundle: str | None, https: bool) -> _Pool:
        key = (proxy, ca_bundle, https)
        pools = self._pools.get(key)
        if pools is None:
            parsed = parse_proxy(proxy) if proxy else None
            pools = self._pools[key] = [_Pool(httpcore.AsyncConnectionPool(
                ssl_context=tls_context(ca_bundle) if https else None,
                proxy=httpcore.Proxy(parsed.url, headers=list(parsed.headers.items()))
                if parsed else None,
                max_connections=None, max_keepalive_connections=1,
            )) for _ in range(self._max)]
        return min(pools, key=lambda pool: pool.in_flight)

    async def request(self, method: str, url: str, *, connect_timeout: float,
                      read_timeout: float, deadline_at: float | None = None,
                      proxy: str | None = None, ca_bundle: str | None = None,
                      headers: Mapping[str, str] | None = None,
                      max_body: int = MAX_BODY_BYTES) -> Answer:
        """Send one request; return the answer, or raise ``TransportFailure``,
        ``BodyTooLarge`` or ``UndecodableBody``.

        ``connect_timeout`` and ``read_timeout`` (seconds): connecting, then the whole
        answer once the request is out; ``deadline_at`` (``time.monotonic()``), if given,
        ends everything. ``proxy``: a proxy URL or None (direct); ``ca_bundle``: the PEM
        file verifying https (None: certifi's); ``max_body`` (bytes): the body's cap.
        """
        first = time.monotonic() + connect_timeout + read_timeout
        answered = False

        def timed_out(kind: str, timeout: str, late: str) -> TransportFailure:
            """The failure of an exchange that ran out of time: ``timeout`` says which
            timeout ended it, ``late`` what did not happen before ``deadline_at`` (the
            timeouts are cut to fit in it), when that is what ended it instead."""
            if deadline_at is not None and time.monotonic() >= deadline_at - _CLOCK_SLACK:
                return TransportFailure(kind, f"{late} before the read's deadline{where}",
                                        at_deadline=True)
            return TransportFailure(kind, timeout + where)

        async def trace(event: str, _info: Any) -> None:
            if event.endswith("receive_response_headers.started"):
                at = time.monotonic() + read_timeout  # the whole answer from here on
                scope.deadline = at if deadline_at is None else min(at, deadline_at)

        where = f" (through the proxy {parse_proxy(proxy).url})" if proxy else ""
        target = httpcore.URL(url)
        host = target.host if target.port is None else b"%s:%d" % (target.host, target.port)
        pool = self._pool(proxy, ca_bundle, target.scheme == b"https")
        pool.in_flight += 1
        timeouts = {"connect": connect_timeout, "read": read_timeout,
                    "write": read_timeout, "pool": read_timeout}
        # asyncio's clock is time.monotonic(): the scope cancels the exchange at its deadline.
        with anyio.CancelScope(deadline=first if deadline_at is None
                               else min(first, deadline_at)) as scope:
            try:
                async with pool.pool.stream(
                        method, target, headers=[(b"Host", host), *_HEADERS,
                                                 *(headers or {}).items()],
                        extensions={"timeout": timeouts, "trace": trace}) as response:
                    answered = True
                    if proxy and response.status == 407:  # a plain-http proxy's refusal
                        raise _proxy_refused(proxy, url, 407, "")
                    found = {k.decode("latin-1").lower(): v.decode("latin-1")
                             for k, v in reversed(response.headers)}
                    length = found.get("content-length", "")
                    if length.strip().isdigit() and int(length) > max_body:
                        raise BodyTooLarge()
                    decoder = BodyDecoder(found.get("content-encoding"), max_body)
                    async for chunk in response.aiter_stream():
                        decoder.feed(chunk)
                    body = decoder.finish()
            except httpcore.ProxyError as exc:
                status = re.match(r"\s*(\d{3})\b", str(exc))
                if status:
                    raise _proxy_refused(proxy or "", url, int(status.group(1)),
                                         where) from None
                raise TransportFailure("ProxyError", _reason(exc) + where) from None
            except httpcore.ConnectTimeout:
                raise timed_out("ConnectTimeout", "connecting timed out",
                                "connecting did not finish") from None
            except httpcore.TimeoutException:
                raise (timed_out("ReadTimeout", "the answer stalled mid-body",
                                 "the whole answer did not arrive") if answered else
                       timed_out("ReadTimeout", "no answer within the read timeout",
                                 "no answer came")) from None
            except httpcore.RemoteProtocolError as exc:
                # h11's words ("illegal status line: bytearray(b'SSH-2.0...')") say little.
                detail = ("the server closed the connection mid-answer" if answered
                          or "disconnected" in str(exc) or "closed" in str(exc)
                          else "the answer is not HTTP/1.1")
                raise TransportFailure("ConnectionError", f"{detail}{where}") from None
            except (httpcore.NetworkError, httpcore.ProtocolError,
                    httpcore.UnsupportedProtocol) as exc:
                cert = next((e for e in _causes(exc)
                             if isinstance(e, ssl.SSLCertVerificationError)), None)
                if cert is not None:  # sending again cannot help
                    reason = redaction.scrub(str(getattr(cert, "verify_message", None)
                                                 or getattr(cert, "reason", None) or cert))
                    raise TransportFailure(
                        "TlsVerificationFailed",
                        f"the server's TLS certificate did not verify against "
                        f"{ca_bundle_source(ca_bundle)} ({reason}). If the endpoint is right "
                        "and its certificate is signed by a private CA, point "
                        "ALIBABA_CLOUD_CA_BUNDLE (it comes before SSL_CERT_FILE and "
                        "REQUESTS_CA_BUNDLE) at a PEM file holding that CA",
                        permanent=True) from None
                raise TransportFailure("ConnectionError",
                                       redaction.scrub(_reason(exc)) + where) from None
            finally:
                pool.in_flight -= 1
        if scope.cancelled_caught:
            raise (timed_out("ReadTimeout",
                             "the whole answer did not arrive within the read timeout",
                             "the whole answer did not arrive") if answered else
                   timed_out("ReadTimeout", "no answer within the read timeout",
                             "no answer came"))
        status_code = response.status
        log.debug('"%s %s HTTP/1.1" %s %s', method, url, status_code, len(body))
        return Answer(status_code, body, found.get("x-acs-request-id"), retry_after(found),
                      found.get("location") if 300 <= status_code < 400 else None)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for each in pools:
            for pool in each:
                await pool.pool.aclose()


def _proxy_refused(proxy: str, url: str, status: int, where: str) -> TransportFailure:
    """The failure of a proxy that answered ``status`` instead of tunnelling (or, for
    plain http, of relaying: 407 only).

    A refusal (4xx but 408 and 429) is permanent for this endpoint: the same request
    through the same proxy gets the same answer, so it is not retried; 407 means the
    proxy's user or password is wrong or missing. Others (5xx, 408, 429) may pass.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    shown = parse_proxy(proxy).url if proxy else "the proxy"
    what = "the CONNECT to" if parts.scheme == "https" else "the request for"
    who = f"the proxy {shown} answered {what} {parts.hostname}:{port} with HTTP {status}"
    if status == 407:
        return TransportFailure(
            "ProxyAuthenticationFailed",
            f"proxy authentication failed: {who} (Proxy Authentication Required): set "
            "the right user and password in HTTPS_PROXY (http://user:password@host:port)",
            permanent=True,
        )
    if 400 <= status < 500 and status not in (408, 429):
        return TransportFailure(
            "ProxyRefused",
            f"{who}: it refuses to tunnel to this endpoint. Allow it on the proxy, use "
            "another proxy in HTTPS_PROXY, or list the endpoint's host in NO_PROXY",
            permanent=True,
        )
    return TransportFailure("ProxyError", f"{who}, which may pass: retried")


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _reason(exc: BaseException) -> str:
    """A short cause: the OS error if there is one, else the library's words."""
    for cause in _causes(exc):
        if type(cause).__module__ == "builtins" and isinstance(cause, OSError) \
                and cause.strerror:
            return f"{type(cause).__name__}: {cause.strerror}"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@functools.lru_cache(maxsize=8)
def tls_context(cafile: str | None) -> ssl.SSLContext:
    """The verifying client context of a CA bundle (None: certifi's; loading a bundle
    costs milliseconds, so one per bundle)."""
    return ssl.create_default_context(cafile=cafile or certifi.where())


# asyncio may run a timer up to its clock's resolution early: a cancel scope that ended
# an exchange at the deadline can see the clock a hair before it.
_CLOCK_SLACK = 0.001

USER_AGENT = f"pulumi-aliread/{__version__} Python/{platform.python_version()}"
_HEADERS = (("Accept", "*/*"), ("Accept-Encoding", "identity"), ("User-Agent", USER_AGENT))
