"""``examples/ts-onboarding-check`` under the real CLI: a TypeScript program with the SDK
generated into ``sdk/nodejs`` (built with tsc, as README says), ``@pulumi/pulumi`` from
npm, the Node.js language host ``make engine`` builds, and the ``pulumi-resource-aliread``
plugin installed from its archive (``pulumi plugin install --file``) into a fresh
PULUMI_HOME, offline against the emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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
    Emulator,
)

EXAMPLE = REPO / "examples" / "ts-onboarding-check"
NPM_TIMEOUT = 600  # seconds


def _need(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("ALIREAD_REQUIRE_ENGINE") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _npm(*args: str, cwd: Path) -> None:
    done = subprocess.run(["npm", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=NPM_TIMEOUT)
    if done.returncode != 0:
        raise AssertionError(f"npm {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def ts_sdk(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdk/nodejs built as README says (npm install, tsc, package.json into bin/)."""
    _need(bool(shutil.which("node") and shutil.which("npm")), "node and npm are needed")
    _need((engine_bin / "pulumi-language-nodejs").exists(),
          "no pulumi-language-nodejs beside the engine: rebuild it with `make engine`")
    sdk = tmp_path_factory.mktemp("ts-sdk") / "nodejs"
    shutil.copytree(REPO / "sdk" / "nodejs", sdk, ignore=shutil.ignore_patterns(
        "node_modules", "bin"))
    _npm("install", "--no-audit", "--no-fund", cwd=sdk)
    _npm("exec", "--", "tsc", cwd=sdk)
    for name in ("package.json", "README.md"):
        shutil.copy(sdk / name, sdk / "bin" / name)
    return sdk / "bin"


@pytest.fixture
def example(new_project: Callable[..., Project], ts_sdk: Path, emulator: Emulator,
            plugin_archive: Path) -> Project:
    project = new_project(copy_of=EXAMPLE)
    project.install_plugin(plugin_archive)
    (project.path / "__main__.py").unlink(missing_ok=True)
    manifest = json.loads((project.path / "package.json").read_text(encoding="utf-8"))
    assert manifest["dependencies"]["@pulumi-aliread/aliread"] == "file:../../sdk/nodejs/bin"
    manifest["dependencies"]["@pulumi-aliread/aliread"] = f"file:{ts_sdk}"
    (project.path / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    _npm("install", "--no-audit", "--no-fund", cwd=project.path)
    project.init_stack({
        "aliread:resourcemanagerEndpoint": emulator.url,
        "aliread:linkwanEndpoint": emulator.url,
        "aliread:accessKey": DEFAULT_ACCESS_KEY_ID,
        "aliread:secretKey": DEFAULT_ACCESS_KEY_SECRET,
    }, secret=["aliread:secretKey"])
    return project


def _text(done: object) -> str:
    return f"{done.stdout}\n{done.stderr}"  # type: ignore[attr-defined]


def test_a_pending_invitation_fails_the_preview_then_accepted_goes_green(
        example: Project, emulator: Emulator) -> None:
    red = example.pulumi("preview")

    assert red.returncode != 0
    lines = [line for line in _text(red).splitlines()
             if f"{SEED_HANDSHAKE_ID} is Pending, expected Accepted" in line]
    assert lines and "GetHandshake, request id " in lines[-1], _text(red)

    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    example.pulumi("preview", check=True)
    example.pulumi("up", "--yes", check=True)
    assert example.outputs() == {
        "inviteStatus": "Accepted",
        "invitedAccount": SEED_HANDSHAKE["target_entity"],
        "grantState": SEED_ORDER["order_state"],
        "grantAcceptedMillis": SEED_ORDER["accepted_millis"],
    }

    emulator.clear()
    example.pulumi("refresh", "--yes", check=True)
    example.pulumi("destroy", "--yes", check=True)
    assert {r.action for r in emulator.requests} <= {"GetHandshake",
                                                     "GetJoinPermissionAuthOrder"}
    assert not example.export()["deployment"].get("resources")
    exported = example.pulumi("stack", "export", "--show-secrets", check=True).stdout
    assert DEFAULT_ACCESS_KEY_SECRET not in exported


def test_a_resource_expectation_not_met_is_one_diagnostic_line(
        example: Project, emulator: Emulator) -> None:
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    emulator.set_state(SEED_ORDER_ID, "REJECTED")

    done = example.pulumi("preview")

    assert done.returncode != 0
    lines = [line for line in _text(done).splitlines()
             if f"order {SEED_ORDER_ID} is REJECTED" in line]
    assert lines and "expected ACCEPTED" in lines[-1], _text(done)
