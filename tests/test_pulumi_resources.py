"""Handshake / JoinPermissionAuthOrder in Pulumi programs, under Pulumi's mock runtime with
the real dynamic provider reading the emulator (ProviderMocks)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
import seeds
from pulumi.runtime import Mocks
from pulumi_helpers import SEED_HANDSHAKE, SEED_ORDER, stack_config

import pulumi_aliread as aliread
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Emulator, Fault
from pulumi_aliread.testing.mocks import UNKNOWN, ProviderMocks

HANDSHAKE_TOKEN = "pulumi-python:dynamic/aliread:Handshake"
ORDER_TOKEN = "pulumi-python:dynamic/aliread:JoinPermissionAuthOrder"
MODES = pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])


def export_all(prefix: str, resource: pulumi.Resource, names: tuple[str, ...]) -> None:
    for name in names:
        pulumi.export(f"{prefix}.{name}", getattr(resource, name))
    pulumi.export(f"{prefix}.id", resource.id)


def outputs_of(outputs: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k.split(".", 1)[1]: v for k, v in outputs.items() if k.startswith(prefix + ".")}


@pytest.fixture
def mocks(emulator: Emulator) -> ProviderMocks:
    return ProviderMocks(stack_config(emulator))


@MODES
def test_outputs_equal_the_seed_objects(mocks: ProviderMocks, emulator: Emulator,
                                        preview: bool) -> None:
    def program() -> None:
        invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
        grant = aliread.JoinPermissionAuthOrder("grant", order_id=SEED_ORDER_ID)
        export_all("invite", invite, aliread.GetHandshakeResult.output_names())
        export_all("grant", grant, aliread.GetJoinPermissionAuthOrderResult.output_names())

    outputs = mocks.run(program, preview=preview)

    invite = outputs_of(outputs, "invite")
    assert invite.pop("id") == SEED_HANDSHAKE_ID
    assert invite == SEED_HANDSHAKE
    grant = outputs_of(outputs, "grant")
    assert grant.pop("id") == SEED_ORDER_ID
    assert grant == SEED_ORDER
    assert all(type(grant[name]) is int for name in grant if name.endswith("_millis"))
    # the engine reads on every preview and up: one request per object
    assert emulator.count("GetHandshake", SEED_HANDSHAKE_ID) == 1
    assert emulator.count("GetJoinPermissionAuthOrder", SEED_ORDER_ID) == 1


def test_unmasked_fields_match_the_api_reference_example(mocks: ProviderMocks) -> None:
    page = seeds.json_example(seeds.HANDSHAKE_PAGE)["Handshake"]

    outputs = mocks.run(lambda: pulumi.export(
        "hs", aliread.Handshake("hs", handshake_id=SEED_HANDSHAKE_ID).note
    ))

    assert outputs["hs"] == page["Note"]


def test_registered_as_reads_with_dynamic_type_tokens(mocks: ProviderMocks) -> None:
    def program() -> None:
        aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
        aliread.JoinPermissionAuthOrder("grant", order_id=SEED_ORDER_ID)

    mocks.run(program)

    by_type = {r.type: r for r in mocks.registrations}
    assert set(by_type) == {HANDSHAKE_TOKEN, ORDER_TOKEN}
    assert all(r.read for r in mocks.registrations)
    assert by_type[HANDSHAKE_TOKEN].id == SEED_HANDSHAKE_ID
    assert by_type[ORDER_TOKEN].id == SEED_ORDER_ID
    for record in mocks.registrations:
        assert "request_id" not in record.outputs
        assert "request_id" not in record.inputs


@MODES
def test_expectation_met_with_a_value_or_a_list(mocks: ProviderMocks, preview: bool) -> None:
    def program() -> None:
        hs = aliread.Handshake("hs", handshake_id=SEED_HANDSHAKE_ID,
                               expected_status=["Pending", "Accepted"])
        order = aliread.JoinPermissionAuthOrder("o", order_id=SEED_ORDER_ID,
                                                expected_state="ACCEPTED")
        pulumi.export("status", hs.status)
        pulumi.export("state", order.order_state)

    assert mocks.run(program, preview=preview) == {"status": "Pending", "state": "ACCEPTED"}


@MODES
def test_expectation_not_met_fails_with_one_clear_line(mocks: ProviderMocks,
                                                       preview: bool) -> None:
    def program() -> None:
        aliread.Handshake("hs", handshake_id=SEED_HANDSHAKE_ID, expected_status="Accepted")

    with pytest.raises(aliread.ExpectationNotMetError) as failure:
        mocks.run(program, preview=preview)

    message = str(failure.value)
    assert "\n" not in message
    assert SEED_HANDSHAKE_ID in message
    assert "is Pending" in message and "expected Accepted" in message
    assert failure.value.request_id and failure.value.request_id in message


def test_auth_order_expectation_names_the_final_state(emulator: Emulator,
                                                      mocks: ProviderMocks) -> None:
    emulator.set_state(SEED_ORDER_ID, "REJECTED")

    with pytest.raises(aliread.ExpectationNotMetError) as failure:
        mocks.run(lambda: aliread.JoinPermissionAuthOrder(
            "o", order_id=SEED_ORDER_ID, expected_state=["ACCEPTED"]), preview=True)

    assert "is REJECTED (a final state" in str(failure.value)
    assert "expected ACCEPTED" in str(failure.value)


@MODES
def test_not_found_names_object_code_and_request_id(mocks: ProviderMocks,
                                                    preview: bool) -> None:
    with pytest.raises(aliread.NotFoundError) as failure:
        mocks.run(lambda: aliread.Handshake("hs", handshake_id="h-0000000000000000"),
                  preview=preview)

    message = str(failure.value)
    assert "\n" not in message
    assert "h-0000000000000000" in message
    assert "EntityNotExists.Handshake" in message
    assert failure.value.request_id in message


def test_auth_order_not_found(mocks: ProviderMocks) -> None:
    with pytest.raises(aliread.NotFoundError, match="NonExistent"):
        mocks.run(lambda: aliread.JoinPermissionAuthOrder("o", order_id="999"))


def test_access_denied_is_clear_and_keeps_the_secret_out(emulator: Emulator) -> None:
    config = stack_config(emulator, **{"alicloud:secretKey": "wrong-secret-0000"})

    with pytest.raises(aliread.AccessDeniedError) as failure:
        ProviderMocks(config).run(lambda: aliread.Handshake("hs", handshake_id=SEED_HANDSHAKE_ID))

    assert "InvalidAccessKeySecret" in str(failure.value)
    assert "wrong-secret-0000" not in str(failure.value)


class PendingAccount(Mocks):
    """Another provider's resource whose id is only known after ``up``."""

    def new_resource(self, args: Any) -> tuple[str, dict]:
        return ("" if pulumi.runtime.is_dry_run() else SEED_HANDSHAKE_ID), {}

    def call(self, args: Any) -> tuple[dict, None]:
        return {}, None


