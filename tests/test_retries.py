"""Transient faults are retried and then succeed; permanent ones are sent once; a hanging
server fails within the configured timeout."""

from __future__ import annotations

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Fault

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}

TRANSIENT = [
    pytest.param(Fault.http(500), id="http-500"),
    pytest.param(Fault.http(502, code="BadGateway"), id="http-502"),
    pytest.param(Fault.http(503), id="http-503"),
    pytest.param(Fault.throttle(), id="Throttling.User"),
    pytest.param(Fault.error("Throttling"), id="Throttling"),
    pytest.param(Fault.error("ServiceUnavailable"), id="ServiceUnavailable"),
    pytest.param(Fault.error("InternalError"), id="InternalError"),
    pytest.param(Fault.reset(), id="connection-reset"),
    pytest.param(Fault.body("<html>502 Bad Gateway</html>", status=502, content_type="text/html"),
                 id="proxy-html-502"),
]


@pytest.mark.parametrize("fault", TRANSIENT)
def test_transient_fault_is_retried_then_succeeds(fault, emulator, credentials):
    emulator.inject(fault, times=2)
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, **FAST)
    assert result.handshake_id == SEED_HANDSHAKE_ID
    assert emulator.count() == 3


@pytest.mark.parametrize("code", ["Throttling.Resource", "Concurrency.Throttling",
                                  "Operation.Throttling.Tenant"])
def test_any_code_with_throttling_in_it_is_retried(code, emulator, credentials):
    # As terraform-provider-alicloud's NeedRetry reads them: not only the listed codes.
    emulator.inject(Fault.http(400, code=code), times=2)
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, **FAST)
    assert result.handshake_id == SEED_HANDSHAKE_ID
    assert emulator.count() == 3


def test_a_throttling_code_that_persists_is_unavailable(emulator, credentials):
    emulator.inject(Fault.http(400, code="Concurrency.Throttling"))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, max_attempts=2, **FAST)
    assert (caught.value.attempts, caught.value.stop_reason) == (2, "max_attempts")
    assert "lower the request rate" in str(caught.value)


def test_read_timeout_is_retried_then_succeeds(emulator, credentials):
    emulator.inject(Fault.hang(5), times=1)
    result = aliread.get_join_permission_auth_order(
        SEED_ORDER_ID, endpoint=emulator.url, read_timeout=0.2, **FAST
    )
    assert result.order_state == "ACCEPTED"
    assert emulator.count() == 2


def test_transient_fault_that_persists_gives_up_after_max_attempts(emulator, credentials):
    emulator.inject(Fault.http(503))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, **FAST)
    assert emulator.count() == 5, "at most 5 attempts by default"
    assert caught.value.http_status == 503 and caught.value.request_id
    assert "Gave up after 5 attempt(s)" in str(caught.value)


def test_max_attempts_is_settable(emulator, credentials):
    emulator.inject(Fault.throttle())
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, max_attempts=2, **FAST)
    assert caught.value.code == "Throttling.User"
    assert emulator.count() == 2


@pytest.mark.parametrize("code", ["EntityNotExists.Handshake", "InvalidParameter.HandshakeId",
                                  "HandshakeStatusMismatch", "Forbidden.RAM"])
def test_permanent_error_is_sent_once(code, emulator, credentials):
    emulator.inject(Fault.error(code))
    with pytest.raises(aliread.AlireadError):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, **FAST)
    assert emulator.count() == 1


def test_hanging_server_fails_within_the_read_timeout(emulator, credentials):
    emulator.inject(Fault.hang(30))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        aliread.get_handshake(
            SEED_HANDSHAKE_ID, endpoint=emulator.url, read_timeout=0.2, max_attempts=1
        )
    assert caught.value.code == "ReadTimeout"
    assert emulator.url in str(caught.value)
    assert emulator.count() == 1


def test_overall_deadline_stops_retrying(emulator, credentials):
    emulator.inject(Fault.hang(30))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        aliread.get_handshake(
            SEED_HANDSHAKE_ID, endpoint=emulator.url, read_timeout=0.3, deadline=0.5,
            max_attempts=50, **FAST,
        )
    assert caught.value.code == "ReadTimeout"
    assert emulator.count() < 50


def test_refused_connection_is_an_unavailable_error(credentials):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=f"http://127.0.0.1:{port}",
                              max_attempts=2, **FAST)
    assert caught.value.code == "ConnectionError"
    assert "Check the network and the endpoint" in str(caught.value)


def test_backoff_never_carries_a_read_past_its_deadline(emulator, credentials):
    emulator.inject(Fault.http(500))
    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, deadline=1.0,
                              backoff_base=2.0, backoff_cap=10.0, max_attempts=50)
    # A backoff drawn from up to 4 s (then 8 s) does not fit in a 1 s deadline, so the
    # read stops instead of sleeping: few attempts, never the 50 allowed.
    assert emulator.count() < 50
    assert "Gave up after" in str(caught.value)
