"""Programs only the real engine can prove: an id that is another resource's output,
many ``get_*_output`` reads in one ``pulumi up`` with ``depends_on``, a whole result
exported. Where ``ProviderMocks`` models a behaviour, the same program runs both ways."""

from __future__ import annotations

import json
import runpy
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from engine_harness import Project
from pulumi_helpers import SEED_HANDSHAKE, stack_config

from pulumi_aliread.testing import SEED_HANDSHAKE_ID, Emulator, ProviderMocks

# A small dynamic resource of the program's own makes the id: unknown during a preview.
UNKNOWN_ID_PROGRAM = f"""\
import pulumi
import pulumi.dynamic as dyn
import pulumi_aliread as aliread


class _Maker(dyn.ResourceProvider):
    def create(self, props):
        return dyn.CreateResult(id_=props["value"], outs=props)


class IdMaker(dyn.Resource):
    def __init__(self, name, value):
        super().__init__(_Maker(), name, {{"value": value}})


maker = IdMaker("maker", "{SEED_HANDSHAKE_ID}")
invite = aliread.Handshake("invite", handshake_id=maker.id)
grant = aliread.JoinPermissionAuthOrder("grant", order_id=maker.id.apply(lambda _: "123"))
pulumi.export("status", invite.status)
pulumi.export("state", grant.order_state)
pulumi.export("fn", aliread.get_handshake_output(handshake_id=maker.id).status)
"""


def test_unknown_id_reads_nothing_in_preview_and_reads_in_up(
        new_project: Callable[..., Project], emulator: Emulator) -> None:
    project = new_project(program=UNKNOWN_ID_PROGRAM)
    project.init_stack(stack_config(emulator), secret=["alicloud:secretKey"])

    preview = project.pulumi("preview", "--json", check=True)

    assert emulator.requests == []
    steps = json.loads(preview.stdout)["steps"]
    reads = [s for s in steps if s["urn"].endswith(("::invite", "::grant"))]
    assert {s["op"] for s in reads} == {"read"}, steps
    project.pulumi("up", "--yes", "--skip-preview", check=True)
    assert project.outputs() == {"status": "Pending", "state": "ACCEPTED", "fn": "Pending"}
    assert {r.action for r in emulator.requests} == {"GetHandshake",
                                                       "GetJoinPermissionAuthOrder"}


def test_unknown_id_program_under_provider_mocks_matches_the_engine(
        tmp_path: Path, emulator: Emulator) -> None:
    """The same program under ProviderMocks: unknown in preview (no request), read in up."""
    program = tmp_path / "__main__.py"
    program.write_text(UNKNOWN_ID_PROGRAM, encoding="utf-8")
    mocks = ProviderMocks(stack_config(emulator))

    previewed = mocks.run(lambda: runpy.run_path(str(program), run_name="__main__"),
                          preview=True)

    assert previewed == {"status": ProviderMocks.UNKNOWN, "state": ProviderMocks.UNKNOWN,
                         "fn": ProviderMocks.UNKNOWN}
    assert emulator.requests == []
    done = ProviderMocks(stack_config(emulator)).run(
        lambda: runpy.run_path(str(program), run_name="__main__"))
    assert done == {"status": "Pending", "state": "ACCEPTED", "fn": "Pending"}


MANY_READS_PROGRAM = """\
import json, os, time
import pulumi
import pulumi.dynamic as dyn
import pulumi_aliread as aliread

config = pulumi.Config()
ids = json.loads(config.require("ids"))
gate_dir = config.require("gateDir")


class _Gate(dyn.ResourceProvider):
    # Asks the test to create the gated invitation, and returns once it exists.
    def create(self, props):
        open(os.path.join(props["dir"], "asked"), "w").close()
        for _ in range(3000):
            if os.path.exists(os.path.join(props["dir"], "created")):
                return dyn.CreateResult(id_="gate", outs=props)
            time.sleep(0.01)
        raise RuntimeError("the test never created the gated invitation")


class Gate(dyn.Resource):
    def __init__(self, name, folder):
        super().__init__(_Gate(), name, {"dir": folder})


gate = Gate("gate", gate_dir)
reads = [aliread.get_handshake_output(handshake_id=i) for i in ids for _ in range(2)]
pulumi.export("statuses", pulumi.Output.all(*[r.status for r in reads]))
pulumi.export("ids", pulumi.Output.all(*[r.handshake_id for r in reads]))
gated = aliread.get_handshake_output(handshake_id=config.require("gatedId"),
                                     opts=pulumi.InvokeOutputOptions(depends_on=[gate]))
pulumi.export("gated", gated.status)
pulumi.export("whole", aliread.get_handshake_output(handshake_id=ids[0]))
"""


@pytest.fixture
def gate_folder(tmp_path: Path, emulator: Emulator) -> Iterator[tuple[Path, str]]:
    """A folder the program's Gate resource writes ``asked`` to; the test then creates
    the gated invitation in the emulator and answers ``created``."""
    folder = tmp_path / "gate"
    folder.mkdir()
    gated_id = "h-gated00000000001"
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.01):
            if (folder / "asked").exists():
                emulator.add_handshake({**emulator.get_object(SEED_HANDSHAKE_ID),
                                        "HandshakeId": gated_id, "Status": "Accepted"})
                (folder / "created").touch()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    yield folder, gated_id
    stop.set()
    watcher.join(timeout=5)


def test_200_output_reads_in_one_up_share_requests_and_honour_depends_on(
        new_project: Callable[..., Project], emulator: Emulator,
        gate_folder: tuple[Path, str]) -> None:
    ids = emulator.add_handshakes(100, prefix="eng")
    folder, gated_id = gate_folder
    project = new_project(program=MANY_READS_PROGRAM)
    project.init_stack(stack_config(emulator, ids=json.dumps(ids), gateDir=str(folder),
                                    gatedId=gated_id), secret=["alicloud:secretKey"])

    project.pulumi("up", "--yes", "--skip-preview", check=True)

    outputs = project.outputs()
    assert outputs["ids"] == [i for i in ids for _ in range(2)]
    assert outputs["statuses"] == ["Pending"] * 200
    assert outputs["gated"] == "Accepted"
    whole = outputs["whole"]
    assert whole["handshake_id"] == ids[0] and whole["request_id"]
    assert {k: v for k, v in whole.items() if k not in ("handshake_id", "request_id")} == {
        k: v for k, v in SEED_HANDSHAKE.items() if k != "handshake_id"}
    for object_id in ids:
        assert emulator.count("GetHandshake", object_id) == 1
    assert emulator.count("GetHandshake", gated_id) == 1
