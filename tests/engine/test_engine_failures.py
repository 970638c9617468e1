"""Reads that fail under the real engine: each one clear line in the diagnostics, no
Python traceback, and nothing secret in what the CLI prints."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engine_harness import Project
from pulumi_helpers import stack_config

from pulumi_aliread.testing import (
    SEED_HANDSHAKE_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

PROGRAM = """\
import pulumi
import pulumi_aliread as aliread

hs = aliread.Handshake("invite", handshake_id=pulumi.Config().require("handshakeId"))
pulumi.export("status", hs.status)
"""

CASES = {
    "not-found": ({"handshakeId": "h-0000000000000000"}, "EntityNotExists.Handshake"),
    "wrong-secret": ({"alicloud:secretKey": "not-the-emulator-secret-0"},
                     "InvalidAccessKeySecret"),
    "sts-token-missing": ({"alicloud:accessKey": STS_ACCESS_KEY_ID,
                           "alicloud:secretKey": STS_ACCESS_KEY_SECRET},
                          "MissingSecurityToken"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_failed_read_is_one_line_in_the_preview(
        new_project: Callable[..., Project], emulator: Emulator, case: str) -> None:
    overrides, code = CASES[case]
    config = stack_config(emulator, handshakeId=SEED_HANDSHAKE_ID)
    config.update(overrides)
    project = new_project(program=PROGRAM)
    project.init_stack(config, secret=["alicloud:secretKey"])

    done = project.pulumi("preview")

    out = f"{done.stdout}\n{done.stderr}"
    assert done.returncode != 0
    # The CLI shows the resource's error in its progress and again under Diagnostics:
    # one message, on one line.
    failed = {line.split("error: Preview failed: ", 1)[1] for line in out.splitlines()
              if "error: Preview failed: " in line}
    assert len(failed) == 1, out
    assert code in failed.pop()
    assert "Traceback" not in out and 'File "' not in out
    for secret in (STS_ACCESS_KEY_SECRET, STS_TOKEN, "not-the-emulator-secret-0"):
        assert secret not in out
