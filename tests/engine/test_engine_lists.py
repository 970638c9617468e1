"""``aliread:index:getHandshakes`` under the real CLI, offline against the emulator: a
Pulumi YAML program and a Go program (the SDK generated into ``sdk/go``) list every page,
filter, and fail the preview when a listed invitation is not as expected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine_harness import Project
from test_engine_go import EXAMPLE as GO_EXAMPLE
from test_engine_go import example  # noqa: F401 - the Go project fixture
from test_engine_yaml import _provider_config, _text, _yaml_project

from pulumi_aliread.testing import SEED_HANDSHAKE_ID, Emulator

LIST = "ListHandshakesForResourceDirectory"

YAML_LIST = """\
name: list-gate
runtime: yaml
variables:
  accepted:
    fn::invoke:
      function: aliread:index:getHandshakes
      arguments:
        status: [Accepted, Declined]
        targetEntity: b@example.com
        maxItems: 1000
  everyOne:
    fn::invoke:
      function: aliread:index:getHandshakes
      arguments:
        expectedStatus: [Accepted, Declined]
outputs:
  acceptedIds: ${accepted.ids}
  listed: ${accepted.totalCount}
  firstStatus: ${accepted.handshakes[0].status}
  everyOneCount: ${everyOne.totalCount}
"""


def test_yaml_lists_every_page_and_an_expectation_gates_the_preview(
        new_project: Callable[..., Project], emulator: Emulator,
        plugin_archive: Path) -> None:
    added = emulator.add_handshakes(
        250, status=["Accepted", "Declined", "Pending"],
        target_entity=["a@example.com", "b@example.com"])
    project = _yaml_project(new_project, YAML_LIST, plugin=plugin_archive)
    project.init_stack(_provider_config(emulator), secret=["aliread:secretKey"])

    red = project.pulumi("preview")

    assert red.returncode != 0
    out = _text(red)
    lines = [line for line in out.splitlines() if "are not Accepted or Declined" in line]
    assert lines and SEED_HANDSHAKE_ID in lines[-1] and added[2] in lines[-1], out
    assert "expectedStatus" in lines[-1] and "Traceback" not in out

    for handshake_id in [SEED_HANDSHAKE_ID, *added]:
        if emulator.get_object(handshake_id)["Status"] == "Pending":
            emulator.set_state(handshake_id, "Declined")
    emulator.clear()
    project.pulumi("up", "--yes", check=True)

    wanted = [h for h in added if emulator.get_object(h)["TargetEntity"] == "b@example.com"]
    outputs = project.outputs()
    assert outputs["acceptedIds"] == wanted
    assert outputs["listed"] == outputs["everyOneCount"] == 251
    assert outputs["firstStatus"] == emulator.get_object(wanted[0])["Status"]
    # every listing read pages 1 to 3 (251 invitations), nothing else
    pages = [emulator.count(LIST, page=n) for n in (1, 2, 3, 4)]
    assert pages[0] >= 2 and pages[:3] == [pages[0]] * 3 and pages[3] == 0
    assert {r.action for r in emulator.requests} == {LIST}


GO_LIST = """\
// Lists the invitations (every page) and exports the Pending ones.
package main

import (
	"github.com/pulumi-aliread/pulumi-aliread/sdk/go/aliread"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		listed, err := aliread.GetHandshakes(ctx, &aliread.GetHandshakesArgs{
			Status: []string{"Pending"},
		})
		if err != nil {
			return err
		}
		targets := pulumi.StringArray{}
		for _, h := range listed.Handshakes {
			targets = append(targets, pulumi.String(*h.TargetEntity))
		}
		ctx.Export("pendingIds", pulumi.ToStringArray(listed.Ids))
		ctx.Export("targets", targets)
		ctx.Export("totalCount", pulumi.Int(listed.TotalCount))
		ctx.Export("pages", pulumi.Int(len(listed.RequestIds)))
		_, err = aliread.GetHandshakes(ctx, &aliread.GetHandshakesArgs{
			ExpectedStatus: []string{"Pending"},
		})
		return err
	})
}
"""


def test_go_lists_with_the_generated_sdk(example: Project,  # noqa: F811
                                         emulator: Emulator) -> None:
    go_example = example
    assert (GO_EXAMPLE / "main.go").exists()
    (go_example.path / "main.go").write_text(GO_LIST, encoding="utf-8")
    added = emulator.add_handshakes(120, status=["Pending", "Accepted"])

    red = go_example.pulumi("preview")

    assert red.returncode != 0
    out = _text(red)
    lines = [line for line in out.splitlines() if "are not Pending" in line]
    assert lines and added[1] in lines[-1], out

    for handshake_id in added[1::2]:
        emulator.set_state(handshake_id, "Pending")
    go_example.pulumi("up", "--yes", check=True)

    outputs = go_example.outputs()
    assert outputs["pendingIds"] == [SEED_HANDSHAKE_ID, *added]
    assert len(outputs["targets"]) == 121 and outputs["totalCount"] == 121
    assert outputs["pages"] == 2
