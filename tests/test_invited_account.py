"""The invited account's view (GetHandshake answers HTTP 409 HandshakeStatusMismatch to
the invited account once the invitation is accepted), from the library's side: what the
error says by default, and ``mismatch_means_accepted=True`` for a gate run by that
account. Against the emulator's invited view, over loopback HTTP."""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest
from pulumi_helpers import stack_config

import pulumi_aliread as aliread
from pulumi_aliread.testing import (
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    Emulator,
)
from pulumi_aliread.testing.mocks import ProviderMocks


@pytest.fixture
def invited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The invited account's AccessKey pair in the environment."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", INVITED_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", INVITED_ACCESS_KEY_SECRET)


@pytest.fixture
def accepted(emulator: Emulator) -> Emulator:
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    return emulator


def test_by_default_the_409_says_what_it_can_mean_and_how_to_tell(
    accepted: Emulator, invited: None
) -> None:
    with pytest.raises(aliread.ConflictError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=accepted.url)

    error = caught.value
    assert (error.code, error.http_status) == ("HandshakeStatusMismatch", 409)
    message = str(error)
    for words in ("If these are the invited account's credentials", "accepted",
                  "declined, cancelled or has expired",
                  "read it with the management account's credentials",
                  "mismatch_means_accepted=True", INVITED_ACCESS_KEY_ID):
        assert words in message
    assert "send a new one" not in message
    assert INVITED_ACCESS_KEY_SECRET not in message


def test_mismatch_means_accepted_counts_it_as_accepted(accepted: Emulator,
                                                       invited: None) -> None:
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=accepted.url,
                                   expected_status="Accepted",
                                   mismatch_means_accepted=True)

    [record] = accepted.requests
    assert record.code == "HandshakeStatusMismatch"
    assert result.handshake_id == SEED_HANDSHAKE_ID
    assert result.status == "Accepted"
    assert re.fullmatch(r"[0-9A-F-]{36}", result.request_id or "")  # the 409's
    assert result.note is None and result.master_account_id is None  # not sent


def test_the_expectation_still_applies(accepted: Emulator, invited: None) -> None:
    with pytest.raises(aliread.ExpectationNotMetError, match="is Accepted"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=accepted.url,
                              expected_status="Pending", mismatch_means_accepted=True)


def test_pending_is_read_as_usual_with_the_option(emulator: Emulator, invited: None) -> None:
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url,
                                   mismatch_means_accepted=True)
    assert result.status == "Pending" and result.note is not None


def test_other_errors_are_not_hidden(emulator: Emulator, invited: None) -> None:
    with pytest.raises(aliread.NotFoundError):
        aliread.get_handshake("h-0000000000000000", endpoint=emulator.url,
                              mismatch_means_accepted=True)


def test_the_management_account_reads_the_status(accepted: Emulator,
                                                 credentials: Any) -> None:
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=accepted.url,
                                   mismatch_means_accepted=True)
    assert result.status == "Accepted" and result.note is not None


@pytest.mark.parametrize("value", ["yes", 1, "False"])
def test_a_non_bool_is_refused_before_any_request(emulator: Emulator, invited: None,
                                                  value: Any) -> None:
    with pytest.raises(aliread.InvalidInputError, match="mismatch_means_accepted must be"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url,
                              mismatch_means_accepted=value)
    assert emulator.count() == 0


def test_output_variant(accepted: Emulator) -> None:
    config = stack_config(accepted, **{"alicloud:accessKey": INVITED_ACCESS_KEY_ID,
                                       "alicloud:secretKey": INVITED_ACCESS_KEY_SECRET})

    def program() -> None:
        gate = aliread.get_handshake_output(SEED_HANDSHAKE_ID, expected_status="Accepted",
                                            mismatch_means_accepted=True)
        pulumi.export("status", gate.status)

    assert ProviderMocks(config).run(program) == {"status": "Accepted"}

    def strict() -> None:
        pulumi.export("status", aliread.get_handshake_output(SEED_HANDSHAKE_ID).status)

    with pytest.raises(aliread.ConflictError, match="HandshakeStatusMismatch"):
        ProviderMocks(config).run(strict)


def test_output_variant_refuses_the_option_for_auth_orders() -> None:
    from pulumi_aliread.core.apis import AUTH_ORDER
    from pulumi_aliread.pulumi.outputs import read_output

    with pytest.raises(aliread.InvalidInputError, match="GetHandshake only"):
        read_output(AUTH_ORDER, SEED_ORDER_ID, mismatch_means_accepted=True)


def test_the_resource_counts_it_as_accepted(accepted: Emulator) -> None:
    """``Handshake(..., mismatch_means_accepted=True)``: the dynamic provider reads with
    it, and keeps it in the state (a refresh reads the same way)."""
    config = stack_config(accepted, **{"alicloud:accessKey": INVITED_ACCESS_KEY_ID,
                                       "alicloud:secretKey": INVITED_ACCESS_KEY_SECRET})

    def program() -> None:
        invite = aliread.Handshake("invite", SEED_HANDSHAKE_ID, expected_status="Accepted",
                                   mismatch_means_accepted=True)
        pulumi.export("status", invite.status)
        pulumi.export("note", invite.note)

    assert ProviderMocks(config).run(program) == {"status": "Accepted", "note": None}
    assert [r.code for r in accepted.requests] == ["HandshakeStatusMismatch"]

    def strict() -> None:
        pulumi.export("status", aliread.Handshake("invite", SEED_HANDSHAKE_ID).status)

    with pytest.raises(aliread.ConflictError, match="HandshakeStatusMismatch"):
        ProviderMocks(config).run(strict)


def test_the_resource_refuses_a_non_bool_at_once(emulator: Emulator) -> None:
    def program() -> None:
        aliread.Handshake("invite", SEED_HANDSHAKE_ID, mismatch_means_accepted="yes")

    with pytest.raises(aliread.InvalidInputError, match="mismatch_means_accepted must be"):
        ProviderMocks(stack_config(emulator)).run(program)
    assert emulator.count() == 0
