"""11. What the package costs a Python Pulumi program, under the real engine (issue 19's
first target; ``make engine``, skipped without it).

11a: ``pulumi preview`` of a program that reads both objects with ``get_handshake`` and
``get_join_permission_auth_order`` and exports them; baseline: the same preview, engine
and virtualenv running a minimal ``pulumi.dynamic`` provider whose ``check`` sends two
plain GETs (``urllib.request``) of URLs signed beforehand (a fresh pair per run, each
nonce used once) to the same emulator. Target: at most 1.15x.

11b: the same preview of a program reading both objects with the resources ``Handshake``
and ``JoinPermissionAuthOrder`` (dynamic resources: the reads run in the engine's
dynamic-provider process, which imports the package again), against the same baseline and
with the same target: the issue's "a program that reads both objects" covers both ways.

Runs are as a user's, set up by the engine tests' own harness (``tests/engine``): the
package installed from a wheel of this checkout into a virtualenv that is not on PATH
(``PULUMI_PYTHON_CMD`` names its python), a ``file://`` backend, no network needed,
automatic plugin acquisition left on. The emulator runs in its own process with 20 ms
latency. The first preview of each program runs at ``-v=5`` and fails the row if the
engine looked for an ``aliread`` plugin; every preview must send exactly two requests.
Fresh CLI runs, interleaved, medians of wall time.

The virtualenv's dependencies (the Pulumi SDK of this run, the package's requirements)
are kept in ``~/.cache/pulumi-aliread`` between runs, keyed by what they are; the
package itself is reinstalled from a fresh wheel every run.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .capacity import ORDER_CALL, signed_paths
from .common import (
    QUICK,
    ROOT,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    EmulatorProcess,
    Row,
    interleaved,
    ms,
    skipped,
    timed,
)
from .startup import import_costs

TARGET = 1.15
LATENCY = 0.020  # seconds the emulator adds to every answer
CACHE = Path.home() / ".cache" / "pulumi-aliread"

FUNCTIONS = f"""\
import pulumi
import pulumi_aliread as aliread

pulumi.export("invite", aliread.get_handshake("{SEED_HANDSHAKE_ID}"))
pulumi.export("grant", aliread.get_join_permission_auth_order("{SEED_ORDER_ID}"))
"""

RESOURCES = f"""\
import pulumi
import pulumi_aliread as aliread

invite = aliread.Handshake("invite", handshake_id="{SEED_HANDSHAKE_ID}")
grant = aliread.JoinPermissionAuthOrder("grant", order_id="{SEED_ORDER_ID}")
pulumi.export("invite_status", invite.status)
pulumi.export("grant_state", grant.order_state)
"""

# The baseline: the least a Pulumi program can do to read the two objects.
PLAIN_GETS = """\
import json
import os
import urllib.request

import pulumi
import pulumi.dynamic as dyn


class _TwoGets(dyn.ResourceProvider):
    def check(self, olds, news):
        bodies = []
        for url in news["urls"]:
            with urllib.request.urlopen(url, timeout=30) as answer:
                bodies.append(json.loads(answer.read()))
        return dyn.CheckResult({**news, "bodies": bodies}, [])

    def create(self, props):
        return dyn.CreateResult(id_="reads", outs=props)


class TwoGets(dyn.Resource):
    bodies: pulumi.Output[list]

    def __init__(self, name, urls):
        super().__init__(_TwoGets(), name, {"urls": urls, "bodies": None})


reads = TwoGets("reads", json.loads(os.environ["BENCH_SIGNED_URLS"]))
pulumi.export("invite", reads.bodies[0])
pulumi.export("grant", reads.bodies[1])
"""


def _harness() -> Any:
    """The engine tests' harness module (``tests/engine/engine_harness.py``)."""
    for folder in (ROOT / "tests" / "engine", ROOT / "tests"):
        if str(folder) not in sys.path:
            sys.path.append(str(folder))
    import engine_harness

    return engine_harness


