"""The real provider plugin: ``python -u -m pulumi.dynamic``, launched and driven over gRPC
with Pulumi's own stubs the way the engine does (GetPluginInfo, Configure with the stack
config, Read with the id and the serialized provider of a real registration)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi_helpers import SEED_HANDSHAKE, SEED_ORDER, stack_config

import pulumi_aliread as aliread
from pulumi_aliread.testing import (
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)
from pulumi_aliread.testing.mocks import ProviderMocks

REPO = Path(aliread.__file__).resolve().parents[1]
SECRET_KEYS = ("alicloud:secretKey", "alicloud:securityToken")


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def config(module_emulator: Emulator) -> dict[str, str]:
    return stack_config(module_emulator, **{
        "alicloud:accessKey": STS_ACCESS_KEY_ID,
        "alicloud:secretKey": STS_ACCESS_KEY_SECRET,
        "alicloud:securityToken": STS_TOKEN,
        "onboarding:team": "platform",
    })


class Plugin:
    """The dynamic provider plugin process and a gRPC stub connected to it."""

    def __init__(self, tmp: Path) -> None:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                        os.environ.get("PYTHONPATH")])),
            "PULUMI_PROJECT": "onboarding",
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"plugin did not print its port: {line!r}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def close(self) -> None:
        if hasattr(self, "channel"):
            self.channel.close()
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory, config: dict[str, str]) -> Iterator[Plugin]:
    running = Plugin(tmp_path_factory.mktemp("plugin"))
    try:
        # Configure as the engine does: every stack config key, secrets marked secret.
        args = {key: ({rpc._special_sig_key: rpc._special_secret_sig, "value": value}
                      if key in SECRET_KEYS else value) for key, value in config.items()}
        running.stub.Configure(provider_pb2.ConfigureRequest(
            args=_struct(args), acceptSecrets=True, acceptResources=True))
        yield running
    finally:
        running.close()


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


class _Recorder(ProviderMocks):
    """Records what the program registers, and reads nothing (the plugin will)."""

    def new_resource(self, args: Any) -> tuple[str, dict]:
        self.inputs = dict(args.inputs)
        return args.resource_id or "", {}


def _registered_inputs(build: Any) -> dict[str, Any]:
    """The inputs a program registers for one resource (``__provider`` included), as the
    engine receives them from the Pulumi runtime."""
    recorder = _Recorder()
    recorder.run(build, preview=True)
    return {k: v for k, v in recorder.inputs.items() if v is not None}


def _serialize(props: dict[str, Any]) -> struct_pb2.Struct:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def _read(plugin: Plugin, object_id: str, type_name: str, inputs: dict[str, Any],
          properties: dict[str, Any] | None = None) -> provider_pb2.ReadResponse:
    return plugin.stub.Read(provider_pb2.ReadRequest(
        id=object_id,
        urn=f"urn:pulumi:stack::onboarding::pulumi-python:dynamic/aliread:{type_name}::r",
        type=f"pulumi-python:dynamic/aliread:{type_name}",
        name="r",
        properties=_serialize(properties if properties is not None else inputs),
    ))


def test_plugin_info(plugin: Plugin) -> None:
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version


def test_read_handshake_returns_the_seed_properties(plugin: Plugin,
                                                    module_emulator: Emulator) -> None:
    inputs = _registered_inputs(lambda: aliread.Handshake(
        "invite", handshake_id=SEED_HANDSHAKE_ID, expected_status=["Pending", "Accepted"]))

    response = _read(plugin, SEED_HANDSHAKE_ID, "Handshake", inputs)

    props = rpc.deserialize_properties(response.properties)
    assert response.id == SEED_HANDSHAKE_ID
    assert props.pop("__provider") == inputs["__provider"]
    assert props.pop("expected_status") == ["Pending", "Accepted"]
    assert props == SEED_HANDSHAKE
    assert STS_TOKEN.encode() not in response.SerializeToString()
    assert STS_ACCESS_KEY_SECRET.encode() not in response.SerializeToString()


def test_read_auth_order_with_keywords(plugin: Plugin, module_emulator: Emulator) -> None:
    inputs = _registered_inputs(lambda: aliread.JoinPermissionAuthOrder(
        "grant", order_id=SEED_ORDER_ID, region="cn-shanghai", api_version="2018-12-30",
        expected_state="ACCEPTED"))

    response = _read(plugin, SEED_ORDER_ID, "JoinPermissionAuthOrder", inputs)

    props = rpc.deserialize_properties(response.properties)
    assert {k: props[k] for k in SEED_ORDER} == {
        k: (float(v) if isinstance(v, int) else v) for k, v in SEED_ORDER.items()
    }  # numbers cross the wire as floats; the resource turns them back into int
    assert props["region"] == "cn-shanghai"


def test_refresh_reads_again_from_the_previous_outputs(plugin: Plugin,
                                                       module_emulator: Emulator) -> None:
    inputs = _registered_inputs(lambda: aliread.Handshake(
        "invite", handshake_id=SEED_HANDSHAKE_ID))
    first = _read(plugin, SEED_HANDSHAKE_ID, "Handshake", inputs)
    before = module_emulator.count("GetHandshake", SEED_HANDSHAKE_ID)

    again = _read(plugin, SEED_HANDSHAKE_ID, "Handshake", inputs,
                  properties=rpc.deserialize_properties(first.properties))

    assert rpc.deserialize_properties(again.properties) == \
        rpc.deserialize_properties(first.properties)  # no request id: reads back identical
    assert module_emulator.count("GetHandshake", SEED_HANDSHAKE_ID) == before + 1


def test_expectation_failure_is_a_grpc_error_with_the_clear_message(
        plugin: Plugin, module_emulator: Emulator) -> None:
    inputs = _registered_inputs(lambda: aliread.Handshake(
        "invite", handshake_id=SEED_HANDSHAKE_ID, expected_status="Accepted"))

    with pytest.raises(grpc.RpcError) as failure:
        _read(plugin, SEED_HANDSHAKE_ID, "Handshake", inputs)

    details = failure.value.details()
    # The engine shows these details as the preview's diagnostic: the message alone, on
    # one line, with no Python traceback (what `pulumi preview` showed before the fix).
    (line,) = details.strip().splitlines()
    # pulumi 3.139's plugin lets the error reach grpc, which adds this prefix.
    line = line.removeprefix("Exception calling application: ")
    assert line.startswith(f"resource-directory invitation {SEED_HANDSHAKE_ID} is Pending")
    assert "expected Accepted" in line and "request id " in line
    assert STS_TOKEN not in details and STS_ACCESS_KEY_SECRET not in details


def test_not_found_is_a_grpc_error_naming_the_code(plugin: Plugin,
                                                   module_emulator: Emulator) -> None:
    inputs = _registered_inputs(lambda: aliread.Handshake(
        "invite", handshake_id="h-0000000000000000"))

    with pytest.raises(grpc.RpcError) as failure:
        _read(plugin, "h-0000000000000000", "Handshake", inputs)

    (line,) = failure.value.details().strip().splitlines()
    assert "Traceback" not in line
    assert "EntityNotExists.Handshake" in line and "h-0000000000000000" in line


def test_check_reports_a_bad_option_as_a_failure(plugin: Plugin,
                                                 module_emulator: Emulator) -> None:
    inputs = _registered_inputs(lambda: aliread.Handshake(
        "invite", handshake_id=SEED_HANDSHAKE_ID))
    news = {**inputs, "region": "Hangzhou"}

    response = plugin.stub.Check(provider_pb2.CheckRequest(
        urn="urn:pulumi:stack::onboarding::pulumi-python:dynamic/aliread:Handshake::r",
        olds=_serialize({}), news=_serialize(news)))

    assert [f.property for f in response.failures] == ["region"]
