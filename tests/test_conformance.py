"""One conformance suite for both ways of calling: every framing and fault, fed to a
blocking caller (``Client.request``, what ``get_*`` and the CLI wait on) and to a caller
on another event loop (``Client.request_async``, what ``get_*_output`` awaits), must end
the same way.

Waits are bounded by thread joins that fail a hung read; nothing asserts on wall time.
"""

from __future__ import annotations

import asyncio
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile import HostileServer, answer, bomb, drip, forward
from http_fronts import HttpFront, self_signed_tls

import pulumi_aliread as aliread
from pulumi_aliread.core import client, settings
from pulumi_aliread.core.apis import HANDSHAKE
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, Emulator

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}
PARAMS = {HANDSHAKE.id_param: SEED_HANDSHAKE_ID}
HUNG = 60  # s: a read still running after this is hung (the test fails)

PATHS = ["blocking", "event-loop"]
CA_BUNDLE_VARIABLES = ["ALIBABA_CLOUD_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"]


def read(path: str, endpoint: str, reader: aliread.Client | None = None, **options: Any) -> Any:
    """One read of the seed handshake through ``path``; bounded: a hung read fails."""
    call = settings.resolve(HANDSHAKE, config={}, endpoint=endpoint, **options)
    reader = reader or aliread.Client()
    creds = reader.credentials({})
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            if path == "blocking":
                outcome["result"] = reader.request(HANDSHAKE, PARAMS, call, creds)
            else:
                outcome["result"] = asyncio.run(
                    reader.request_async(HANDSHAKE, PARAMS, call, creds))
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HUNG)
    assert not worker.is_alive(), f"the {path} read was still running after {HUNG} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def serve(emulator: Emulator, credentials: Any) -> Iterator[Callable[..., HostileServer]]:
    servers: list[HostileServer] = []

    def start(*steps: Any, **options: Any) -> HostileServer:
        server = HostileServer(emulator.url, list(steps), **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


# --- framings (the fronts the suite already had) -------------------------------------------

@pytest.mark.parametrize("mode", ["length", "chunked", "eof", "continue"])
def test_every_framing_of_a_good_answer(path: str, mode: str, emulator: Emulator,
                                        credentials: Any) -> None:
    front = HttpFront(emulator.url, mode)
    try:
        assert read(path, front.url).handshake_id == SEED_HANDSHAKE_ID
    finally:
        front.close()


@pytest.mark.parametrize(("mode", "kind", "code"), [
    ("truncated", aliread.ServiceUnavailableError, "ConnectionError"),
    ("garbage", aliread.ServiceUnavailableError, "ConnectionError"),
    ("huge-length", aliread.ResponseValidationError, "ResponseValidationError"),
])
def test_every_broken_framing(path: str, mode: str, kind: type, code: str,
                              emulator: Emulator, credentials: Any) -> None:
    front = HttpFront(emulator.url, mode)
    try:
        with pytest.raises(kind) as caught:
            read(path, front.url, max_attempts=2, **FAST)
    finally:
        front.close()
    assert caught.value.code == code


# --- 1. time: the whole answer within read_timeout, every attempt within the deadline ----

@pytest.mark.parametrize("head_too", [False, True], ids=["body", "status-line"])
def test_a_dripped_answer_is_cut_at_the_read_timeout(path: str, head_too: bool,
                                                     serve: Callable[..., HostileServer]
                                                     ) -> None:
    # 1000 bytes at 5 a second: 200 s if each byte restarted the clock.
    server = serve(drip(0.2, head_too=head_too))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        read(path, server.url, read_timeout=1, deadline=10, max_attempts=1)
    assert caught.value.code == "ReadTimeout"
    assert server.requests == 1


def test_every_attempt_ends_by_the_deadline(path: str,
                                            serve: Callable[..., HostileServer]) -> None:
    server = serve(drip(0.2))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        read(path, server.url, read_timeout=30, deadline=1.5, max_attempts=5, **FAST)
    assert caught.value.code == "ReadTimeout"
    assert server.requests == 1  # the deadline left no time for a second attempt


# --- 2, 3. compression: decoded within the cap, the same on both paths ------------------

@pytest.mark.parametrize("encoding", ["gzip", "deflate", "deflate-raw"])
def test_a_compressed_answer_is_decoded(path: str, encoding: str,
                                        serve: Callable[..., HostileServer]) -> None:
    server = serve(forward(encoding))
    result = read(path, server.url)
    assert result.handshake_id == SEED_HANDSHAKE_ID and result.status == "Pending"


def test_an_unknown_encoding_is_refused_by_name(path: str,
                                                serve: Callable[..., HostileServer]) -> None:
    server = serve(forward("br"))
    with pytest.raises(aliread.ResponseValidationError, match="Content-Encoding 'br'"):
        read(path, server.url)
    assert server.requests == 1


def test_corrupt_gzip_is_refused(path: str, serve: Callable[..., HostileServer]) -> None:
    server = serve(answer(200, b"\x1f\x8b\x08\x00garbage", Content_Encoding="gzip"))
    with pytest.raises(aliread.ResponseValidationError, match="gzip"):
        read(path, server.url)


def test_a_gzip_bomb_stays_within_the_cap(path: str,
                                          serve: Callable[..., HostileServer]) -> None:
    server = serve(bomb(256 << 20))  # 256 KB on the wire, 256 MiB inflated
    tracemalloc.start()
    try:
        with pytest.raises(aliread.ResponseValidationError, match="larger than 4 MiB"):
            read(path, server.url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 24 << 20, f"peak {peak >> 20} MiB while refusing a 256 MiB bomb"
    assert server.requests == 1


# --- 5. TLS: a certificate that does not verify is permanent and names the setting --------

def test_an_unverified_certificate_is_permanent(path: str, tmp_path: Path,
                                                serve: Callable[..., HostileServer]) -> None:
    tls, _ = self_signed_tls(tmp_path)
    server = serve(forward(), tls=tls)
    with pytest.raises(aliread.TlsVerificationError) as caught:
        read(path, server.url, **FAST)
    assert "ALIBABA_CLOUD_CA_BUNDLE" in str(caught.value)
    assert not isinstance(caught.value, aliread.ServiceUnavailableError)
    assert server.accepted == 1 and server.requests == 0  # sent once, never retried


def test_an_unverified_certificate_names_the_bundle_in_effect(
    path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    serve: Callable[..., HostileServer],
) -> None:
    for name in CA_BUNDLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    other = tmp_path / "other"
    other.mkdir()
    _, other_cert = self_signed_tls(other)  # a bundle that does not hold the server's CA
    tls, _ = self_signed_tls(tmp_path)
    server = serve(forward(), tls=tls)
    monkeypatch.setenv("SSL_CERT_FILE", str(other_cert))
    with pytest.raises(aliread.TlsVerificationError) as caught:
        read(path, server.url, **FAST)
    assert f"{other_cert} (named by SSL_CERT_FILE)" in str(caught.value)
    assert "certifi'" not in str(caught.value) and "(certifi)" not in str(caught.value)


def test_a_bad_ca_bundle_names_the_next_one_as_the_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, cert_file = self_signed_tls(tmp_path)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    for bad in (tmp_path / "missing.pem", tmp_path / "bad.pem"):
        (tmp_path / "bad.pem").write_text("not a certificate\n")
        monkeypatch.setenv("ALIBABA_CLOUD_CA_BUNDLE", str(bad))
        with pytest.raises(aliread.InvalidInputError) as caught:
            settings.ca_bundle()
        assert f"the one SSL_CERT_FILE names ({str(cert_file)!r})" in caught.value.message
        assert "(certifi)" not in caught.value.message


@pytest.mark.parametrize("variable", CA_BUNDLE_VARIABLES)
def test_each_ca_bundle_variable_is_honoured(path: str, variable: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             serve: Callable[..., HostileServer]) -> None:
    for name in CA_BUNDLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    tls, cert_file = self_signed_tls(tmp_path)
    server = serve(forward(), tls=tls)
    monkeypatch.setenv(variable, str(cert_file))
    assert read(path, server.url).handshake_id == SEED_HANDSHAKE_ID


def test_ca_bundle_variables_are_read_in_order(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    _, cert_file = self_signed_tls(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/requests.pem")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    monkeypatch.delenv("ALIBABA_CLOUD_CA_BUNDLE", raising=False)
    assert settings.ca_bundle() == str(cert_file)
    monkeypatch.setenv("ALIBABA_CLOUD_CA_BUNDLE", str(cert_file))
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ssl.pem")
    assert settings.ca_bundle() == str(cert_file)


@pytest.mark.parametrize("variable", CA_BUNDLE_VARIABLES)
@pytest.mark.parametrize("bundle", ["missing", "directory", "not-pem"])
def test_a_bad_ca_bundle_is_refused_before_any_request(path: str, variable: str, bundle: str,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       serve: Callable[..., HostileServer]
                                                       ) -> None:
    for name in CA_BUNDLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    target = {"missing": tmp_path / "nonexistent.pem", "directory": tmp_path,
              "not-pem": tmp_path / "bundle.pem"}[bundle]
    (tmp_path / "bundle.pem").write_text("not a certificate\n")
    monkeypatch.setenv(variable, str(target))
    tls, _ = self_signed_tls(tmp_path)
    server = serve(forward(), tls=tls)
    with pytest.raises(aliread.InvalidInputError, match=variable):
        read(path, server.url)
    assert server.accepted == 0


# --- 8. throttling: every signal retried, the hint honoured within the deadline -----------

THROTTLED = {"Code": "TooManyRequests", "Message": "Too many requests.",
             "RequestId": "5A1E-THROTTLED"}


@pytest.mark.parametrize(("status", "body", "headers"), [
    (429, THROTTLED, {"x_acs_retry_after": "100"}),
    (429, "<html>429 Too Many Requests</html>", {"Retry_After": "0"}),
    (400, {"Code": "Throttling.Api", "Message": "flow control", "RequestId": "R"}, {}),
    (503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "R"}, {}),
    (400, {"Code": "RequestThrottled", "Message": "slow down", "RequestId": "R"}, {}),
], ids=["429-TooManyRequests-hint", "429-html", "Throttling.Api", "503", "RequestThrottled"])
def test_every_throttling_signal_is_retried(path: str, status: int, body: Any,
                                            headers: dict[str, str],
                                            serve: Callable[..., HostileServer]) -> None:
    server = serve(answer(status, body, **headers), forward())
    reader = aliread.Client()
    assert read(path, server.url, reader, **FAST).handshake_id == SEED_HANDSHAKE_ID
    assert server.requests == 2
    if "x_acs_retry_after" in headers:  # 100 ms asked: the backoff (at most 50 ms) yields
        assert reader.metrics.backoff_seconds >= 0.1


def test_throttling_that_outlasts_the_retries_is_unavailable(
        path: str, serve: Callable[..., HostileServer]) -> None:
    server = serve(answer(429, THROTTLED, x_acs_retry_after="10"))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        read(path, server.url, max_attempts=3, **FAST)
    assert caught.value.code == "TooManyRequests" and caught.value.http_status == 429
    assert server.requests == 3


def test_a_hint_beyond_the_deadline_gives_up_at_once(
        path: str, serve: Callable[..., HostileServer]) -> None:
    server = serve(answer(429, THROTTLED, x_acs_retry_after="600000"), forward())
    with pytest.raises(aliread.ServiceUnavailableError, match="TooManyRequests"):
        read(path, server.url, deadline=5, **FAST)
    assert server.requests == 1  # no sleep past the deadline


# --- 11. answers that are not the API's: endpoint, status, Location named --------------------

@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_named_and_not_followed(path: str, status: int,
                                              serve: Callable[..., HostileServer]) -> None:
    server = serve(answer(status, "", Location="https://elsewhere.example.com/"))
    with pytest.raises(aliread.AlireadError) as caught:
        read(path, server.url)
    message = str(caught.value)
    assert f"HTTP {status}" in message and server.url in message
    assert "https://elsewhere.example.com/" in message and "not followed" in message
    assert not isinstance(caught.value, aliread.NotFoundError)
    assert server.requests == 1


def test_a_foreign_404_is_not_blamed_on_the_id(path: str,
                                               serve: Callable[..., HostileServer]) -> None:
    server = serve(answer(404, "<html><h1>404 Not Found</h1>nginx</html>",
                          Content_Type="text/html"))
    with pytest.raises(aliread.AlireadError) as caught:
        read(path, server.url)
    assert not isinstance(caught.value, aliread.NotFoundError)
    message = str(caught.value)
    assert "HTTP 404" in message and server.url in message and "endpoint" in message
    assert "check the id" not in message
    assert server.requests == 1


def test_the_apis_own_404_is_still_not_found(path: str, emulator: Emulator,
                                             credentials: Any) -> None:
    call_endpoint = emulator.url
    with pytest.raises(aliread.NotFoundError):
        call = settings.resolve(HANDSHAKE, config={}, endpoint=call_endpoint)
        creds = settings.resolve_credentials({})
        params = {HANDSHAKE.id_param: "h-doesnotexist0000"}
        if path == "blocking":
            client.default_client().request(HANDSHAKE, params, call, creds)
        else:
            asyncio.run(client.default_client().request_async(HANDSHAKE, params, call, creds))


def test_cli_wait_timeout_exits_4_on_time(serve: Callable[..., HostileServer],
                                          credentials: Any) -> None:
    import os
    import subprocess
    import sys

    server = serve(drip(0.5))  # 1000 bytes at 2 a second: 500 s unless cut
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
         "--endpoint", server.url, "--wait", "--timeout", "4s", "--interval", "1s"],
        env=dict(os.environ), capture_output=True, text=True, timeout=HUNG,
    )
    assert done.returncode == 4, done.stderr
    # the last read's failure, as the round's deadline (cut to the wait's 4 s) ended it
    assert "WaitTimeout" in done.stderr and "before the read's deadline" in done.stderr