def program_venv(harness: Any, wheel: Path) -> Path:
    """A virtualenv with the Pulumi SDK of this run, the package's requirements and
    ``wheel`` installed (not editable): built by the harness's ``make_virtualenv`` the
    first time, kept in the cache under a key of its dependencies (replacing the one kept
    before), and given the fresh wheel with ``pip install --force-reinstall --no-deps``
    on later runs."""
    import pulumi

    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = sorted(line for line in archive.read(metadata).decode().splitlines()
                          if line.startswith("Requires-Dist:") and "extra ==" not in line)
    key = hashlib.sha256(json.dumps([sys.version, getattr(pulumi, "__version__", ""),
                                     requires]).encode()).hexdigest()[:12]
    venv = CACHE / f"bench-venv-{key}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                        "--force-reinstall", "--disable-pip-version-check", str(wheel)],
                       capture_output=True, text=True, timeout=600, check=True)
        return venv
    for stale in CACHE.glob("bench-venv-*"):  # one kept at a time
        shutil.rmtree(stale, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    harness.make_virtualenv(venv, wheel)
    (venv / ".complete").touch()
    return venv


def run(runs: int) -> list[Row]:
    name_a = "Python preview, get_handshake + get_join_permission_auth_order, exported"
    name_b = "Python preview, Handshake + JoinPermissionAuthOrder resources, exported"
    harness = _harness()
    engine = harness.find_engine()
    if engine is None or not (engine / "pulumi-language-python").exists():
        why = "no engine with the Python host: build it with `make engine`"
        return [skipped("11a", name_a, f"<= {TARGET:.2f}x", why),
                skipped("11b", name_b, f"<= {TARGET:.2f}x", why)]
    from pulumi_helpers import stack_config

    runs = max(runs, 1 if QUICK else 7)
    CACHE.mkdir(parents=True, exist_ok=True)
    # One run at a time uses the cached venv: another run's --force-reinstall (or its
    # replacing a stale venv) would take the package away under this run's previews.
    with open(CACHE / "bench-venv.lock", "w") as lock, \
            tempfile.TemporaryDirectory(prefix="bench-python-preview-") as tmp, \
            EmulatorProcess(latency=LATENCY) as emulator:
        fcntl.flock(lock, fcntl.LOCK_EX)
        root = Path(tmp)
        venv = program_venv(harness, harness.build_wheel(ROOT, root / "wheel"))
        projects = {}
        for name, program in (("functions", FUNCTIONS), ("resources", RESOURCES),
                              ("gets", PLAIN_GETS)):
            folder = harness.write_program(root / name / "project", program)
            (folder / "venv").symlink_to(venv, target_is_directory=True)
            project = projects[name] = harness.Project(folder, engine, venv)
            project.init_stack(stack_config(emulator) if name != "gets" else {},
                               secret=["alicloud:secretKey"])

        def signed_urls() -> dict[str, str]:
            urls = [emulator.url + signed_paths(1)[0],
                    emulator.url + signed_paths(1, ORDER_CALL)[0]]
            return {"BENCH_SIGNED_URLS": json.dumps(urls)}

        def preview(name: str) -> Callable[[], float]:
            project = projects[name]

            def once() -> float:
                env = {**project.env(), **(signed_urls() if name == "gets" else {})}
                return timed(lambda: subprocess.run(
                    [str(engine / "pulumi"), "preview", "--non-interactive"],
                    cwd=project.path, env=env, capture_output=True, text=True,
                    timeout=harness.COMMAND_TIMEOUT, check=True))
            return once

        before = emulator.count()
        for name, project in projects.items():
            # Warm caches and .pyc files; at -v=5, failing if the engine looked for an
            # aliread plugin (the harness's check).
            project.pulumi("preview", env=signed_urls() if name == "gets" else None,
                           check=True)
        candidates = {name: preview(name) for name in projects}
        medians = interleaved(candidates, runs)
        sent = emulator.count() - before
    read_path = import_costs(["-c", "import pulumi, pulumi_aliread; pulumi_aliread.Handshake"]
                             ).get("pulumi_aliread.core.client", 0)
    expected = 2 * len(projects) * (runs + 1)
    if sent != expected:
        raise RuntimeError(f"the previews sent {sent} requests, not {expected} (2 each)")
    ratio_a = medians["functions"] / medians["gets"]
    ratio_b = medians["resources"] / medians["gets"]
    baseline = f"{ms(medians['gets'])} dynamic provider, check sends 2 plain GETs"
    note = (f"median of {runs} interleaved `pulumi preview` runs (fresh CLI), emulator "
            f"{LATENCY * 1000:.0f} ms away in its own process, 2 requests each")
    return [
        Row("11a", name_a, ms(medians["functions"]), baseline, f"{ratio_a:.2f}x",
            f"<= {TARGET:.2f}x", ratio_a <= TARGET,
            f"{note}; the reads run in the program's process, so the engine starts no "
            "provider process, while the baseline's check runs in the dynamic-provider "
            "process"),
        Row("11b", name_b, ms(medians["resources"]), baseline, f"{ratio_b:.2f}x",
            f"<= {TARGET:.2f}x", ratio_b <= TARGET,
            f"{note}; the reads run in the dynamic-provider process (as the baseline's "
            "check does), which imports the package again; the program itself loads "
            f"{read_path:.0f} ms of the read path (pulumi_aliread.core.client, -X "
            "importtime, one run), as it reads nothing"),
    ]