def _program_with_id_from_another_resource() -> None:
    account = pulumi.CustomResource("test:index:Invitation", "invitation", {})
    hs = aliread.Handshake("hs", handshake_id=account.id, expected_status="Accepted")
    pulumi.export("status", hs.status)
    pulumi.export("id", hs.id)
    pulumi.export("note", hs.note)


def test_unknown_id_in_preview_gives_unknown_outputs_and_no_read(emulator: Emulator) -> None:
    mocks = ProviderMocks(stack_config(emulator), fallback=PendingAccount())

    outputs = mocks.run(_program_with_id_from_another_resource, preview=True)

    assert outputs == {"status": UNKNOWN, "id": UNKNOWN, "note": UNKNOWN}
    assert emulator.count() == 0  # nothing read, nothing failed (even the expectation)


def test_id_from_another_resource_is_read_on_up(emulator: Emulator) -> None:
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    mocks = ProviderMocks(stack_config(emulator), fallback=PendingAccount())

    outputs = mocks.run(_program_with_id_from_another_resource, preview=False)

    assert outputs["status"] == "Accepted"
    assert outputs["id"] == SEED_HANDSHAKE_ID


def test_region_endpoint_and_api_version_keywords(emulator: Emulator,
                                                  credentials: tuple[str, str]) -> None:
    def program() -> None:
        order = aliread.JoinPermissionAuthOrder(
            "o", order_id=SEED_ORDER_ID, region="cn-beijing", endpoint=emulator.url,
            api_version="2019-03-01",
        )
        hs = aliread.Handshake("hs", handshake_id=SEED_HANDSHAKE_ID, region="cn-shanghai",
                               endpoint=emulator.url)
        pulumi.export("state", order.order_state)
        pulumi.export("status", hs.status)

    outputs = ProviderMocks().run(program)  # no config: keywords and environment only

    assert outputs == {"state": "ACCEPTED", "status": "Pending"}
    (order_request,) = [r for r in emulator.requests if r.action == "GetJoinPermissionAuthOrder"]
    assert order_request.params["Version"] == "2019-03-01"
    assert order_request.params["RegionId"] == "cn-beijing"


