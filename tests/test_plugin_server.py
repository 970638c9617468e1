"""The provider plugin ``pulumi-resource-aliread`` (the console script), launched and
driven over gRPC the way the engine drives it: schema, configure, invoke, check, create,
read, diff, update, delete."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi_helpers import SEED_HANDSHAKE, SEED_ORDER

import pulumi_aliread as aliread
from pulumi_aliread.core.apis import APIS, AUTH_ORDER, HANDSHAKE
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

SCHEMA_FILE = Path(aliread.__file__).parent / "plugin" / "schema.json"
PLUGIN = Path(sys.executable).parent / "pulumi-resource-aliread"
HANDSHAKE_URN = "urn:pulumi:dev::onboarding::aliread:index:Handshake::invite"
ORDER_URN = "urn:pulumi:dev::onboarding::aliread:index:JoinPermissionAuthOrder::grant"
SECRETS = (STS_ACCESS_KEY_SECRET, STS_TOKEN, DEFAULT_ACCESS_KEY_SECRET)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _seed(seed: dict[str, Any]) -> dict[str, Any]:
    """A seed object under the schema's names; numbers as the wire carries them."""
    return {_camel(k): float(v) if isinstance(v, int) else v for k, v in seed.items()}


class Plugin:
    """The plugin process (the installed console script) and a gRPC stub to it."""

    def __init__(self, tmp: Path, env: dict[str, str] | None = None) -> None:
        base = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp),
                "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
        self.process = subprocess.Popen(
            [str(PLUGIN), "127.0.0.1:1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**base, **(env or {})}, cwd=tmp,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"plugin did not print its port: {line!r}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def configure(self, **config: Any) -> None:
        args = {k: PropertyValue(v, is_secret=k in ("secretKey", "securityToken"))
                for k, v in config.items()}
        self.stub.Configure(provider_pb2.ConfigureRequest(
            args=PropertyValue.marshal_map(args), acceptSecrets=True), timeout=30)

    def close(self) -> str:
        if hasattr(self, "channel"):
            self.channel.close()
        self.process.kill()
        _, stderr = self.process.communicate(timeout=30)
        return stderr.decode(errors="replace")


def _values(**values: Any) -> Any:
    wrapped = {}
    for key, value in values.items():
        if isinstance(value, list):
            value = [PropertyValue(item) for item in value]
        wrapped[key] = value if isinstance(value, PropertyValue) else PropertyValue(value)
    return PropertyValue.marshal_map(wrapped)


def _plain(struct: Any) -> dict[str, Any]:
    def unwrap(value: PropertyValue) -> Any:
        inner = value.value
        if isinstance(inner, tuple):
            return [unwrap(item) for item in inner]
        return inner
    return {k: unwrap(v) for k, v in PropertyValue.unmarshal_map(struct).items()}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory, emulator: Emulator) -> Iterator[Plugin]:
    running = Plugin(tmp_path_factory.mktemp("plugin"))
    try:
        running.configure(resourcemanagerEndpoint=emulator.url, linkwanEndpoint=emulator.url,
                          accessKey=STS_ACCESS_KEY_ID, secretKey=STS_ACCESS_KEY_SECRET,
                          securityToken=STS_TOKEN)
        yield running
    finally:
        logs = running.close()
        assert not [s for s in SECRETS if s in logs]


def _invoke(plugin: Plugin, token: str, **args: Any) -> provider_pb2.InvokeResponse:
    return plugin.stub.Invoke(provider_pb2.InvokeRequest(
        tok=f"aliread:index:{token}", args=_values(**args)), timeout=60)


def _one_line(failure: pytest.ExceptionInfo[grpc.RpcError]) -> str:
    details = failure.value.details()
    (line,) = details.strip().splitlines()
    assert "Traceback" not in details and not [s for s in SECRETS if s in details]
    return line


# -- schema ---------------------------------------------------------------------------


def test_plugin_reports_the_package_version(plugin: Plugin) -> None:
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == aliread.__version__


def test_the_served_schema_is_the_file_in_the_repository(plugin: Plugin) -> None:
    served = plugin.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema
    assert json.loads(served) == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_schema_matches_the_api_specs() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["name"] == "aliread" and schema["version"] == aliread.__version__
    for fn, res, api, id_name, expect in (
            ("getHandshake", "Handshake", HANDSHAKE, "handshakeId", "expectedStatus"),
            ("getJoinPermissionAuthOrder", "JoinPermissionAuthOrder", AUTH_ORDER, "orderId",
             "expectedState")):
        fields = {f.data_key[0].lower() + f.data_key[1:]: f for f in api.schema().fields.values()}
        function = schema["functions"][f"aliread:index:{fn}"]
        assert set(function["outputs"]["properties"]) == {*fields, "requestId"}
        assert set(function["outputs"]["required"]) == \
            {name for name, f in fields.items() if f.required} | {"requestId"}
        inputs = {id_name, expect, "region", "endpoint"} | (
            {"apiVersion"} if api is AUTH_ORDER else {"mismatchMeansAccepted"})
        assert set(function["inputs"]["properties"]) == inputs
        assert function["inputs"]["required"] == [id_name]
        resource = schema["resources"][f"aliread:index:{res}"]
        assert set(resource["inputProperties"]) == inputs
        assert set(resource["properties"]) == set(fields) | inputs
        for state in api.states:
            assert state in function["inputs"]["properties"][expect]["description"]
    assert set(APIS) == {"handshake", "auth-order"}  # a third API needs its schema here
    config = schema["config"]["variables"]
    assert config == schema["provider"]["inputProperties"]
    assert {k for k, v in config.items() if v.get("secret")} == {"secretKey", "securityToken"}
    assert set(config) == {"region", "resourcemanagerEndpoint", "linkwanEndpoint",
                           "accessKey", "secretKey", "securityToken", "profile"}


# -- functions ------------------------------------------------------------------------


def test_get_handshake_returns_the_seed_values_and_the_request_id(plugin: Plugin) -> None:
    response = _invoke(plugin, "getHandshake", handshakeId=SEED_HANDSHAKE_ID)

    result = _plain(getattr(response, "return"))
    assert re.fullmatch(r"[0-9A-F-]{20,}", result.pop("requestId"), re.I)
    assert result == _seed(SEED_HANDSHAKE)
    assert not [s for s in SECRETS if s.encode() in response.SerializeToString()]


def test_get_auth_order_with_region_version_and_expectation(plugin: Plugin) -> None:
    response = _invoke(plugin, "getJoinPermissionAuthOrder", orderId=SEED_ORDER_ID,
                       region="cn-shanghai", apiVersion="2019-03-01",
                       expectedState=["APPLYING", "ACCEPTED"])

    result = _plain(getattr(response, "return"))
    result.pop("requestId")
    assert result == _seed(SEED_ORDER)


def test_expectation_not_met_is_one_line(plugin: Plugin) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        _invoke(plugin, "getHandshake", handshakeId=SEED_HANDSHAKE_ID,
                expectedStatus=["Accepted"])

    line = _one_line(failure)
    assert line.startswith(f"resource-directory invitation {SEED_HANDSHAKE_ID} is Pending")
    assert "expected Accepted" in line and "request id " in line
    # the plugin's input, not the Python keyword
    assert "(expectedStatus)" in line and "expected_status" not in line


def test_bad_input_is_refused_before_any_request(plugin: Plugin, emulator: Emulator) -> None:
    before = len(emulator.requests)
    for args, said in (({"handshakeId": "nope"}, "is not a valid id"),
                       ({"handshakeId": SEED_HANDSHAKE_ID, "expectedStatus": ["pending"]},
                        "did you mean 'Pending'"),
                       ({"handshakeId": SEED_HANDSHAKE_ID, "region": "Hangzhou"},
                        "is not a region id")):
        with pytest.raises(grpc.RpcError) as failure:
            _invoke(plugin, "getHandshake", **args)
        assert said in _one_line(failure)
    assert len(emulator.requests) == before


def test_not_found_names_the_code(plugin: Plugin) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        _invoke(plugin, "getHandshake", handshakeId="h-0000000000000000")
    line = _one_line(failure)
    assert "EntityNotExists.Handshake" in line and "h-0000000000000000" in line


# -- resources ------------------------------------------------------------------------


def _create(plugin: Plugin, urn: str, preview: bool, **props: Any) -> Any:
    return plugin.stub.Create(provider_pb2.CreateRequest(
        urn=urn, properties=_values(**props), preview=preview), timeout=60)


def test_create_reads_and_delete_forgets(plugin: Plugin, emulator: Emulator) -> None:
    emulator.clear()
    created = _create(plugin, HANDSHAKE_URN, False, handshakeId=SEED_HANDSHAKE_ID,
                      expectedStatus=["Pending"])
    assert created.id == SEED_HANDSHAKE_ID
    state = _plain(created.properties)
    assert state.pop("expectedStatus") == ["Pending"]
    assert state == _seed(SEED_HANDSHAKE)

    plugin.stub.Delete(provider_pb2.DeleteRequest(
        urn=HANDSHAKE_URN, id=created.id, properties=created.properties), timeout=60)
    assert [r.action for r in emulator.requests] == ["GetHandshake"]


def test_preview_with_an_unknown_id_sends_nothing_and_gives_unknowns(
        plugin: Plugin, emulator: Emulator) -> None:
    emulator.clear()
    created = _create(plugin, ORDER_URN, True, orderId=PropertyValue(rpc.UNKNOWN),
                      expectedState=["ACCEPTED"])

    state = {k: v.string_value for k, v in created.properties.fields.items()}
    assert state["orderState"] == rpc.UNKNOWN and state["orderId"] == rpc.UNKNOWN
    assert _plain(created.properties)["expectedState"] == ["ACCEPTED"]
    assert emulator.requests == []


def test_create_fails_when_the_expectation_is_not_met(plugin: Plugin) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        _create(plugin, HANDSHAKE_URN, True, handshakeId=SEED_HANDSHAKE_ID,
                expectedStatus=["Accepted"])
    assert "is Pending" in _one_line(failure)


def test_get_reads_by_id_alone(plugin: Plugin) -> None:
    """``Handshake.get(name, id)``: the engine sends the id and no inputs."""
    response = plugin.stub.Read(provider_pb2.ReadRequest(id=SEED_ORDER_ID, urn=ORDER_URN),
                                timeout=60)
    assert response.id == SEED_ORDER_ID
    assert _plain(response.properties) == _seed(SEED_ORDER)
    assert _plain(response.inputs) == {"orderId": SEED_ORDER_ID}


def test_diff_reads_the_live_object(plugin: Plugin, emulator: Emulator) -> None:
    created = _create(plugin, HANDSHAKE_URN, False, handshakeId=SEED_HANDSHAKE_ID)
    news = _values(handshakeId=SEED_HANDSHAKE_ID)
    request = provider_pb2.DiffRequest(urn=HANDSHAKE_URN, id=created.id,
                                       olds=created.properties, news=news)
    assert plugin.stub.Diff(request, timeout=60).changes == provider_pb2.DiffResponse.DIFF_NONE

    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    try:
        moved = plugin.stub.Diff(request, timeout=60)
        assert moved.changes == provider_pb2.DiffResponse.DIFF_SOME
        assert "status" in moved.diffs and not moved.replaces
        updated = plugin.stub.Update(provider_pb2.UpdateRequest(
            urn=HANDSHAKE_URN, id=created.id, olds=created.properties, news=news),
            timeout=60)
        assert _plain(updated.properties)["status"] == "Accepted"
        expecting = provider_pb2.DiffRequest(
            urn=HANDSHAKE_URN, id=created.id, olds=created.properties,
            news=_values(handshakeId=SEED_HANDSHAKE_ID, expectedStatus=["Accepted"]))
        assert plugin.stub.Diff(expecting, timeout=60).diffs == ["expectedStatus"]
    finally:
        emulator.set_state(SEED_HANDSHAKE_ID, "Pending")


def test_a_new_id_replaces(plugin: Plugin) -> None:
    olds = _values(handshakeId=SEED_HANDSHAKE_ID)
    response = plugin.stub.Diff(provider_pb2.DiffRequest(
        urn=HANDSHAKE_URN, id=SEED_HANDSHAKE_ID, olds=olds,
        news=_values(handshakeId="h-0000000000000001")), timeout=60)
    assert list(response.replaces) == ["handshakeId"]


def test_check_reports_bad_inputs_as_failures(plugin: Plugin) -> None:
    response = plugin.stub.Check(provider_pb2.CheckRequest(
        urn=ORDER_URN, olds=_values(),
        news=_values(orderId=SEED_ORDER_ID, region="Hangzhou", apiVersion="2000-01-01",
                     expectedState=["DONE"], color="red")), timeout=60)
    assert sorted(f.property for f in response.failures) == \
        ["apiVersion", "color", "expectedState", "region"]


def test_mismatch_means_accepted_on_the_function_and_the_resource(
        tmp_path: Path, emulator: Emulator) -> None:
    """With the invited account's keys, an accepted invitation answers HTTP 409
    HandshakeStatusMismatch; ``mismatchMeansAccepted: true`` counts it as Accepted."""
    invited = Plugin(tmp_path)
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    try:
        invited.configure(resourcemanagerEndpoint=emulator.url,
                          accessKey=INVITED_ACCESS_KEY_ID, secretKey=INVITED_ACCESS_KEY_SECRET)
        response = _invoke(invited, "getHandshake", handshakeId=SEED_HANDSHAKE_ID,
                           expectedStatus=["Accepted"], mismatchMeansAccepted=True)
        result = _plain(getattr(response, "return"))
        assert result["status"] == "Accepted" and "note" not in result
        created = _create(invited, HANDSHAKE_URN, False, handshakeId=SEED_HANDSHAKE_ID,
                          mismatchMeansAccepted=True)
        state = _plain(created.properties)
        assert state["status"] == "Accepted" and state["mismatchMeansAccepted"] is True
        with pytest.raises(grpc.RpcError) as failure:
            _invoke(invited, "getHandshake", handshakeId=SEED_HANDSHAKE_ID)
        line = _one_line(failure)
        assert "HandshakeStatusMismatch" in line
        assert "(input mismatchMeansAccepted: true)" in line and "in Python" not in line
    finally:
        emulator.set_state(SEED_HANDSHAKE_ID, "Pending")
        invited.close()


def test_check_refuses_mismatch_means_accepted_where_it_does_not_apply(plugin: Plugin) -> None:
    orders = plugin.stub.Check(provider_pb2.CheckRequest(
        urn=ORDER_URN, olds=_values(),
        news=_values(orderId=SEED_ORDER_ID, mismatchMeansAccepted=True)), timeout=60)
    handshakes = plugin.stub.Check(provider_pb2.CheckRequest(
        urn=HANDSHAKE_URN, olds=_values(),
        news=_values(handshakeId=SEED_HANDSHAKE_ID, mismatchMeansAccepted="yes")), timeout=60)

    assert [f.property for f in orders.failures] == ["mismatchMeansAccepted"]
    ((failure,),) = [handshakes.failures]
    assert failure.property == "mismatchMeansAccepted"
    assert failure.reason.startswith("mismatchMeansAccepted must be")


# -- configuration --------------------------------------------------------------------


def test_explicit_provider_config_wins_over_the_environment(
        tmp_path: Path, emulator: Emulator) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIwrongKeyFromEnv",
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong-secret-from-env",
           "ALIREAD_RESOURCEMANAGER_ENDPOINT": "http://127.0.0.1:9"}
    plugin = Plugin(tmp_path, env)
    try:
        plugin.configure(resourcemanagerEndpoint=emulator.url, accessKey=DEFAULT_ACCESS_KEY_ID,
                         secretKey=DEFAULT_ACCESS_KEY_SECRET)
        response = _invoke(plugin, "getHandshake", handshakeId=SEED_HANDSHAKE_ID)
        assert _plain(getattr(response, "return"))["status"] == "Pending"
    finally:
        plugin.close()


