"""Proxies: HTTPS_PROXY / HTTP_PROXY / NO_PROXY decide the route (loopback never proxied);
a Transport with a proxy really goes through it (an in-test forward proxy relaying to the
emulator); proxy credentials never show in error messages or logs."""

from __future__ import annotations

import base64
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pulumi
import pytest
from pulumi_helpers import stack_config

import pulumi_aliread as aliread
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE
from pulumi_aliread.core.http import proxy_for
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Emulator
from pulumi_aliread.testing.mocks import ProviderMocks

PROXY_ENV = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
             "all_proxy", "ALL_PROXY", "REQUEST_METHOD")
PASSWORD = "pr0xy-pa55word-7c1e"

RM = "https://resourcemanager.aliyuncs.com"
LINKWAN = "https://linkwan.cn-shanghai.aliyuncs.com"
GATEWAY = "http://gateway.example.com:8080"


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_ENV:
        monkeypatch.delenv(name, raising=False)


# --- the decision ------------------------------------------------------------------------

@pytest.mark.parametrize(("base_url", "env", "expected"), [
    (RM, {}, None),
    (RM, {"HTTPS_PROXY": "http://p:3128"}, "http://p:3128"),
    (RM, {"https_proxy": "http://lower:3128", "HTTPS_PROXY": "http://upper:3128"},
     "http://lower:3128"),
    (RM, {"https_proxy": "", "HTTPS_PROXY": "http://upper:3128"}, None),  # lowercase wins
    (RM, {"HTTP_PROXY": "http://p:3128"}, None),  # https uses HTTPS_PROXY only
    (GATEWAY, {"HTTP_PROXY": "http://p:3128"}, "http://p:3128"),
    (GATEWAY, {"HTTPS_PROXY": "http://p:3128"}, None),  # http uses HTTP_PROXY only
    (GATEWAY, {"HTTP_PROXY": "http://p:3128", "REQUEST_METHOD": "GET"}, None),  # httpoxy
    (GATEWAY, {"http_proxy": "http://p:3128", "REQUEST_METHOD": "GET"}, "http://p:3128"),
    (RM, {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "*"}, None),
    (RM, {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "resourcemanager.aliyuncs.com"}, None),
    (RM, {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "aliyuncs.com"}, None),
    (RM, {"HTTPS_PROXY": "http://p:3128", "no_proxy": " .aliyuncs.com , x"}, None),
    (RM, {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "RESOURCEMANAGER.aliyuncs.COM"}, None),
    (LINKWAN, {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "resourcemanager.aliyuncs.com"},
     "http://p:3128"),
    (RM, {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "yuncs.com"}, "http://p:3128"),
    (GATEWAY, {"HTTP_PROXY": "http://p:3128", "NO_PROXY": "gateway.example.com:8080"}, None),
    (GATEWAY, {"HTTP_PROXY": "http://p:3128", "NO_PROXY": "gateway.example.com:9090"},
     "http://p:3128"),
    ("http://127.0.0.1:8080", {"HTTP_PROXY": "http://p:3128"}, None),
    ("http://127.9.8.7:8080", {"HTTP_PROXY": "http://p:3128"}, None),
    ("http://[::1]:8080", {"HTTP_PROXY": "http://p:3128"}, None),
    ("http://localhost:8080", {"HTTP_PROXY": "http://p:3128"}, None),
    ("https://LOCALHOST", {"HTTPS_PROXY": "http://p:3128"}, None),
    ("http://10.0.0.5:8080", {"HTTP_PROXY": "http://p:3128"}, "http://p:3128"),
    ("http://[fd00::5]:8080", {"HTTP_PROXY": "http://p:3128", "NO_PROXY": "fd00::5"}, None),
])
def test_proxy_decision(base_url: str, env: dict[str, str], expected: str | None) -> None:
    assert proxy_for(base_url, env) == expected


def test_proxy_decision_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://p:3128")
    assert proxy_for(RM) == "http://p:3128"
    monkeypatch.setenv("NO_PROXY", ".aliyuncs.com")
    assert proxy_for(RM) is None


def test_a_clients_route_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with aliread.Client() as reader:
        assert reader.proxy_for(RM) is None
        monkeypatch.setenv("HTTPS_PROXY", f"http://user:{PASSWORD}@proxy.internal:3128")
        assert reader.proxy_for(RM) == f"http://user:{PASSWORD}@proxy.internal:3128"
        assert PASSWORD not in repr(reader)


