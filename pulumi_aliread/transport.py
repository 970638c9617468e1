"""HTTP for signed GETs: pooled keep-alive connections, timeouts, a cap on body size.

Uses the urllib3 that aliyun-python-sdk-core vendors (thread-safe pools, no extra
dependency). One ``Transport`` per base URL (and proxy) is shared by every thread.

Proxies come from the environment as urllib and aliyun-python-sdk-core read them:
``HTTPS_PROXY`` for https endpoints, ``HTTP_PROXY`` for http ones (lowercase names win),
``NO_PROXY`` honoured; loopback hosts are never proxied. https goes through a CONNECT
tunnel; http sends the absolute URL to the proxy. ``user:password@`` in the proxy URL
becomes a ``Proxy-Authorization`` header and never appears in messages or logs.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from . import redaction
from .errors import InvalidInputError

MAX_BODY_BYTES = 4 * 1024 * 1024  # answers of these APIs are a few KB
_POOL_SIZE = 64

_URLLIB3 = "aliyunsdkcore.vendored.requests.packages.urllib3"
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
    if parts.scheme not in ("http", "https") or not host or _is_loopback(host):
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
    from urllib.request import proxy_bypass_environment  # only when a proxy is set

    if proxy_bypass_environment(netloc, proxies):
        return None
    return proxy


@functools.lru_cache(maxsize=256)
def _is_loopback(host: str) -> bool:
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


def _parse_proxy(proxy: str) -> _Proxy:
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
    """The request got no usable HTTP answer (reset, refused, timed out, cut short)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class BodyTooLarge(Exception):
    """The answer's body exceeded ``MAX_BODY_BYTES``."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    request_id: str | None


class Transport:
    """A connection pool to one base URL (``scheme://host[:port]``).

    ``proxy``: a proxy URL (``http://[user:password@]host:port``), None for a direct
    connection, or by default what ``proxy_for`` decides from the environment.
    """

    def __init__(self, base_url: str, proxy: str | None | _FromEnvironment = FROM_ENVIRONMENT
                 ) -> None:
        from aliyunsdkcore.vendored.requests.packages import urllib3

        redaction.protect_logger(f"{_URLLIB3}.connectionpool")
        redaction.protect_logger(f"{_URLLIB3}.poolmanager")
        if isinstance(proxy, _FromEnvironment):
            proxy = proxy_for(base_url)
        self.base_url = base_url
        self._urllib3 = urllib3
        options: dict[str, object] = {"maxsize": _POOL_SIZE, "block": False, "retries": False}
        if base_url.startswith("https://"):
            options["cert_reqs"] = "CERT_REQUIRED"
            options["ca_certs"] = os.environ.get("ALIBABA_CLOUD_CA_BUNDLE") or _ca_bundle()
        self._manager = None
        self._absolute = False  # an http proxy wants the absolute URL in the request line
        self.proxy: str | None = None  # credential-free, for messages
        if proxy:
            parsed = _parse_proxy(proxy)
            self.proxy = parsed.url
            self._manager = urllib3.ProxyManager(
                parsed.url, num_pools=1, proxy_headers=parsed.headers, **options
            )
            self._pool = self._manager.connection_from_url(base_url)
            self._absolute = base_url.startswith("http://")
            log.debug("requests to %s go through the proxy %s", base_url, parsed.url)
        else:
            self._pool = urllib3.connection_from_url(base_url, **options)

    def get(self, path_and_query: str, connect_timeout: float, read_timeout: float) -> Answer:
        """Send one GET; return the answer, or raise TransportFailure / BodyTooLarge."""
        urllib3 = self._urllib3
        exceptions = urllib3.exceptions
        timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        target = self.base_url + path_and_query if self._absolute else path_and_query
        try:
            response = self._pool.urlopen(
                "GET",
                target,
                headers={"Accept-Encoding": "identity", "User-Agent": USER_AGENT},
                timeout=timeout,
                retries=False,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
        except exceptions.NewConnectionError as exc:  # a ConnectTimeoutError in urllib3 1.x
            raise self._failure("ConnectionError", _reason(exc)) from None
        except exceptions.ConnectTimeoutError:
            raise self._failure("ConnectTimeout", "connecting timed out") from None
        except exceptions.ReadTimeoutError:
            raise self._failure("ReadTimeout", "no answer within the read timeout") from None
        except exceptions.ProxyError as exc:
            raise self._failure("ProxyError", _reason(exc)) from None
        except (exceptions.HTTPError, OSError) as exc:
            raise self._failure("ConnectionError", _reason(exc)) from None
        try:
            body = response.read(MAX_BODY_BYTES + 1)
        except exceptions.ReadTimeoutError:
            response.close()
            raise self._failure("ReadTimeout", "the answer stalled mid-body") from None
        except (exceptions.HTTPError, OSError) as exc:
            response.close()
            raise self._failure("ConnectionError", _reason(exc)) from None
        if len(body) > MAX_BODY_BYTES:
            response.close()  # do not drain megabytes just to reuse the socket
            raise BodyTooLarge()
        response.release_conn()
        if self.proxy is not None and response.status == 407:
            raise self._failure(
                "ProxyError", "the proxy asks for authentication (HTTP 407): check the "
                "user and password in HTTPS_PROXY / HTTP_PROXY"
            )
        return Answer(response.status, body, response.headers.get("x-acs-request-id"))

    def _failure(self, kind: str, detail: str) -> TransportFailure:
        if self.proxy is not None:
            detail = f"{detail} (through the proxy {self.proxy})"
        return TransportFailure(kind, redaction.scrub(detail))

    def close(self) -> None:
        self._pool.close()
        if self._manager is not None:
            self._manager.clear()


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


def _ca_bundle() -> str:
    from aliyunsdkcore.vendored.requests.packages import certifi

    return certifi.where()


def _user_agent() -> str:
    import platform

    from . import __version__

    return f"pulumi-aliread/{__version__} Python/{platform.python_version()}"


USER_AGENT = _user_agent()
_transports: dict[tuple[str, str | None], Transport] = {}
_lock = threading.Lock()


def transport_for(base_url: str) -> Transport:
    """The shared Transport of ``base_url`` and the proxy the environment names for it
    (created once, reused by every thread)."""
    key = (base_url, proxy_for(base_url))
    transport = _transports.get(key)
    if transport is None:
        with _lock:
            transport = _transports.get(key)
            if transport is None:
                transport = _transports[key] = Transport(base_url, proxy=key[1])
    return transport