def test_sts_credentials_from_alicloud_config(emulator: Emulator) -> None:
    from pulumi_aliread.testing import STS_ACCESS_KEY_ID, STS_ACCESS_KEY_SECRET, STS_TOKEN

    config = stack_config(emulator, **{
        "alicloud:accessKey": STS_ACCESS_KEY_ID,
        "alicloud:secretKey": STS_ACCESS_KEY_SECRET,
        "alicloud:securityToken": STS_TOKEN,
    })

    outputs = ProviderMocks(config).run(lambda: pulumi.export(
        "status", aliread.Handshake("hs", handshake_id=SEED_HANDSHAKE_ID).status))

    assert outputs == {"status": "Pending"}
    assert emulator.requests[-1].params["AccessKeyId"] == STS_ACCESS_KEY_ID


def test_transient_failures_are_retried_inside_the_read(emulator: Emulator,
                                                       mocks: ProviderMocks) -> None:
    emulator.inject(Fault.http(503), times=2)

    outputs = mocks.run(lambda: pulumi.export(
        "status", aliread.Handshake("hs", handshake_id=SEED_HANDSHAKE_ID).status))

    assert outputs == {"status": "Pending"}
    assert emulator.count("GetHandshake") == 3


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: aliread.Handshake("x", handshake_id="not-an-id"), "not a valid id"),
        (lambda: aliread.Handshake("x", handshake_id=""), "is empty"),
        (lambda: aliread.Handshake("x", handshake_id=None), "is missing"),
        (lambda: aliread.Handshake("x", handshake_id=SEED_HANDSHAKE_ID,
                                   expected_status="accepted"), "did you mean 'Accepted'"),
        (lambda: aliread.Handshake("x", handshake_id=SEED_HANDSHAKE_ID,
                                   expected_status=[]), "empty list"),
        (lambda: aliread.Handshake("x", handshake_id=SEED_HANDSHAKE_ID,
                                   region="Shanghai"), "not a region id"),
        (lambda: aliread.Handshake("x", handshake_id=SEED_HANDSHAKE_ID,
                                   endpoint="ftp://host"), "scheme 'ftp'"),
        (lambda: aliread.JoinPermissionAuthOrder("x", order_id="1 2"), "not a valid id"),
        (lambda: aliread.JoinPermissionAuthOrder("x", order_id="1",
                                                 api_version="2020-01-01"), "API version"),
        (lambda: aliread.JoinPermissionAuthOrder("x", order_id="1",
                                                 expected_state="DONE"), "APPLYING"),
    ],
)
def test_bad_input_is_refused_before_any_request(emulator: Emulator, mocks: ProviderMocks,
                                                 build: Any, words: str) -> None:
    with pytest.raises(aliread.InvalidInputError, match=words):
        mocks.run(build)

    assert emulator.count() == 0


def test_a_bad_id_known_only_later_is_refused_before_any_request(
        emulator: Emulator, mocks: ProviderMocks) -> None:
    def program() -> None:
        aliread.Handshake("x", handshake_id=pulumi.Output.from_input("h_bad"))

    with pytest.raises(aliread.InvalidInputError, match="not a valid id"):
        mocks.run(program)

    assert emulator.count() == 0


def test_mocks_echo_other_resources_and_delegate_to_fallback(emulator: Emulator) -> None:
    class Fallback(Mocks):
        def new_resource(self, args: Any) -> tuple[str, dict]:
            return "fixed-id", {**args.inputs, "extra": 1}

        def call(self, args: Any) -> tuple[dict, None]:
            return {"answer": 42}, None

    def program() -> None:
        thing = pulumi.CustomResource("test:index:Thing", "thing", {"size": 3, "extra": None})
        pulumi.export("id", thing.id)
        pulumi.export("extra", thing.extra)  # type: ignore[attr-defined]

    assert ProviderMocks(fallback=Fallback()).run(program) == {"id": "fixed-id", "extra": 1}
    echoed = ProviderMocks().run(program)
    assert echoed == {"id": "thing_id", "extra": None}
