"""HTTP for signed GETs: pooled keep-alive connections, timeouts, a cap on body size.

Direct connections are ``http.client`` ones from ``connections.DirectPool`` (opened at a
paced rate, reused); reads through a proxy use urllib3 2.x, imported only then. One
``Transport`` per base URL, proxy and CA bundle is shared by every thread.
``read_timeout`` bounds the whole answer (status line, headers and body), not each
socket read: ``watchdog`` shuts a connection down when its answer is late. The body is
decoded within the size cap (``bodies``).

Proxies come from the environment as urllib and aliyun-python-sdk-core read them:
``HTTPS_PROXY`` for https endpoints, ``HTTP_PROXY`` for http ones (lowercase names win),
``NO_PROXY`` honoured; loopback hosts are never proxied. https goes through a CONNECT
tunnel; http sends the absolute URL to the proxy. ``user:password@`` in the proxy URL
becomes a ``Proxy-Authorization`` header and never appears in messages or logs.
"""

from __future__ import annotations

import base64
import functools
import http.client
import ipaddress
import logging
import os
import re
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import InvalidInputError
from . import redaction
from .bodies import MAX_BODY_BYTES, BodyDecoder, BodyTooLarge, UndecodableBody, retry_after
from .connections import ConnectingTimedOut, DirectPool
from .watchdog import Timer, Watchdog

__all__ = ["MAX_BODY_BYTES", "Answer", "BodyTooLarge", "TransportFailure", "Transport",
           "UndecodableBody", "is_loopback", "proxy_for"]

_POOL_SIZE = 64
_READ_SIZE = 65536

log = logging.getLogger("pulumi_aliread")
redaction.protect_logger("pulumi_aliread")


class _FromEnvironment:
    def __repr__(self) -> str:
        return "FROM_ENVIRONMENT"


FROM_ENVIRONMENT = _FromEnvironment()  # Transport(proxy=...) default: decide from env


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
    # Only when a proxy is set. Undocumented, and absent from typeshed, but in every
    # CPython since 3.0: the NO_PROXY matching urllib itself applies.
    from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]

    if proxy_bypass_environment(netloc, proxies):
        return None
    return proxy


@functools.lru_cache(maxsize=256)
def is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class _Proxy:
    url: str  # scheme://host:port, no credentials: safe to show
    headers: dict[str, str]


def parse_proxy(proxy: str) -> _Proxy:
    """Split a proxy URL into a credential-free URL and its Proxy-Authorization header."""
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
    return _Proxy(safe, headers)


class TransportFailure(Exception):
    """The request got no usable HTTP answer (reset, refused, timed out, cut short).

    ``permanent``: sending again cannot help (the server's certificate failed
    verification), so the caller must not retry.
    """

    def __init__(self, kind: str, detail: str, *, permanent: bool = False) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: status, decoded body, and the headers the client acts on."""

    status: int
    body: bytes
    request_id: str | None
    retry_after: float | None = None  # seconds, from x-acs-retry-after / Retry-After
    location: str | None = None  # of a redirect (never followed)


def answer_from(status: int, body: bytes, headers: Mapping[str, str]) -> Answer:
    """An ``Answer`` from a status, decoded body and headers (looked up in lower case)."""
    return Answer(status, body, headers.get("x-acs-request-id"), retry_after(headers),
                  headers.get("location") if 300 <= status < 400 else None)


def tls_failure(exc: BaseException, ca_bundle: str | None) -> TransportFailure:
    """The permanent failure of a certificate that did not verify."""
    reason = redaction.scrub(str(getattr(exc, "verify_message", None)
                                 or getattr(exc, "reason", None) or exc))
    from .settings import ca_bundle_source

    bundle = ca_bundle_source(ca_bundle)
    return TransportFailure(
        "TlsVerificationFailed",
        f"the server's TLS certificate did not verify against {bundle} ({reason}). If the "
        "endpoint is right and its certificate is signed by a private CA, point "
        "ALIBABA_CLOUD_CA_BUNDLE (it comes before SSL_CERT_FILE and REQUESTS_CA_BUNDLE) "
        "at a PEM file holding that CA",
        permanent=True,
    )


def is_cert_failure(exc: BaseException | None) -> bool:
    """True if ``exc`` (or an exception it wraps) is a certificate verification failure."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        nested = [a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)]
        exc = nested[-1] if nested else (exc.__cause__ or exc.__context__)
    return False