def test_the_environment_is_used_without_provider_config(
        tmp_path: Path, emulator: Emulator) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
           "ALIREAD_LINKWAN_ENDPOINT": emulator.url}
    plugin = Plugin(tmp_path, env)
    try:
        plugin.configure()
        response = _invoke(plugin, "getJoinPermissionAuthOrder", orderId=SEED_ORDER_ID)
        assert _plain(getattr(response, "return"))["orderId"] == SEED_ORDER_ID
        plugin.configure(linkwanEndpoint=emulator.url, secretKey="wrong-secret")
        with pytest.raises(grpc.RpcError) as failure:
            _invoke(plugin, "getJoinPermissionAuthOrder", orderId=SEED_ORDER_ID)
        # the plugin's own config keys (aliread:*), not the Python program's alicloud:*
        line = _one_line(failure)
        assert "aliread:secretKey but not aliread:accessKey" in line
        assert "alicloud:" not in line
    finally:
        plugin.close()


def test_stack_config_secrets_stay_out_of_the_provider_state(
        tmp_path: Path, emulator: Emulator) -> None:
    """What CheckConfig returns is stored as the provider's state: secrets that come from
    the stack config (``PULUMI_CONFIG``, as the engine hands it) are left out, and
    Configure takes them from there again."""
    stack = {"secretKey": STS_ACCESS_KEY_SECRET, "securityToken": STS_TOKEN}
    plugin = Plugin(tmp_path, {"PULUMI_CONFIG": json.dumps(stack)})
    try:
        news = {"resourcemanagerEndpoint": PropertyValue(emulator.url),
                "accessKey": PropertyValue(STS_ACCESS_KEY_ID),
                "secretKey": PropertyValue(STS_ACCESS_KEY_SECRET, is_secret=True),
                "securityToken": PropertyValue(STS_TOKEN, is_secret=True)}
        checked = plugin.stub.CheckConfig(provider_pb2.CheckRequest(
            urn="urn:pulumi:dev::p::pulumi:providers:aliread::default",
            olds=PropertyValue.marshal_map({}), news=PropertyValue.marshal_map(news)),
            timeout=30)
        assert set(checked.inputs.fields) == {"resourcemanagerEndpoint", "accessKey"}
        assert not [s for s in SECRETS if s.encode() in checked.SerializeToString()]

        plugin.stub.Configure(provider_pb2.ConfigureRequest(args=checked.inputs,
                                                            acceptSecrets=True), timeout=30)
        response = _invoke(plugin, "getHandshake", handshakeId=SEED_HANDSHAKE_ID)
        assert _plain(getattr(response, "return"))["status"] == "Pending"
    finally:
        plugin.close()


def test_secrets_given_as_explicit_provider_inputs_are_kept(tmp_path: Path) -> None:
    plugin = Plugin(tmp_path)
    try:
        news = {"secretKey": PropertyValue("explicit-secret", is_secret=True)}
        checked = plugin.stub.CheckConfig(provider_pb2.CheckRequest(
            urn="urn:pulumi:dev::p::pulumi:providers:aliread::mine",
            olds=PropertyValue.marshal_map({}), news=PropertyValue.marshal_map(news)),
            timeout=30)
        assert set(checked.inputs.fields) == {"secretKey"}
    finally:
        plugin.close()