def test_an_unsupported_proxy_scheme_is_refused_clearly() -> None:
    with pytest.raises(aliread.InvalidInputError, match="'socks5' is not supported") as caught:
        aliread.Client(proxy=f"socks5://user:{PASSWORD}@proxy.internal:1080")
    assert PASSWORD not in str(caught.value)


# --- a forward proxy, relaying to the emulator -------------------------------------------

class ForwardProxy:
    """A tiny forward HTTP proxy: absolute-URI GETs are relayed to ``upstream`` (whatever
    host they name); CONNECT is refused with ``connect_status`` (default 403). It records
    what it saw."""

    def __init__(self, upstream: str, *, require_auth: str | None = None,
                 connect_status: int = 403) -> None:
        self.upstream = upstream
        self.connect_status = connect_status
        self.require_auth = require_auth
        self.seen: list[tuple[str, str, str | None]] = []  # (method, target, proxy auth)
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _record(self) -> bool:
                auth = self.headers.get("Proxy-Authorization")
                with proxy.lock:
                    proxy.seen.append((self.command, self.path, auth))
                if proxy.require_auth is not None and auth != proxy.require_auth:
                    self._reply(407, b"proxy authentication required",
                                {"Proxy-Authenticate": 'Basic realm="test"'})
                    return False
                return True

            def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_CONNECT(self) -> None:  # noqa: N802
                if self._record():
                    self._reply(proxy.connect_status, b"no tunnels here", {})

            def do_GET(self) -> None:  # noqa: N802
                if not self._record():
                    return
                parts = urlsplit(self.path)
                if not parts.scheme:  # a proxy only takes absolute URIs
                    self._reply(400, b"absolute URI required", {})
                    return
                target = proxy.upstream + parts.path + ("?" + parts.query if parts.query else "")
                direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                try:
                    with direct.open(target, timeout=10) as answer:
                        status, body, headers = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as error:
                    status, body, headers = error.code, error.read(), error.headers
                relayed = {k: v for k, v in headers.items()
                           if k.lower() in ("content-type", "x-acs-request-id")}
                self._reply(status, body, relayed)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def gets(self) -> list[str]:
        with self.lock:
            return [target for method, target, _ in self.seen if method == "GET"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def forward_proxy(emulator: Emulator) -> Iterator[ForwardProxy]:
    proxy = ForwardProxy(emulator.url, require_auth=_basic("ci", PASSWORD))
    yield proxy
    proxy.close()


def _with_credentials(proxy: ForwardProxy, password: str = PASSWORD) -> str:
    return proxy.url.replace("http://", f"http://ci:{password}@")


def test_a_signed_read_goes_through_an_explicit_proxy(
    emulator: Emulator, credentials: tuple[str, str], forward_proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with aliread.Client(proxy=_with_credentials(forward_proxy)) as reader:
        result = reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=emulator.url)
        again = reader.read(AUTH_ORDER, SEED_ORDER_ID, endpoint=emulator.url)

    assert result.status == "Pending" and result.request_id
    assert again.order_state == "ACCEPTED"
    gets = forward_proxy.gets()
    assert len(gets) == 2 == emulator.count()
    assert all(target.startswith(emulator.url + "/?") for target in gets)  # absolute URIs
    assert "Action=GetHandshake" in gets[0] and "Signature=" in gets[0]


def test_http_proxy_from_the_environment_is_used(
    emulator: Emulator, credentials: tuple[str, str], forward_proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A name no resolver knows: only the proxy (which relays every host to the emulator)
    # makes this read work, so success proves the environment's proxy was used.
    port = urlsplit(emulator.url).port
    endpoint = f"http://aliread-gateway.invalid:{port}"
    monkeypatch.setenv("HTTP_PROXY", _with_credentials(forward_proxy))

    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=endpoint, max_attempts=1,
                                   allow_insecure_http=True)

    assert result.handshake_id == SEED_HANDSHAKE_ID
    assert forward_proxy.gets()[0].startswith(endpoint + "/?")
    assert forward_proxy.seen[0][2] == _basic("ci", PASSWORD)


def test_https_goes_through_a_connect_tunnel(forward_proxy: ForwardProxy,
                                             credentials: tuple[str, str],
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with aliread.Client(proxy=_with_credentials(forward_proxy)) as tunnel, \
            pytest.raises(aliread.ApiError) as caught:
        tunnel.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=RM, max_attempts=3,
                    connect_timeout=2, read_timeout=2)

    method, target, auth = forward_proxy.seen[0]
    assert (method, target) == ("CONNECT", "resourcemanager.aliyuncs.com:443")
    assert auth == _basic("ci", PASSWORD)
    assert caught.value.code == "ProxyRefused" and caught.value.attempts == 1
    assert forward_proxy.url in str(caught.value) and "HTTP 403" in str(caught.value)
    assert PASSWORD not in str(caught.value) and PASSWORD not in caplog.text


def _connects(proxy: ForwardProxy) -> int:
    with proxy.lock:
        return sum(method == "CONNECT" for method, _, _ in proxy.seen)


@pytest.mark.parametrize("status", [403, 404, 405])
def test_a_proxy_refusing_the_tunnel_is_permanent_and_named(
    status: int, emulator: Emulator, credentials: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Before: no code in the line, and the CONNECT was sent max_attempts times.
    proxy = ForwardProxy(emulator.url, connect_status=status)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    try:
        with pytest.raises(aliread.AlireadError) as refused:
            aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=RM, max_attempts=3,
                                  backoff_base=0.01)
    finally:
        proxy.close()
    message = str(refused.value)
    assert refused.value.code == "ProxyRefused" and type(refused.value) is aliread.ApiError
    assert "could not connect securely" not in message
    assert _connects(proxy) == 1  # not retried
    assert proxy.url in message and f"HTTP {status}" in message
    assert "resourcemanager.aliyuncs.com:443" in message and "NO_PROXY" in message


def test_a_proxy_refusing_the_credentials_says_authentication_failed(
    emulator: Emulator, credentials: tuple[str, str], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wr0ng-pa55word-5e2a"
    proxy = ForwardProxy(emulator.url, require_auth=_basic("ci", PASSWORD))
    monkeypatch.setenv("HTTPS_PROXY", _with_credentials(proxy, wrong))
    try:
        with pytest.raises(aliread.AlireadError) as refused:
            aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=RM, max_attempts=3,
                                  backoff_base=0.01)
    finally:
        proxy.close()
    message = str(refused.value)
    assert refused.value.code == "ProxyAuthenticationFailed"
    assert type(refused.value) is aliread.ApiError
    assert "proxy authentication failed" in message and "HTTP 407" in message
    assert _connects(proxy) == 1
    assert proxy.url in message
    for text in (message, caplog.text):
        assert wrong not in text and "ci:" not in text


def test_a_proxy_failing_the_tunnel_for_now_is_retried(
    emulator: Emulator, credentials: tuple[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = ForwardProxy(emulator.url, connect_status=503)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    try:
        with pytest.raises(aliread.ServiceUnavailableError) as failed:
            aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=RM, max_attempts=2,
                                  backoff_base=0.01)
    finally:
        proxy.close()
    assert failed.value.code == "ProxyError" and "HTTP 503" in str(failed.value)
    assert _connects(proxy) == 2


def test_proxy_credentials_never_reach_messages_or_logs(
    emulator: Emulator, credentials: tuple[str, str], forward_proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wr0ng-pa55word-91d3"
    with aliread.Client(proxy=_with_credentials(forward_proxy, wrong)) as reader, \
            pytest.raises(aliread.ApiError, match="HTTP 407") as refused:
        reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=emulator.url, max_attempts=3,
                    backoff_base=0.01)
    assert emulator.count() == 0
    # As through a CONNECT tunnel: a proxy refusing the credentials is not retried.
    assert refused.value.code == "ProxyAuthenticationFailed"
    assert (refused.value.attempts, refused.value.stop_reason) == (1, "permanent")
    assert len(forward_proxy.seen) == 1

    forward_proxy.close()  # nothing listens there any more
    with aliread.Client(proxy=_with_credentials(forward_proxy)) as reader, \
            pytest.raises(aliread.ServiceUnavailableError, match="through the proxy") as down:
        reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=emulator.url, max_attempts=1,
                    connect_timeout=2)

    for text in (str(refused.value), str(down.value), caplog.text):
        assert wrong not in text and PASSWORD not in text
        assert "ci:" not in text
    assert forward_proxy.url in str(down.value)


def test_output_reads_behind_a_proxy_go_through_it(
    emulator: Emulator, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Through the proxy the environment names, as every other read.
    port = urlsplit(emulator.url).port
    endpoint = f"http://aliread-gateway.invalid:{port}"
    monkeypatch.setenv("HTTP_PROXY", _with_credentials(forward_proxy))

    def program() -> None:
        read = aliread.get_handshake_output(SEED_HANDSHAKE_ID, endpoint=endpoint,
                                            max_attempts=1, allow_insecure_http=True)
        pulumi.export("status", read.status)

    exported = ProviderMocks(stack_config(emulator)).run(program)

    assert exported == {"status": "Pending"}
    assert forward_proxy.gets()[0].startswith(endpoint + "/?")
    assert emulator.count() == 1
