"""Unit tests of ../onboarding-check with ProviderMocks and the embedded emulator.

No Pulumi CLI and no Alibaba Cloud account: the program runs in-process under Pulumi's
mock runtime, and its read-only resources really read the emulator over HTTP.
Run: ``pytest examples/unit-test``.
"""

import runpy
from pathlib import Path

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    Emulator,
)
from pulumi_aliread.testing.mocks import ProviderMocks

PROGRAM = Path(__file__).resolve().parents[1] / "onboarding-check" / "__main__.py"


def program() -> None:
    runpy.run_path(str(PROGRAM))


@pytest.fixture
def emulator(monkeypatch):
    # Never let the default credential chain reach the network during tests.
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    with Emulator() as running:
        yield running


@pytest.fixture
def mocks(emulator):
    return ProviderMocks(
        {
            "aliread:resourcemanagerEndpoint": emulator.url,
            "aliread:linkwanEndpoint": emulator.url,
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        },
        project="onboarding-check",
    )


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])
def test_exports_the_states_once_accepted(emulator, mocks, preview):
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")

    outputs = mocks.run(program, preview=preview)

    assert outputs["invite_status"] == "Accepted"
    assert outputs["grant_state"] == "ACCEPTED"
    assert outputs["invited_account"] == "someone@example.com"
    assert outputs["grant_accepted_millis"] == 1514736000000


def test_a_pending_invitation_fails_the_preview(emulator, mocks):
    emulator.set_state(SEED_HANDSHAKE_ID, "Pending")

    with pytest.raises(aliread.ExpectationNotMetError) as failure:
        mocks.run(program, preview=True)

    assert f"{SEED_HANDSHAKE_ID} is Pending, expected Accepted" in str(failure.value)


def test_reads_the_ids_from_config(emulator, mocks):
    (other,) = emulator.add_handshakes(1, status="Accepted")
    mocks.config["onboarding-check:handshakeId"] = other

    mocks.run(program, preview=True)

    assert emulator.count("GetHandshake", other) == 1
