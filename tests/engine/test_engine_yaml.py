"""``examples/yaml-onboarding-check`` and small Pulumi YAML programs under the real CLI:
the ``pulumi-resource-aliread`` plugin (installed with ``pulumi plugin install --file``
from the archive the program virtualenv builds) read through ``fn::invoke`` and read-only
resources, offline against the emulator."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_harness import REPO, Project
from pulumi_helpers import SEED_HANDSHAKE, SEED_ORDER

from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

EXAMPLE = REPO / "examples" / "yaml-onboarding-check"
READS = {"GetHandshake", "GetJoinPermissionAuthOrder"}
LIST = "ListHandshakesForResourceDirectory"


@pytest.fixture(autouse=True)
def yaml_host(engine_bin: Path) -> Path:
    """The YAML language host beside the engine (``make engine`` builds it)."""
    found = engine_bin / "pulumi-language-yaml"
    if found.exists() or shutil.which("pulumi-language-yaml"):
        return found
    message = ("no pulumi-language-yaml beside the engine: rebuild it with `make engine` "
               "(scripts/pulumi-engine.sh builds what the cache lacks)")
    if os.environ.get("ALIREAD_REQUIRE_ENGINE") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _provider_config(emulator: Emulator, **extra: str) -> dict[str, str]:
    return {
        "aliread:resourcemanagerEndpoint": emulator.url,
        "aliread:linkwanEndpoint": emulator.url,
        "aliread:accessKey": DEFAULT_ACCESS_KEY_ID,
        "aliread:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        **extra,
    }


def _yaml_project(new_project: Callable[..., Project], source: Path | str,
                  name: str = "project", plugin: Path | None = None) -> Project:
    """A YAML project (a copy of ``source``, or ``source`` as its Pulumi.yaml text), with
    the plugin archive ``plugin`` installed into its PULUMI_HOME."""
    if isinstance(source, Path):
        project = new_project(copy_of=source, name=name)
    else:
        project = new_project(program="", name=name)
        (project.path / "__main__.py").unlink()
        (project.path / "Pulumi.yaml").write_text(source, encoding="utf-8")
    assert "runtime: yaml" in (project.path / "Pulumi.yaml").read_text(encoding="utf-8")
    if plugin is not None:
        project.install_plugin(plugin)
    return project


def _text(done: object) -> str:
    return f"{done.stdout}\n{done.stderr}"  # type: ignore[attr-defined]


@pytest.fixture
def example(new_project: Callable[..., Project], emulator: Emulator,
            plugin_archive: Path) -> Project:
    project = _yaml_project(new_project, EXAMPLE, plugin=plugin_archive)
    project.init_stack(_provider_config(emulator), secret=["aliread:secretKey"])
    return project


def test_preview_then_up_export_the_seed_values(example: Project, emulator: Emulator) -> None:
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    pending = emulator.add_handshakes(2, status="Pending")

    example.pulumi("preview", check=True)
    example.pulumi("up", "--yes", check=True)

    assert example.outputs() == {
        "inviteStatus": "Accepted",
        "invitedAccount": SEED_HANDSHAKE["target_entity"],
        "resourceDirectoryId": SEED_HANDSHAKE["resource_directory_id"],
        "grantState": SEED_ORDER["order_state"],
        "grantAcceptedMillis": SEED_ORDER["accepted_millis"],
        "pendingInvitations": pending,
        "invitationsListed": 3,
    }
    assert {request.action for request in emulator.requests} == READS | {LIST}
    (grant,) = [r for r in example.export()["deployment"]["resources"]
                if r["type"] == "aliread:index:JoinPermissionAuthOrder"]
    assert grant["id"] == SEED_ORDER_ID and grant["outputs"]["orderId"] == SEED_ORDER_ID


@pytest.mark.parametrize("command", [("preview",), ("up", "--yes")])
def test_invoke_expectation_not_met_fails_with_one_line(
        example: Project, command: tuple[str, ...]) -> None:
    done = example.pulumi(*command)

    assert done.returncode != 0
    out = _text(done)
    lines = [line for line in out.splitlines() if f"{SEED_HANDSHAKE_ID} is Pending" in line]
    assert lines, out
    assert "expected Accepted" in lines[-1] and "GetHandshake, request id " in lines[-1]
    assert "Traceback" not in out and 'File "' not in out


def test_resource_expectation_not_met_fails_the_preview(
        example: Project, emulator: Emulator) -> None:
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    emulator.set_state(SEED_ORDER_ID, "REJECTED")

    done = example.pulumi("preview")

    assert done.returncode != 0
    out = _text(done)
    lines = [line for line in out.splitlines() if f"order {SEED_ORDER_ID} is REJECTED" in line]
    assert lines, out
    assert "expected ACCEPTED" in lines[-1] and "Traceback" not in out


UNKNOWN_ID = f"""\
name: unknown-id
runtime: yaml
resources:
  first:
    type: aliread:index:Handshake
    properties:
      handshakeId: {SEED_HANDSHAKE_ID}
  second:
    type: aliread:index:Handshake
    properties:
      handshakeId: ${{first.id}}
outputs:
  secondStatus: ${{second.status}}
