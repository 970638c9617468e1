"""Reads awaited on another event loop (what ``get_*_output`` does): the same retries,
errors, limits and answers as blocking callers get, over every HTTP/1.1 framing a gateway
may use, over TLS, and with kept-alive connections the server has dropped."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from http_fronts import HttpFront, self_signed_tls
from pulumi_helpers import stack_config

import pulumi_aliread as aliread
from pulumi_aliread.core import settings
from pulumi_aliread.core.apis import HANDSHAKE
from pulumi_aliread.core.read import finish, prepare
from pulumi_aliread.pulumi import outputs
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    Emulator,
    Fault,
)
from pulumi_aliread.testing.mocks import ProviderMocks

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}


def read_on_loop(endpoint: str, times: int = 1, pause: float = 0.0,
                 reader: aliread.Client | None = None, **options: Any) -> list[Any]:
    """``times`` reads of the seed handshake, one after another on one event loop."""
    reader = reader or aliread.Client()

    async def main() -> list[Any]:
        call = settings.resolve(HANDSHAKE, config={}, endpoint=endpoint, **options)
        creds = reader.credentials({})
        results = []
        for _ in range(times):
            results.append(await reader.request_async(
                HANDSHAKE, {HANDSHAKE.id_param: SEED_HANDSHAKE_ID}, call, creds))
            await asyncio.sleep(pause)
        return results

    return asyncio.run(main())


@pytest.fixture
def front(request: pytest.FixtureRequest, emulator: Emulator) -> Iterator[HttpFront]:
    server = HttpFront(emulator.url, request.param)
    yield server
    server.close()


# --- framing ------------------------------------------------------------------------------

@pytest.mark.parametrize("front", ["length", "chunked", "eof", "continue"], indirect=True)
def test_every_framing_of_a_good_answer_gives_the_result(front: HttpFront, credentials: Any
                                                         ) -> None:
    results = read_on_loop(front.url, times=3)

    assert [r.status for r in results] == ["Pending"] * 3
    assert all(r.request_id for r in results)
    assert front.requests == 3
    # Kept alive unless the answer ended with the connection.
    assert front.connections == (3 if front.mode == "eof" else 1)


@pytest.mark.parametrize("front", ["drop-second"], indirect=True)
def test_a_kept_alive_connection_dropped_as_it_is_reused_costs_one_counted_retry(
    front: HttpFront, credentials: Any
) -> None:
    reader = aliread.Client()
    results = read_on_loop(front.url, times=3, reader=reader, **FAST)

    assert [r.handshake_id for r in results] == [SEED_HANDSHAKE_ID] * 3
    # Each connection answers once and drops the next request: reads 2 and 3 each lose
    # one attempt on a reused connection, retried (with backoff) on a new one.
    assert reader.metrics.retries == 2
    assert reader.metrics.requests == 5
    assert front.requests == 3


@pytest.mark.parametrize("front", ["idle-close"], indirect=True)
def test_an_idle_connection_closed_by_the_server_is_not_reused(front: HttpFront,
                                                                credentials: Any) -> None:
    reader = aliread.Client()
    results = read_on_loop(front.url, times=2, pause=0.05, reader=reader)

    assert len(results) == 2 and front.connections == 2
    assert reader.metrics.retries == 0  # the closed one was set aside, not tried


@pytest.mark.parametrize(("front", "code", "words"), [
    ("truncated", "ConnectionError", "closed the connection mid-answer"),
    ("garbage", "ConnectionError", "not HTTP/1.1"),
], indirect=["front"])
def test_a_broken_answer_is_a_transport_failure(front: HttpFront, code: str, words: str,
                                                credentials: Any) -> None:
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        read_on_loop(front.url, max_attempts=2, **FAST)

    assert caught.value.code == code
    assert words in str(caught.value) and "Gave up after 2 attempt(s)" in str(caught.value)


@pytest.mark.parametrize("front", ["huge-length"], indirect=True)
def test_an_announced_body_over_4_mib_is_refused_unread(front: HttpFront,
                                                        credentials: Any) -> None:
    with pytest.raises(aliread.ResponseValidationError, match="larger than 4 MiB"):
        read_on_loop(front.url)
    assert front.requests == 1  # not retried: it is not transient


def test_https_is_verified_against_the_configured_ca_bundle(
    emulator: Emulator, credentials: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls, cert_file = self_signed_tls(tmp_path)
    secure = HttpFront(emulator.url, "length", tls=tls)
    try:
        with pytest.raises(aliread.TlsVerificationError, match="ALIBABA_CLOUD_CA_BUNDLE"):
            read_on_loop(secure.url)  # certifi does not know this cert
        assert secure.accepted == 1  # permanent: not retried
        monkeypatch.setenv("ALIBABA_CLOUD_CA_BUNDLE", str(cert_file))
        results = read_on_loop(secure.url, times=2)
    finally:
        secure.close()

    assert [r.status for r in results] == ["Pending", "Pending"]


# --- the same behaviour as the blocking client, through get_*_output ----------------------

def run_output_read(emulator: Emulator, **options: Any) -> Any:
    def program() -> None:
        read = aliread.get_handshake_output(SEED_HANDSHAKE_ID, **options)
        pulumi.export("status", read.status)

    return ProviderMocks(stack_config(emulator)).run(program)["status"]


@pytest.mark.parametrize("fault", [
    pytest.param(Fault.http(500), id="http-500"),
    pytest.param(Fault.throttle(), id="Throttling.User"),
    pytest.param(Fault.reset(), id="connection-reset"),
    pytest.param(Fault.body("<html>502 Bad Gateway</html>", status=502,
                            content_type="text/html"), id="proxy-html-502"),
])
def test_output_reads_retry_transient_faults(fault: Fault, emulator: Emulator) -> None:
    emulator.inject(fault, times=2)
    assert run_output_read(emulator, **FAST) == "Pending"
    assert emulator.count() == 3


def test_output_reads_give_up_after_max_attempts(emulator: Emulator) -> None:
    emulator.inject(Fault.http(503))
    with pytest.raises(aliread.ServiceUnavailableError, match=r"Gave up after 5 attempt\(s\)"):
        run_output_read(emulator, **FAST)
    assert emulator.count() == 5


def test_output_reads_send_a_permanent_error_once(emulator: Emulator) -> None:
    emulator.inject(Fault.error("EntityNotExists.Handshake"))
    with pytest.raises(aliread.NotFoundError):
        run_output_read(emulator, **FAST)
    assert emulator.count() == 1


def test_output_reads_time_out(emulator: Emulator) -> None:
    emulator.inject(Fault.hang(30))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        run_output_read(emulator, read_timeout=0.2, max_attempts=1)
    assert caught.value.code == "ReadTimeout"
    assert "no answer within the read timeout" in str(caught.value)


def test_output_reads_refuse_a_huge_answer(emulator: Emulator) -> None:
    emulator.inject(Fault.malformed("huge"))
    with pytest.raises(aliread.ResponseValidationError):
        run_output_read(emulator)


def test_output_reads_report_a_refused_connection(emulator: Emulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def program() -> None:
        pulumi.export("s", aliread.get_handshake_output(SEED_HANDSHAKE_ID, max_attempts=2,
                                                        **FAST).status)

    config = stack_config(emulator, **{"aliread:resourcemanagerEndpoint":
                                       f"http://127.0.0.1:{port}"})
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        ProviderMocks(config).run(program)
    assert caught.value.code == "ConnectionError"
    assert "Check the network and the endpoint" in str(caught.value)


def test_a_wrong_secret_on_the_loop_path_never_shows_the_secret(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Wr0ngSecretThatMustNeverBePrinted"
    caplog.set_level(logging.DEBUG)

    def program() -> None:
        pulumi.export("s", aliread.get_handshake_output(SEED_HANDSHAKE_ID).status)

    config = stack_config(emulator, **{"alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
                                       "alicloud:secretKey": wrong})
    with pytest.raises(aliread.AccessDeniedError) as caught:
        ProviderMocks(config).run(program)

    assert caught.value.code == "InvalidAccessKeySecret"
    assert wrong not in str(caught.value) and wrong not in caplog.text


# --- sharing and cancellation -------------------------------------------------------------

def test_a_cancelled_reader_does_not_cancel_the_read_others_share(emulator: Emulator,
                                                                   credentials: Any) -> None:
    emulator.latency = 0.1

    async def main() -> tuple[bool, str]:
        one = prepare(HANDSHAKE, SEED_HANDSHAKE_ID, config={}, endpoint=emulator.url)
        reader = aliread.Client(max_concurrent_reads=4)
        pending = reader.start(one)
        first = asyncio.ensure_future(finish(one, pending))
        second = asyncio.ensure_future(finish(one, pending))
        await asyncio.sleep(0.02)
        first.cancel()
        result = await second
        return first.cancelled(), result.status

    assert asyncio.run(main()) == (True, "Pending")
    assert emulator.count() == 1


@pytest.mark.parametrize("front", ["length"], indirect=True)
def test_output_reads_in_one_program_are_limited_to_32_in_flight(emulator: Emulator,
                                                                 front: HttpFront) -> None:
    ids = emulator.add_handshakes(100)
    emulator.latency = 0.2  # long enough for all 32 to be in flight together

    def program() -> None:
        reads = [aliread.get_handshake_output(i) for i in ids]
        pulumi.export("ids", pulumi.Output.all(*[r.handshake_id for r in reads]))

    config = stack_config(emulator, **{"aliread:resourcemanagerEndpoint": front.url})
    exported = ProviderMocks(config).run(program)

    assert exported["ids"] == ids
    assert front.peak == outputs.MAX_CONCURRENT_READS  # 100 declared at once
    assert front.connections == outputs.MAX_CONCURRENT_READS  # each kept alive


def test_auth_orders_read_on_the_loop_too(emulator: Emulator) -> None:
    def program() -> None:
        order = aliread.get_join_permission_auth_order_output(SEED_ORDER_ID,
                                                              expected_state="ACCEPTED")
        pulumi.export("state", order.order_state)

    assert ProviderMocks(stack_config(emulator)).run(program) == {"state": "ACCEPTED"}


def test_a_list_where_a_region_belongs_is_refused_before_any_request(emulator: Emulator
                                                                      ) -> None:
    def program() -> None:
        aliread.get_handshake_output(SEED_HANDSHAKE_ID, region=["cn-hangzhou"])

    with pytest.raises(aliread.InvalidInputError, match="is not a region id"):
        ProviderMocks(stack_config(emulator)).run(program)
    assert emulator.count() == 0
