"""Stacks outlive releases: the provider pickled into state (by reference to
``pulumi_aliread.provider.ReadOnlyProvider``) is found again by ``pulumi refresh`` and
``pulumi destroy`` after the package was reinstalled at a newer version."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from engine_harness import REPO, Project, build_wheel, make_virtualenv
from pulumi_helpers import stack_config

from pulumi_aliread.testing import SEED_HANDSHAKE_ID, Emulator

PROGRAM = f"""\
import pulumi
import pulumi_aliread as aliread

invite = aliread.Handshake("invite", handshake_id="{SEED_HANDSHAKE_ID}")
pulumi.export("status", invite.status)
"""

NEWER = "99.0.0"


def _newer_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "newer-source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "build", "*.egg-info", "__pycache__", ".pytest_cache"))
    pyproject = source / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(re.sub(r'(?m)^version = ".*"$', f'version = "{NEWER}"', text),
                         encoding="utf-8")
    return build_wheel(source, tmp_path / "newer-wheel")


def test_refresh_and_destroy_after_upgrading_the_package(
        new_project: Callable[..., Project], emulator: Emulator, tmp_path: Path) -> None:
    project = new_project(program=PROGRAM)
    project.init_stack(stack_config(emulator), secret=["alicloud:secretKey"])
    project.pulumi("up", "--yes", check=True)
    provider_blob = project.export()["deployment"]["resources"][-1]["outputs"]["__provider"]

    newer = make_virtualenv(tmp_path / "newer-venv", _newer_wheel(tmp_path))
    version = subprocess.run([str(newer / "bin" / "python"), "-c",
                              "from importlib.metadata import version;"
                              "print(version('pulumi-aliread'))"],
                             capture_output=True, text=True, check=True,
                             cwd=tmp_path).stdout.strip()
    assert version == NEWER
    (project.path / "venv").unlink()
    (project.path / "venv").symlink_to(newer, target_is_directory=True)
    project.venv = newer
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    emulator.clear()

    project.pulumi("refresh", "--yes", "--skip-preview", check=True)
    assert emulator.count("GetHandshake", SEED_HANDSHAKE_ID) == 1
    resources = project.export()["deployment"]["resources"]
    (invite,) = [r for r in resources if r["type"].endswith("aliread:Handshake")]
    assert invite["outputs"]["status"] == "Accepted"
    assert invite["outputs"]["__provider"] == provider_blob
    project.pulumi("destroy", "--yes", check=True)
    assert not project.export()["deployment"].get("resources")
