"""``examples/go-onboarding-check`` under the real CLI: a Go program with the SDK generated
into ``sdk/go``, the Go language host ``make engine`` builds, and the
``pulumi-resource-aliread`` plugin installed from its archive (``pulumi plugin install
--file``) into a fresh PULUMI_HOME, offline against the
emulator (Go modules from the module cache or the proxy)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_harness import REPO, Project

from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    Emulator,
)

EXAMPLE = REPO / "examples" / "go-onboarding-check"


def _go_env() -> dict[str, str]:
    """The Go toolchain and its caches as this machine has them (tests change HOME)."""
    go = shutil.which("go")
    if go is None:
        if os.environ.get("ALIREAD_REQUIRE_ENGINE") == "1":
            pytest.fail("go is needed to run the Go example")
        pytest.skip("go is needed to run the Go example")
    values = subprocess.run([go, "env", "GOCACHE", "GOMODCACHE", "GOPROXY"], capture_output=True,
                            text=True, check=True, timeout=60).stdout.splitlines()
    return {"GOCACHE": values[0], "GOMODCACHE": values[1], "GOPROXY": values[2],
            "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod",
            "GO_BIN_DIR": str(Path(go).resolve().parent)}


@pytest.fixture
def example(new_project: Callable[..., Project], emulator: Emulator,
            plugin_archive: Path) -> Project:
    project = new_project(copy_of=EXAMPLE)
    project.install_plugin(plugin_archive)
    (project.path / "__main__.py").unlink(missing_ok=True)
    if not (project.engine / "pulumi-language-go").exists():
        message = "no pulumi-language-go beside the engine: rebuild it with `make engine`"
        if os.environ.get("ALIREAD_REQUIRE_ENGINE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    go_mod = project.path / "go.mod"
    text = go_mod.read_text(encoding="utf-8")
    assert "=> ../../sdk" in text
    go_mod.write_text(text.replace("=> ../../sdk", f"=> {REPO / 'sdk'}"), encoding="utf-8")
    env = _go_env()
    go_bin = env.pop("GO_BIN_DIR")
    project.extra_env.update(env)
    project.extra_env["PATH"] = os.pathsep.join([project.env()["PATH"], go_bin])
    project.init_stack({
        "aliread:resourcemanagerEndpoint": emulator.url,
        "aliread:linkwanEndpoint": emulator.url,
        "aliread:accessKey": DEFAULT_ACCESS_KEY_ID,
        "aliread:secretKey": DEFAULT_ACCESS_KEY_SECRET,
    }, secret=["aliread:secretKey"])
    return project


def test_a_pending_invitation_fails_the_preview_then_accepted_goes_green(
        example: Project, emulator: Emulator) -> None:
    red = example.pulumi("preview")

    assert red.returncode != 0
    out = f"{red.stdout}\n{red.stderr}"
    lines = [line for line in out.splitlines()
             if f"{SEED_HANDSHAKE_ID} is Pending, expected Accepted" in line]
    assert lines and "GetHandshake, request id " in lines[-1], out

    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    example.pulumi("up", "--yes", check=True)
    assert example.outputs() == {"inviteStatus": "Accepted", "grantState": "ACCEPTED"}

    emulator.clear()
    example.pulumi("destroy", "--yes", check=True)
    assert {r.action for r in emulator.requests} <= {"GetHandshake",
                                                     "GetJoinPermissionAuthOrder"}
    assert not example.export()["deployment"].get("resources")
