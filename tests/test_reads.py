"""Both reads, over loopback HTTP to the signature-checking emulator, return the seeds."""

from __future__ import annotations

import pytest
import seeds

import pulumi_aliread as aliread
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID

# The seed masks the requested id ('h-ycm4rp****'); the fixtures keep every other seed
# value as it is and use a well-formed id.
UNMASKED = {"HandshakeId": SEED_HANDSHAKE_ID}


def _snake_values(api, wire: dict) -> dict:
    schema = api.schema()
    return {name: wire.get(field.data_key) for name, field in schema.fields.items()}


def test_handshake_is_the_seed_example(emulator, credentials):
    wire = dict(seeds.json_example(seeds.HANDSHAKE_PAGE)["Handshake"], **UNMASKED)

    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)

    assert result.to_dict(include_request_id=False) == _snake_values(HANDSHAKE, wire)
    assert result.status == "Pending" and result.note == "欢迎您加入"
    assert result.request_id == emulator.requests[-1].headers.get("x-acs-request-id") or \
        result.request_id


def test_auth_order_is_the_seed_example(emulator, credentials):
    wire = seeds.json_example(seeds.AUTH_ORDER_PAGE)["Data"]

    result = aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)

    assert result.to_dict(include_request_id=False) == _snake_values(AUTH_ORDER, wire)
    assert isinstance(result.accepted_millis, int) and result.order_state == "ACCEPTED"
    assert result.request_id


def test_result_attributes_are_design_names():
    assert aliread.GetHandshakeResult.output_names() == (
        "handshake_id", "resource_directory_id", "master_account_id", "master_account_name",
        "master_account_real_name", "invited_account_real_name", "target_entity",
        "target_type", "note", "status", "create_time", "modify_time", "expire_time",
    )
    assert aliread.GetJoinPermissionAuthOrderResult.output_names() == (
        "order_id", "join_permission_id", "order_state", "owner_aliyun_id",
        "renter_aliyun_id", "applying_millis", "accepted_millis", "rejected_millis",
        "canceled_millis",
    )


def test_results_are_frozen(emulator, credentials):
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    with pytest.raises(AttributeError):
        result.status = "Accepted"  # type: ignore[misc]


def test_request_carries_the_seed_parameters(emulator, credentials):
    aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, region="cn-beijing")
    aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)

    handshake, order = emulator.requests
    assert handshake.params["Action"] == "GetHandshake"
    assert handshake.params["Version"] == "2020-03-31"
    assert handshake.params["HandshakeId"] == SEED_HANDSHAKE_ID
    assert handshake.params["RegionId"] == "cn-beijing"
    assert handshake.params["SignatureMethod"] == "HMAC-SHA1"
    assert handshake.params["Format"] == "JSON"
    assert order.params["Action"] == "GetJoinPermissionAuthOrder"
    assert order.params["Version"] == "2018-12-30"
    assert order.params["OrderId"] == SEED_ORDER_ID
    assert order.params["RegionId"] == "cn-shanghai"


def test_api_version_is_overridable_per_call(emulator, credentials):
    aliread.get_join_permission_auth_order(
        SEED_ORDER_ID, endpoint=emulator.url, api_version="2019-03-01"
    )
    assert emulator.requests[-1].params["Version"] == "2019-03-01"


def test_expectation_met_returns_the_result(emulator, credentials):
    result = aliread.get_handshake(
        SEED_HANDSHAKE_ID, endpoint=emulator.url, expected_status=["Pending", "Accepted"]
    )
    assert result.status == "Pending"


def test_expectation_not_met_names_object_state_and_expectation(emulator, credentials):
    with pytest.raises(aliread.ExpectationNotMetError) as caught:
        aliread.get_join_permission_auth_order(
            SEED_ORDER_ID, endpoint=emulator.url, expected_state="APPLYING"
        )
    message = str(caught.value)
    assert SEED_ORDER_ID in message and "ACCEPTED" in message and "APPLYING" in message
    assert caught.value.request_id and caught.value.request_id in message


def test_scripted_state_change_is_seen(emulator, credentials):
    emulator.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"], reads_per_state=1)
    first = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    second = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert (first.status, second.status) == ("Pending", "Accepted")


def test_endpoint_from_environment(emulator, credentials, monkeypatch):
    monkeypatch.setenv("ALIREAD_RESOURCEMANAGER_ENDPOINT", emulator.url)
    monkeypatch.setenv("ALIREAD_LINKWAN_ENDPOINT", emulator.url)
    assert aliread.get_handshake(SEED_HANDSHAKE_ID).status == "Pending"
    assert aliread.get_join_permission_auth_order(SEED_ORDER_ID).order_state == "ACCEPTED"
