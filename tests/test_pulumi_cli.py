"""The onboarding example under the real ``pulumi`` CLI (local backend) against the
emulator. Skipped when ``pulumi`` is not on PATH."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi_helpers import stack_config

import pulumi_aliread as aliread
from pulumi_aliread.testing import DEFAULT_ACCESS_KEY_SECRET, SEED_HANDSHAKE_ID, Emulator

PULUMI = shutil.which("pulumi")
REPO = Path(aliread.__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "onboarding-check"

pytestmark = pytest.mark.skipif(PULUMI is None, reason="the pulumi CLI is not on PATH")


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "onboarding-check"
    shutil.copytree(EXAMPLE, project)
    # Run with this interpreter (which has pulumi_aliread) rather than a new virtualenv.
    (project / "Pulumi.yaml").write_text(
        "name: onboarding-check\nruntime: python\n", encoding="utf-8"
    )
    return project


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "HOME": str(tmp_path),
        "PULUMI_HOME": str(tmp_path / ".pulumi"),
        "PULUMI_CONFIG_PASSPHRASE": "test-passphrase",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
        "PYTHONPATH": str(REPO),
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
    }


def _pulumi(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PULUMI, *args, "--non-interactive"], cwd=project, env=env, capture_output=True,
        text=True, timeout=300,
    )


def test_preview_and_up_read_the_objects_and_fail_on_expectation(
        tmp_path: Path, emulator: Emulator) -> None:
    project, env = _project(tmp_path), _env(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    assert _pulumi(project, env, "login", f"file://{state}").returncode == 0
    assert _pulumi(project, env, "stack", "init", "dev").returncode == 0
    for key, value in stack_config(emulator).items():
        secret = ["--secret"] if key == "alicloud:secretKey" else []
        assert _pulumi(project, env, "config", "set", *secret, key, value).returncode == 0

    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    preview = _pulumi(project, env, "preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    up = _pulumi(project, env, "up", "--yes", "--skip-preview")
    assert up.returncode == 0, up.stdout + up.stderr
    outputs = json.loads(_pulumi(project, env, "stack", "output", "--json").stdout)
    assert outputs["invite_status"] == "Accepted"
    assert outputs["grant_state"] == "ACCEPTED"
    exported = _pulumi(project, env, "stack", "export").stdout
    assert DEFAULT_ACCESS_KEY_SECRET not in exported

    emulator.set_state(SEED_HANDSHAKE_ID, "Pending")
    failed = _pulumi(project, env, "preview")
    assert failed.returncode != 0
    assert f"{SEED_HANDSHAKE_ID} is Pending, expected Accepted" in failed.stdout + failed.stderr