def _cert_error(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        nested = [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        current = nested[-1] if nested else (current.__cause__ or current.__context__)
    return exc


# The thread's exchange in progress: (read_timeout, deadline_at), and its armed Timer.
_local = threading.local()


def _bounded(base: type) -> type:
    """``base`` (a urllib3 connection class) whose answers are bounded as a whole."""

    class Bounded(base):  # type: ignore[misc, valid-type]
        def getresponse(self):  # type: ignore[no-untyped-def]
            limits = getattr(_local, "limits", None)
            if limits is not None and self.sock is not None:
                _local.timer = _local.watchdog.arm(self.sock, _answer_deadline(*limits))
            return super().getresponse()

    Bounded.__name__ = Bounded.__qualname__ = f"Bounded{base.__name__}"
    return Bounded


@functools.cache
def _connection_classes() -> tuple[type, type]:
    from urllib3.connection import HTTPConnection, HTTPSConnection

    return _bounded(HTTPConnection), _bounded(HTTPSConnection)


class Transport:
    """A connection pool to one base URL (``scheme://host[:port]``).

    ``proxy``: a proxy URL (``http://[user:password@]host:port``), None for a direct
    connection, or by default what ``proxy_for`` decides from the environment.
    ``ca_bundle``: the PEM file that verifies https servers (default: certifi's).
    ``watchdog``: what cuts answers at their deadline (default: one of its own; a
    ``client.Client`` shares its own among its transports).
    """

    def __init__(self, base_url: str, proxy: str | None | _FromEnvironment = FROM_ENVIRONMENT,
                 ca_bundle: str | None = None, watchdog: Watchdog | None = None) -> None:
        if isinstance(proxy, _FromEnvironment):
            proxy = proxy_for(base_url)
        self.base_url = base_url
        self.ca_bundle = ca_bundle
        self._watchdog = watchdog or Watchdog()
        self.proxy: str | None = None  # credential-free, for messages
        self._direct: DirectPool | None = None
        if not proxy:
            parts = urlsplit(base_url)
            tls = None
            if parts.scheme == "https":
                tls = tls_context(ca_bundle or default_ca_bundle())
            self._direct = DirectPool(parts.hostname or "",
                                      parts.port or (443 if tls else 80), tls)
            return
        import urllib3

        redaction.protect_logger("urllib3.connectionpool")
        redaction.protect_logger("urllib3.poolmanager")
        self._urllib3 = urllib3
        options: dict[str, Any] = {"maxsize": _POOL_SIZE, "block": False, "retries": False}
        if base_url.startswith("https://"):
            options["cert_reqs"] = "CERT_REQUIRED"
            options["ca_certs"] = ca_bundle or default_ca_bundle()
        parsed = parse_proxy(proxy)
        self.proxy = parsed.url
        self._manager = urllib3.ProxyManager(
            parsed.url, num_pools=1, proxy_headers=parsed.headers, **options
        )
        self._pool = self._manager.connection_from_url(base_url)
        self._absolute = base_url.startswith("http://")  # the absolute URL for an http proxy
        log.debug("requests to %s go through the proxy %s", base_url, parsed.url)
        plain, tls_class = _connection_classes()
        self._pool.ConnectionCls = tls_class if base_url.startswith("https://") else plain

    def get(self, path_and_query: str, connect_timeout: float, read_timeout: float,
            deadline_at: float | None = None) -> Answer:
        """Send one GET; return the answer, or raise TransportFailure / BodyTooLarge /
        UndecodableBody.

        ``read_timeout`` (s) bounds the whole answer once the request is sent (status
        line, headers, body); ``deadline_at`` (``time.monotonic()`` s), if given, bounds
        the whole attempt, connecting included.
        """
        return self.request("GET", path_and_query, connect_timeout, read_timeout, deadline_at)

    def request(self, method: str, path_and_query: str, connect_timeout: float,
                read_timeout: float, deadline_at: float | None = None, *,
                headers: Mapping[str, str] | None = None, body: bytes | None = None,
                max_body: int = MAX_BODY_BYTES) -> Answer:
        """Send one request, bounded as ``get`` is; ``headers`` are added to the client's
        own (``Accept-Encoding: identity`` always wins); ``max_body`` (bytes, default
        ``MAX_BODY_BYTES``) caps the answer's body, on the wire and decoded."""
        if deadline_at is not None:
            connect_timeout = max(0.001, min(connect_timeout, deadline_at - time.monotonic()))
        if self._direct is not None:
            return self._request_direct(self._direct, method, path_and_query,
                                        connect_timeout, read_timeout, deadline_at,
                                        headers or {}, body, max_body)
        urllib3 = self._urllib3
        exceptions = urllib3.exceptions
        timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        target = self.base_url + path_and_query if self._absolute else path_and_query
        # Read by the connection class when the request is out: the answer's deadline.
        _local.limits, _local.timer = (read_timeout, deadline_at), None
        _local.watchdog = self._watchdog
        response = None
        try:
            try:
                response = self._pool.urlopen(
                    method,
                    target,
                    body=body,
                    headers={"User-Agent": USER_AGENT, **(headers or {}),
                             "Accept-Encoding": "identity"},
                    timeout=timeout,
                    retries=False,
                    redirect=False,
                    preload_content=False,
                    decode_content=False,
                    assert_same_host=False,
                )
            except exceptions.SSLError as exc:
                if is_cert_failure(exc):
                    raise tls_failure(_cert_error(exc), self.ca_bundle) from None
                raise self._failure("ConnectionError", _reason(exc)) from None
            except exceptions.NewConnectionError as exc:  # also a ConnectTimeoutError
                raise self._failure("ConnectionError", _reason(exc)) from None
            except exceptions.ConnectTimeoutError:
                raise self._failure("ConnectTimeout", "connecting timed out") from None
            except exceptions.ReadTimeoutError:
                raise self._late(_local.timer, "no answer within the read timeout") from None
            except exceptions.ProxyError as exc:
                if is_cert_failure(exc):
                    raise tls_failure(_cert_error(exc), self.ca_bundle) from None
                status = _tunnel_status(exc)
                if status is not None:
                    raise self._tunnel_refused(status) from None
                raise self._failure("ProxyError", _reason(exc)) from None
            except (exceptions.HTTPError, OSError) as exc:
                if _fired(_local.timer):
                    raise self._late(_local.timer, "") from None
                raise self._failure("ConnectionError", _reason(exc)) from None
            content = self._read_body(response, exceptions, max_body)
        finally:
            timer, _local.timer, _local.limits = _local.timer, None, None
            fired = timer is not None and self._watchdog.disarm(timer)
            if fired and response is not None:
                response.close()
        if fired:
            raise self._late(timer, "the answer was cut at the read timeout")
        response.release_conn()
        if self.proxy is not None and response.status == 407:
            raise TransportFailure(  # the same credentials get the same answer: permanent
                "ProxyAuthenticationFailed",
                f"proxy authentication failed: the proxy {self.proxy} answered HTTP 407 "
                "(Proxy Authentication Required): set the right user and password in the "
                "proxy URL (http://user:password@host:port)",
                permanent=True,
            )
        return answer_from(response.status, content, response.headers)

    def _request_direct(self, pool: DirectPool, method: str, target: str,
                        connect_timeout: float, read_timeout: float,
                        deadline_at: float | None, extra_headers: Mapping[str, str],
                        body: bytes | None, max_body: int) -> Answer:
        try:
            connection, new = pool.acquire(connect_timeout)
        except ssl.SSLCertVerificationError as exc:
            raise tls_failure(exc, self.ca_bundle) from None
        except ssl.SSLError as exc:
            raise self._failure("ConnectionError", f"SSLError: {exc.reason or exc}") from None
        except (TimeoutError, ConnectingTimedOut):
            raise self._failure("ConnectTimeout", "connecting timed out") from None
        except OSError as exc:
            if is_cert_failure(exc):
                raise tls_failure(_cert_error(exc), self.ca_bundle) from None
            raise self._failure("ConnectionError", _reason(exc)) from None
        timer: Timer | None = None
        answered = reusable = False
        try:
            sock = connection.sock
            sock.settimeout(read_timeout)
            connection.putrequest(method, target, skip_accept_encoding=True)
            sent = {"User-Agent": USER_AGENT, **extra_headers, "Accept-Encoding": "identity"}
            if body is not None:
                sent["Content-Length"] = str(len(body))
            for name, value in sent.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            timer = self._watchdog.arm(sock, _answer_deadline(read_timeout, deadline_at))
            response = connection.getresponse()
            answered = True
            # Lower-case names, the first of a repeated header (HTTPMessage.get scans
            # every header on each lookup).
            headers = {name.lower(): value for name, value in reversed(response.getheaders())}
            length = response.length  # Content-Length as http.client parsed it, or None
            if length is not None and length > max_body:
                raise BodyTooLarge()
            decoder = BodyDecoder(headers.get("content-encoding"), max_body)
            if length is not None:
                decoder.feed(response.read())  # IncompleteRead if the body is cut short
            else:  # chunked or close-delimited: the decoder enforces the cap as it goes
                while data := response.read(_READ_SIZE):
                    decoder.feed(data)
            content = decoder.finish()
            reusable = not response.will_close
        except (BodyTooLarge, UndecodableBody):
            raise
        except TimeoutError:
            raise self._late(timer, "the answer stalled mid-body" if answered
                             else "no answer within the read timeout") from None
        except (http.client.HTTPException, OSError) as exc:
            if _fired(timer):
                raise self._late(timer, "") from None
            raise self._failure("ConnectionError", _reason(exc)) from None
        finally:
            fired = timer is not None and self._watchdog.disarm(timer)
            pool.release(connection, new, reusable and not fired)
        if fired:
            raise self._late(timer, "the answer was cut at the read timeout")
        # The request line, as urllib3 logs it at DEBUG (the logger's filter masks secrets).
        log.debug('%s "%s %s HTTP/1.1" %s %s', self.base_url, method, target,
                  response.status, len(content))
        return answer_from(response.status, content, headers)

    def _read_body(self, response, exceptions, cap: int) -> bytes:  # type: ignore[no-untyped-def]
        try:
            length = response.headers.get("content-length")
            if length is not None and length.strip().isdigit() and int(length) > cap:
                raise BodyTooLarge()
            decoder = BodyDecoder(response.headers.get("content-encoding"), cap)
            while data := response.read(_READ_SIZE, decode_content=False):
                decoder.feed(data)
            return decoder.finish()
        except (BodyTooLarge, UndecodableBody):
            response.close()  # do not drain megabytes just to reuse the socket
            raise
        except exceptions.ReadTimeoutError:
            response.close()
            raise self._late(_local.timer, "the answer stalled mid-body") from None
        except (exceptions.HTTPError, OSError) as exc:
            response.close()
            if _fired(_local.timer):
                raise self._late(_local.timer, "") from None
            raise self._failure("ConnectionError", _reason(exc)) from None

    def _tunnel_refused(self, status: int) -> TransportFailure:
        """The failure of a CONNECT the proxy answered with ``status`` instead of 200.

        A refusal (4xx but 408 and 429) is permanent for this endpoint: the same CONNECT
        through the same proxy gets the same answer, so it is not retried; 407 means the
        proxy's user or password is wrong or missing. Others (5xx, 408, 429) may pass.
        """
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = f"{parts.netloc.rsplit(':', 1)[0] if parts.port else parts.netloc}:{port}"
        where = f"the proxy {self.proxy} answered the CONNECT to {target} with HTTP {status}"
        if status == 407:
            return TransportFailure(
                "ProxyAuthenticationFailed",
                f"proxy authentication failed: {where} (Proxy Authentication Required): set "
                "the right user and password in HTTPS_PROXY (http://user:password@host:port)",
                permanent=True,
            )
        if 400 <= status < 500 and status not in (408, 429):
            return TransportFailure(
                "ProxyRefused",
                f"{where}: it refuses to tunnel to this endpoint. Allow it on the proxy, use "
                "another proxy in HTTPS_PROXY, or list the endpoint's host in NO_PROXY",
                permanent=True,
            )
        return TransportFailure("ProxyError", f"{where}, which may pass: retried")

    def _late(self, timer: Timer | None, detail: str) -> TransportFailure:
        if _fired(timer) or not detail:
            detail = "the whole answer did not arrive within the read timeout"
        return self._failure("ReadTimeout", detail)

    def _failure(self, kind: str, detail: str) -> TransportFailure:
        if self.proxy is not None:
            detail = f"{detail} (through the proxy {self.proxy})"
        return TransportFailure(kind, redaction.scrub(detail))

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
            return
        self._pool.close()
        self._manager.clear()


def _answer_deadline(read_timeout: float, deadline_at: float | None) -> float:
    at = time.monotonic() + read_timeout
    return at if deadline_at is None else min(at, deadline_at)


_TUNNEL_FAILED = re.compile(r"Tunnel connection failed: (\d{3})\b")


def _tunnel_status(exc: BaseException) -> int | None:
    """The HTTP status a proxy answered a CONNECT with, from http.client's
    ``OSError("Tunnel connection failed: 404 Not Found")`` that urllib3 wraps; else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        match = _TUNNEL_FAILED.search(str(current))
        if match:
            return int(match.group(1))
        nested = [a for a in current.args if isinstance(a, BaseException)]
        current = nested[-1] if nested else (current.__cause__ or current.__context__)
    return None


def _fired(timer: Timer | None) -> bool:
    return timer is not None and timer.fired


def _reason(exc: BaseException) -> str:
    """A short cause: the OS error if there is one, without urllib3's object reprs."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__module__ == "builtins" and isinstance(seen, OSError) and seen.strerror:
            return f"{type(seen).__name__}: {seen.strerror}"
        nested = [a for a in seen.args if isinstance(a, BaseException)]
        seen = nested[-1] if nested else seen.__context__
    text = re.sub(r"<[^<>]* object at 0x[0-9a-f]+>:?\s*", "", str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@functools.lru_cache(maxsize=8)
def tls_context(cafile: str) -> ssl.SSLContext:
    """The verifying client context of a CA bundle (loading certifi's bundle costs
    milliseconds, so one per bundle)."""
    return ssl.create_default_context(cafile=cafile)


def default_ca_bundle() -> str:
    """certifi's CA bundle: the trust store when no CA-bundle variable is set."""
    import certifi

    return certifi.where()


def _user_agent() -> str:
    import platform

    from .. import __version__

    return f"pulumi-aliread/{__version__} Python/{platform.python_version()}"


USER_AGENT = _user_agent()
