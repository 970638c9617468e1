"""``pulumi refresh`` and ``pulumi destroy`` under the real engine: refresh records the
new state, a later ``up`` changes nothing, destroy only forgets."""

from __future__ import annotations

from collections.abc import Callable

from engine_harness import Project
from pulumi_helpers import stack_config

from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Emulator

PROGRAM = f"""\
import pulumi
import pulumi_aliread as aliread

invite = aliread.Handshake("invite", handshake_id="{SEED_HANDSHAKE_ID}")
grant = aliread.JoinPermissionAuthOrder("grant", order_id="{SEED_ORDER_ID}")
pulumi.export("status", invite.status)
"""

READS = {"GetHandshake", "GetJoinPermissionAuthOrder"}


def _handshake_state(project: Project) -> dict[str, object]:
    resources = project.export()["deployment"].get("resources") or []
    (handshake,) = [r for r in resources if r["type"].endswith("aliread:Handshake")]
    return handshake["outputs"]


def test_refresh_records_the_new_status_then_up_changes_nothing(
        new_project: Callable[..., Project], emulator: Emulator) -> None:
    project = new_project(program=PROGRAM)
    project.init_stack(stack_config(emulator), secret=["alicloud:secretKey"])
    project.pulumi("up", "--yes", check=True)
    assert _handshake_state(project)["status"] == "Pending"

    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    project.pulumi("refresh", "--yes", check=True)

    outputs = _handshake_state(project)
    assert outputs["status"] == "Accepted"
    assert "request_id" not in outputs
    project.pulumi("up", "--yes", "--expect-no-changes", check=True)
    assert project.outputs() == {"status": "Accepted"}


def test_destroy_only_forgets(new_project: Callable[..., Project], emulator: Emulator) -> None:
    project = new_project(program=PROGRAM)
    project.init_stack(stack_config(emulator), secret=["alicloud:secretKey"])
    project.pulumi("up", "--yes", check=True)
    emulator.clear()

    project.pulumi("destroy", "--yes", check=True)

    assert {request.action for request in emulator.requests} <= READS
    assert not project.export()["deployment"].get("resources")
    assert emulator.get_object(SEED_HANDSHAKE_ID)["Status"] == "Pending"
