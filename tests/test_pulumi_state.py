"""What Pulumi stores: the pickled provider holds no credential, no client and no config;
neither it nor the outputs ever contain the AccessKey secret or the STS token."""

from __future__ import annotations

import base64
import json
import pickle

import dill
import pulumi
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi_helpers import stack_config

import pulumi_aliread as aliread
from pulumi_aliread.pulumi.provider import ReadOnlyProvider
from pulumi_aliread.testing import (
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)
from pulumi_aliread.testing.mocks import ProviderMocks

SECRETS = (STS_ACCESS_KEY_SECRET, STS_TOKEN)


def _sts_config(emulator: Emulator) -> dict[str, str]:
    return stack_config(emulator, **{
        "alicloud:accessKey": STS_ACCESS_KEY_ID,
        "alicloud:secretKey": STS_ACCESS_KEY_SECRET,
        "alicloud:securityToken": STS_TOKEN,
    })


def _program() -> None:
    invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
    grant = aliread.JoinPermissionAuthOrder("grant", order_id=SEED_ORDER_ID)
    pulumi.export("invite", invite.status)
    pulumi.export("grant", grant.order_state)
    pulumi.export("fn", aliread.get_handshake_output(SEED_HANDSHAKE_ID).apply(
        lambda result: result.to_dict()))


def _assert_clean(blob: str) -> None:
    for secret in SECRETS:
        assert secret not in blob
        assert base64.b64encode(secret.encode()).decode()[:12] not in blob


def test_registered_inputs_and_outputs_hold_no_secret(emulator: Emulator) -> None:
    mocks = ProviderMocks(_sts_config(emulator))

    exports = mocks.run(_program)

    assert exports["invite"] == "Pending" and exports["grant"] == "ACCEPTED"
    assert exports["fn"]["status"] == "Pending"
    for record in mocks.registrations:
        _assert_clean(json.dumps(record.inputs, default=str))
        _assert_clean(json.dumps(record.outputs, default=str))
        provider_bytes = base64.b64decode(record.inputs["__provider"])
        for secret in SECRETS:
            assert secret.encode() not in provider_bytes
        assert b"alicloud" not in provider_bytes and b"_config" not in provider_bytes
    _assert_clean(json.dumps(exports, default=str))


def test_an_exported_function_result_serializes_without_secrets(emulator: Emulator) -> None:
    from pulumi.runtime import rpc

    def program() -> None:
        result = aliread.get_handshake_output(SEED_HANDSHAKE_ID)
        pulumi.export("wire", pulumi.Output.from_input(rpc.serialize_property(result, [], "r")))

    wire = ProviderMocks(_sts_config(emulator)).run(program)["wire"]

    assert wire["handshake_id"] == SEED_HANDSHAKE_ID and wire["request_id"]
    _assert_clean(json.dumps(wire))


def test_configured_provider_pickles_to_its_api_name_only(emulator: Emulator) -> None:
    provider = ReadOnlyProvider("handshake")
    provider.configure(ConfigureRequest(Config(_sts_config(emulator), "project")))
    assert provider.read(SEED_HANDSHAKE_ID, {}).outs["status"] == "Pending"  # config used

    serialized = serialize_provider(provider)
    raw = base64.b64decode(serialized)

    for secret in SECRETS:
        assert secret.encode() not in raw
    assert emulator.url.encode() not in raw
    restored = dill.loads(raw)
    assert type(restored) is ReadOnlyProvider
    assert vars(restored) == {"api_name": "handshake", "_config": None}
    assert pickle.loads(pickle.dumps(provider)).api_name == "handshake"


def test_provider_is_not_marked_secret_because_it_holds_none() -> None:
    assert ReadOnlyProvider.serialize_as_secret_always is False


def test_provider_refuses_to_create_update_or_unknown_apis() -> None:
    provider = ReadOnlyProvider("auth-order")
    with pytest.raises(aliread.InvalidInputError, match="cannot create"):
        provider.create({})
    with pytest.raises(aliread.InvalidInputError, match="never changes"):
        provider.update("1", {}, {})
    assert provider.delete("1", {}) is None  # forgetting a read deletes nothing
    assert provider.diff("1", {}, {}).changes is False
    with pytest.raises(aliread.InvalidInputError, match="unknown API"):
        ReadOnlyProvider("nope")


def test_check_reports_bad_settings_without_a_request(emulator: Emulator) -> None:
    provider = ReadOnlyProvider("auth-order")

    result = provider.check({}, {"region": "nowhere", "expected_state": "accepted",
                                 "api_version": "2018-12-30"})

    assert {f.property for f in result.failures} == {"region", "expected_state"}
    assert emulator.count() == 0


def test_read_keeps_settings_in_outputs_for_refresh(emulator: Emulator) -> None:
    provider = ReadOnlyProvider("handshake")
    provider.configure(ConfigureRequest(Config(_sts_config(emulator), "project")))
    props = {"region": "cn-hangzhou", "expected_status": ["Pending"]}

    first = provider.read(SEED_HANDSHAKE_ID, props)
    refreshed = provider.read(SEED_HANDSHAKE_ID, dict(first.outs))  # refresh: old outputs

    assert first.outs == refreshed.outs
    assert first.outs["expected_status"] == ["Pending"]
    assert "request_id" not in first.outs
