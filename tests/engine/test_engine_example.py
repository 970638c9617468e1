"""``examples/onboarding-check`` as a user runs it, under the real ``pulumi`` CLI: its
own ``Pulumi.yaml``, the package installed from a wheel, the emulator on loopback."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engine_harness import REPO, Project
from pulumi_helpers import SEED_HANDSHAKE, SEED_ORDER, stack_config

from pulumi_aliread.testing import SEED_HANDSHAKE_ID, Emulator

EXAMPLE = REPO / "examples" / "onboarding-check"


@pytest.fixture
def example(new_project: Callable[..., Project], emulator: Emulator) -> Project:
    project = new_project(copy_of=EXAMPLE)
    assert "virtualenv: venv" in (project.path / "Pulumi.yaml").read_text(encoding="utf-8")
    project.init_stack(stack_config(emulator), secret=["alicloud:secretKey"])
    return project


def _text(done: object) -> str:
    return f"{done.stdout}\n{done.stderr}"  # type: ignore[attr-defined]


def test_preview_then_up_export_the_seed_values(example: Project, emulator: Emulator) -> None:
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")

    example.pulumi("preview", check=True)
    example.pulumi("up", "--yes", check=True)

    assert example.outputs() == {
        "invite_status": "Accepted",
        "invited_account": SEED_HANDSHAKE["target_entity"],
        "resource_directory_id": SEED_HANDSHAKE["resource_directory_id"],
        "grant_state": SEED_ORDER["order_state"],
        "grant_accepted_millis": SEED_ORDER["accepted_millis"],
    }


@pytest.mark.parametrize("command", [("preview",), ("up", "--yes")])
def test_expectation_not_met_fails_with_the_reads_one_line(
        example: Project, emulator: Emulator, command: tuple[str, ...]) -> None:
    done = example.pulumi(*command)

    assert done.returncode != 0
    out = _text(done)
    lines = [line for line in out.splitlines() if f"{SEED_HANDSHAKE_ID} is Pending" in line]
    assert lines, out
    line = lines[-1]
    assert "expected Accepted" in line and "GetHandshake, request id " in line
    assert "Traceback" not in out and 'File "' not in out
    assert example.pulumi("stack", "output", "--json").stdout.strip() in ("{}", "")
