"""http:// to a host that is not loopback is refused before a byte is sent, on every entry
point, unless explicitly allowed (keyword, Pulumi config, environment, CLI flag).

The endpoint is a name no resolver knows, reachable only through an HTTP proxy on loopback
that relays to the emulator: the proxy sees every byte that would have crossed the network,
so "nothing was sent" is its record staying empty, and an allowed read succeeds through it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pulumi
import pytest
from pulumi_helpers import stack_config
from test_transport_proxy import PROXY_ENV, ForwardProxy

import pulumi_aliread as aliread
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, STS_ACCESS_KEY_ID, Emulator
from pulumi_aliread.testing.mocks import ProviderMocks


@pytest.fixture
def gateway(emulator: Emulator,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, ForwardProxy]]:
    for name in PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
    proxy = ForwardProxy(emulator.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    port = urlsplit(emulator.url).port
    yield f"http://gw.corp.invalid:{port}", proxy
    proxy.close()


def _refused(error: BaseException) -> None:
    message = str(error)
    assert isinstance(error, aliread.InvalidInputError), repr(error)
    assert "http://gw.corp.invalid" in message and "not loopback" in message
    for way in ("allow_insecure_http", "aliread:allowInsecureHttp",
                "ALIREAD_ALLOW_INSECURE_HTTP", "--allow-insecure-http"):
        assert way in message


def test_get_function_refuses_then_allows(gateway: tuple[str, ForwardProxy],
                                          credentials: Any) -> None:
    endpoint, proxy = gateway
    with pytest.raises(aliread.InvalidInputError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=endpoint)
    _refused(caught.value)
    assert proxy.seen == []
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=endpoint,
                                   allow_insecure_http=True)
    assert result.handshake_id == SEED_HANDSHAKE_ID and len(proxy.gets()) == 1


def test_sts_credentials_never_travel_in_clear(gateway: tuple[str, ForwardProxy],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, proxy = gateway
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", STS_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sts-secret-value-1234")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "sts-token-value-5678")
    with pytest.raises(aliread.InvalidInputError):
        aliread.get_join_permission_auth_order("123", endpoint=endpoint)
    assert proxy.seen == []


def test_environment_and_config_opt_in(gateway: tuple[str, ForwardProxy], credentials: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi_aliread.core.apis import HANDSHAKE
    from pulumi_aliread.core.client import read

    endpoint, proxy = gateway
    monkeypatch.setenv("ALIREAD_ALLOW_INSECURE_HTTP", "true")
    assert aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=endpoint).status == "Pending"
    monkeypatch.setenv("ALIREAD_ALLOW_INSECURE_HTTP", "maybe")
    with pytest.raises(aliread.InvalidInputError, match="ALIREAD_ALLOW_INSECURE_HTTP"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=endpoint)
    monkeypatch.delenv("ALIREAD_ALLOW_INSECURE_HTTP")
    config = {"aliread:resourcemanagerEndpoint": endpoint, "aliread:allowInsecureHttp": "true"}
    assert read(HANDSHAKE, SEED_HANDSHAKE_ID, config=config).status == "Pending"
    with pytest.raises(aliread.InvalidInputError) as caught:
        read(HANDSHAKE, SEED_HANDSHAKE_ID, config={"aliread:resourcemanagerEndpoint": endpoint})
    assert "Pulumi config aliread:resourcemanagerEndpoint" in str(caught.value)
    assert len(proxy.gets()) == 2


def test_output_function_refuses_then_allows(gateway: tuple[str, ForwardProxy],
                                             emulator: Emulator) -> None:
    endpoint, proxy = gateway

    def program(**extra: Any) -> None:
        read = aliread.get_handshake_output(SEED_HANDSHAKE_ID, endpoint=endpoint, **extra)
        pulumi.export("status", read.status)

    with pytest.raises(aliread.InvalidInputError) as caught:
        ProviderMocks(stack_config(emulator)).run(program)
    _refused(caught.value)
    assert proxy.seen == []
    assert ProviderMocks(stack_config(emulator)).run(
        lambda: program(allow_insecure_http=True)) == {"status": "Pending"}


def test_resource_refuses_then_allows(gateway: tuple[str, ForwardProxy],
                                      emulator: Emulator) -> None:
    endpoint, proxy = gateway

    def program(**extra: Any) -> None:
        invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID,
                                   endpoint=endpoint, **extra)
        pulumi.export("status", invite.status)

    with pytest.raises(aliread.InvalidInputError) as caught:
        ProviderMocks(stack_config(emulator)).run(program, preview=True)
    _refused(caught.value)
    assert proxy.seen == []
    assert ProviderMocks(stack_config(emulator)).run(
        lambda: program(allow_insecure_http=True), preview=True) == {"status": "Pending"}
    config = stack_config(emulator, **{"aliread:allowInsecureHttp": "true"})
    assert ProviderMocks(config).run(program, preview=True) == {"status": "Pending"}


def test_cli_refuses_with_exit_2_then_allows(gateway: tuple[str, ForwardProxy],
                                             credentials: Any) -> None:
    endpoint, proxy = gateway
    command = [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
               "--endpoint", endpoint, "-o", "json"]
    refused = subprocess.run(command, env=dict(os.environ), capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2, refused.stderr
    assert "--allow-insecure-http" in refused.stderr and proxy.seen == []
    allowed = subprocess.run([*command, "--allow-insecure-http"], env=dict(os.environ),
                             capture_output=True, text=True, timeout=60)
    assert allowed.returncode == 0, allowed.stderr
    assert len(proxy.gets()) == 1


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9", "http://localhost:9",
                                      "http://[::1]:9", "http://127.8.9.10:9"])
def test_loopback_http_needs_no_opt_in(endpoint: str) -> None:
    from pulumi_aliread.core import settings
    from pulumi_aliread.core.apis import HANDSHAKE

    assert settings.resolve(HANDSHAKE, config={}, env={}, endpoint=endpoint).base_url


def test_a_non_boolean_opt_in_is_refused() -> None:
    with pytest.raises(aliread.InvalidInputError, match="allow_insecure_http"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint="https://x.example.com",
                              allow_insecure_http="yes")  # type: ignore[arg-type]
