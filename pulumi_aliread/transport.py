"""HTTP for signed GETs: pooled keep-alive connections, timeouts, a cap on body size.

Uses the urllib3 that aliyun-python-sdk-core vendors (thread-safe pools, no extra
dependency). One ``Transport`` per base URL is shared by every thread.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass

from . import redaction

MAX_BODY_BYTES = 4 * 1024 * 1024  # answers of these APIs are a few KB
_POOL_SIZE = 64

_URLLIB3 = "aliyunsdkcore.vendored.requests.packages.urllib3"


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
    """A connection pool to one base URL (``scheme://host[:port]``)."""

    def __init__(self, base_url: str) -> None:
        from aliyunsdkcore.vendored.requests.packages import urllib3

        redaction.protect_logger(f"{_URLLIB3}.connectionpool")
        self.base_url = base_url
        self._urllib3 = urllib3
        options: dict[str, object] = {"maxsize": _POOL_SIZE, "block": False, "retries": False}
        if base_url.startswith("https://"):
            options["cert_reqs"] = "CERT_REQUIRED"
            options["ca_certs"] = os.environ.get("ALIBABA_CLOUD_CA_BUNDLE") or _ca_bundle()
        self._pool = urllib3.connection_from_url(base_url, **options)

    def get(self, path_and_query: str, connect_timeout: float, read_timeout: float) -> Answer:
        """Send one GET; return the answer, or raise TransportFailure / BodyTooLarge."""
        urllib3 = self._urllib3
        exceptions = urllib3.exceptions
        timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        try:
            response = self._pool.urlopen(
                "GET",
                path_and_query,
                headers={"Accept-Encoding": "identity", "User-Agent": _USER_AGENT},
                timeout=timeout,
                retries=False,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
        except exceptions.NewConnectionError as exc:  # a ConnectTimeoutError in urllib3 1.x
            raise TransportFailure("ConnectionError", _reason(exc)) from None
        except exceptions.ConnectTimeoutError:
            raise TransportFailure("ConnectTimeout", "connecting timed out") from None
        except exceptions.ReadTimeoutError:
            raise TransportFailure("ReadTimeout", "no answer within the read timeout") from None
        except (exceptions.HTTPError, OSError) as exc:
            raise TransportFailure("ConnectionError", _reason(exc)) from None
        try:
            body = response.read(MAX_BODY_BYTES + 1)
        except exceptions.ReadTimeoutError:
            response.close()
            raise TransportFailure("ReadTimeout", "the answer stalled mid-body") from None
        except (exceptions.HTTPError, OSError) as exc:
            response.close()
            raise TransportFailure("ConnectionError", _reason(exc)) from None
        if len(body) > MAX_BODY_BYTES:
            response.close()  # do not drain megabytes just to reuse the socket
            raise BodyTooLarge()
        response.release_conn()
        return Answer(response.status, body, response.headers.get("x-acs-request-id"))

    def close(self) -> None:
        self._pool.close()


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


_USER_AGENT = _user_agent()
_transports: dict[str, Transport] = {}
_lock = threading.Lock()


def transport_for(base_url: str) -> Transport:
    """The shared Transport of ``base_url`` (created once, reused by every thread)."""
    transport = _transports.get(base_url)
    if transport is None:
        with _lock:
            transport = _transports.get(base_url)
            if transport is None:
                transport = _transports[base_url] = Transport(base_url)
    return transport
