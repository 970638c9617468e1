"""Installed and run as users install and run it, under the real CLI: the package from a
wheel into a virtualenv that is not on PATH (``PULUMI_PYTHON_CMD`` names its python),
automatic plugin acquisition left on. The harness checks every preview, up, refresh and
destroy's ``-v=5`` log for a lookup of an ``aliread`` plugin (``assert_no_plugin_hunt``);
these tests name the cases that once failed it."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from engine_harness import Project
from pulumi_helpers import SEED_ORDER, stack_config

from pulumi_aliread.testing import (
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    Emulator,
)


def test_the_wheel_says_the_package_has_no_resource_plugin(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        found = json.loads(archive.read("pulumi_aliread/pulumi-plugin.json"))

    assert found == {"resource": False}


def test_a_python_program_makes_the_engine_look_for_no_aliread_plugin(
        new_project: Callable[..., Project]) -> None:
    """The environment holds pulumi-aliread; the program does not even import it. The
    Python language host lists the environment's distributions, and took one named
    ``pulumi-<x>`` for the SDK of a resource plugin ``<x>``: the engine then tried to
    download ``pulumi-resource-aliread`` on every run."""
    project = new_project(program='import pulumi\npulumi.export("answer", 42)\n')
    project.init_stack()

    done = project.pulumi("preview", check=True)  # the harness reads its -v=5 log

    assert "warning" not in done.stdout + done.stderr
    assert not project.uses_plugin


PROGRAM = f"""\
import pulumi
import pulumi_aliread as aliread

invite = aliread.Handshake("invite", handshake_id="{SEED_HANDSHAKE_ID}",
                           expected_status="Accepted", mismatch_means_accepted=True)
grant = aliread.get_join_permission_auth_order_output(order_id="{SEED_ORDER_ID}",
                                                      expected_state="ACCEPTED")
older = aliread.get_join_permission_auth_order_output(order_id="{SEED_ORDER_ID}",
                                                      api_version="2019-03-01")
pulumi.export("invite", invite.status)
pulumi.export("grant", grant.order_state)
pulumi.export("accepted_millis", grant.accepted_millis)
pulumi.export("older", older.order_state)
"""


def test_the_invited_accounts_gate_and_linkwan_output_reads(
        new_project: Callable[..., Project], emulator: Emulator) -> None:
    """With the invited account's keys, an accepted invitation answers HTTP 409
    ``HandshakeStatusMismatch``: ``mismatch_means_accepted=True`` on the resource counts
    it as Accepted. LinkWAN's ``_output`` reads in the same program, both API versions."""
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    project = new_project(program=PROGRAM)
    project.init_stack(stack_config(emulator, **{"alicloud:accessKey": INVITED_ACCESS_KEY_ID,
                                                 "alicloud:secretKey": INVITED_ACCESS_KEY_SECRET}),
                       secret=["alicloud:secretKey"])

    project.pulumi("up", "--yes", check=True)

    assert project.outputs() == {"invite": "Accepted", "grant": "ACCEPTED",
                                 "accepted_millis": SEED_ORDER["accepted_millis"],
                                 "older": "ACCEPTED"}
    versions = {r.params.get("Version") for r in emulator.requests
                if r.action == "GetJoinPermissionAuthOrder"}
    assert versions == {"2018-12-30", "2019-03-01"}
    assert {r.params.get("AccessKeyId") for r in emulator.requests
            if r.action == "GetHandshake"} == {INVITED_ACCESS_KEY_ID}