"""


def test_an_unknown_id_in_preview_sends_no_request_and_up_reads_it(
        new_project: Callable[..., Project], emulator: Emulator,
        plugin_archive: Path) -> None:
    project = _yaml_project(new_project, UNKNOWN_ID, plugin=plugin_archive)
    project.init_stack(_provider_config(emulator), secret=["aliread:secretKey"])

    preview = project.pulumi("preview", check=True)

    assert emulator.count("GetHandshake", SEED_HANDSHAKE_ID) == 1, _text(preview)  # first only
    assert "secondStatus: [unknown]" in preview.stdout
    project.pulumi("up", "--yes", check=True)
    assert project.outputs() == {"secondStatus": "Pending"}


def test_credentials_never_reach_state_outputs_or_logs(
        new_project: Callable[..., Project], emulator: Emulator,
        plugin_archive: Path) -> None:
    project = _yaml_project(new_project, EXAMPLE, plugin=plugin_archive)
    project.init_stack(
        _provider_config(emulator, **{"aliread:accessKey": STS_ACCESS_KEY_ID,
                                      "aliread:secretKey": STS_ACCESS_KEY_SECRET,
                                      "aliread:securityToken": STS_TOKEN}),
        secret=["aliread:secretKey", "aliread:securityToken"])
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")

    done = project.pulumi("up", "--yes", "-v=9", "--logtostderr", check=True)

    exported = project.pulumi("stack", "export", "--show-secrets", check=True).stdout
    for text in (_text(done), exported, project.files_text(), str(project.outputs())):
        assert STS_ACCESS_KEY_SECRET not in text and STS_TOKEN not in text
    assert emulator.requests and all(r.params.get("AccessKeyId") == STS_ACCESS_KEY_ID
                                     for r in emulator.requests)


def test_refresh_and_destroy_read_and_forget_only(example: Project,
                                                   emulator: Emulator) -> None:
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    example.pulumi("up", "--yes", check=True)
    emulator.clear()

    example.pulumi("refresh", "--yes", check=True)
    example.pulumi("up", "--yes", "--expect-no-changes", check=True)
    example.pulumi("destroy", "--yes", check=True)

    assert emulator.requests and {r.action for r in emulator.requests} <= READS | {LIST}
    assert not example.export()["deployment"].get("resources")
    assert emulator.get_object(SEED_ORDER_ID)["OrderState"] == "ACCEPTED"


def test_the_plugin_found_through_plugins_providers(
        new_project: Callable[..., Project], emulator: Emulator) -> None:
    """Not installed, not on PATH: ``plugins.providers`` in Pulumi.yaml names the folder
    holding the console script."""
    project = _yaml_project(new_project, EXAMPLE)
    plugin_dir = project.venv / "bin"
    text = (project.path / "Pulumi.yaml").read_text(encoding="utf-8")
    (project.path / "Pulumi.yaml").write_text(
        text + f"plugins:\n  providers:\n    - name: aliread\n      path: {plugin_dir}\n",
        encoding="utf-8")
    project.uses_plugin = True
    assert str(plugin_dir) not in project.env()["PATH"]
    project.init_stack(_provider_config(emulator), secret=["aliread:secretKey"])
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")

    done = project.pulumi("up", "--yes", check=True)

    assert "from $PATH" not in _text(done)
    assert project.outputs()["grantState"] == "ACCEPTED"


GET_BY_ID = f"""\
name: get-by-id
runtime: yaml
resources:
  existing:
    type: aliread:index:JoinPermissionAuthOrder
    get:
      id: "{SEED_ORDER_ID}"
outputs:
  state: ${{existing.orderState}}
  renter: ${{existing.renterAliyunId}}
"""


def test_get_reads_an_existing_object_by_id(
        new_project: Callable[..., Project], emulator: Emulator,
        plugin_archive: Path) -> None:
    """``get: {id: ...}`` (``JoinPermissionAuthOrder.get`` in the SDKs): an engine Read."""
    project = _yaml_project(new_project, GET_BY_ID, plugin=plugin_archive)
    project.init_stack(_provider_config(emulator), secret=["aliread:secretKey"])

    project.pulumi("up", "--yes", check=True)

    assert project.outputs() == {"state": SEED_ORDER["order_state"],
                                 "renter": SEED_ORDER["renter_aliyun_id"]}
    project.pulumi("destroy", "--yes", check=True)
    assert {r.action for r in emulator.requests} == {"GetJoinPermissionAuthOrder"}


def _closed_port() -> int:
    """A loopback port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_invoke_in_flight_when_a_resource_fails_names_its_own_cause(
        example: Project, emulator: Emulator) -> None:
    """The resource's endpoint refuses connections (it fails after its retries, in about
    2 s); the function's answer takes 4 s. The engine stops the plugins as soon as the
    resource fails: the invoke was cut with only "grpc: the client connection is
    closing". The plugin now returns the resource's failure once the invoke answered."""
    example.pulumi("config", "set", "aliread:linkwanEndpoint",
                   f"http://127.0.0.1:{_closed_port()}", check=True)
    emulator.latency = 4.0

    done = example.pulumi("preview")

    assert done.returncode != 0
    out = _text(done)
    assert "client connection is closing" not in out, out
    assert f"{SEED_HANDSHAKE_ID} is Pending, expected Accepted" in out, out
    assert f"GetJoinPermissionAuthOrder {SEED_ORDER_ID}: could not get an answer" in out, out
