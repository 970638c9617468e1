"""7. The command's start-up: ``aliread --help`` against ``python -c "import pulumi"``
(7a), and a whole one-id ``aliread handshake ID`` run against a one-shot script doing the
same read with the classic SDK (7b, ``benchmarks.sdk_oneshot``), against the emulator
(latency 0, its own process). Fresh processes, interleaved, medians of wall time.

7a also checks that ``--help`` loads none of the read path's heavy modules.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .common import (
    QUICK,
    SEED_HANDSHAKE_ID,
    EmulatorProcess,
    Row,
    interleaved,
    ms,
    run_python,
    timed,
)

HELP_TARGET = 0.5
RUN_TARGET = 1.3
NOT_FOR_HELP = ("marshmallow", "aliyunsdkcore", "httpcore", "asyncio", "pulumi")


def loaded_by_help() -> list[str]:
    """The NOT_FOR_HELP modules present once ``aliread --help`` has run."""
    code = ("import json, sys, contextlib, io\n"
            "from pulumi_aliread.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['--help'])\n"
            f"print(json.dumps([m for m in {list(NOT_FOR_HELP)!r} if m in sys.modules]))")
    result = run_python(["-c", code], stdout=-1)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode(errors="replace"))
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


def import_costs(args: list[str]) -> dict[str, float]:
    """Milliseconds of imports in one ``python -X importtime ARGS`` run: each module's
    cumulative time by name (``self:NAME`` its own), and ``total`` (every module's
    own time)."""
    result = run_python(["-X", "importtime", *args])
    costs: dict[str, float] = {"total": 0.0}
    for line in result.stderr.decode(errors="replace").splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "self" in parts[0]:
            continue
        own, cumulative, name = (int(parts[0].split(":")[1]) / 1000,
                                 int(parts[1]) / 1000, parts[2].strip())
        costs.setdefault(name, cumulative)
        costs.setdefault(f"self:{name}", own)
        costs["total"] += own
    return costs


def run(runs: int) -> list[Row]:
    runs = max(runs, 3 if QUICK else 21)

    def command(*args: str) -> Callable[[], float]:
        return lambda: timed(lambda: run_python(list(args)).check_returncode())

    with EmulatorProcess() as emulator:
        candidates = {
            "help": command("-m", "pulumi_aliread", "--help"),
            "pulumi": command("-c", "import pulumi"),
            "aliread": command("-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
                               "--endpoint", emulator.url, "--output", "json"),
            "sdk": command("-m", "benchmarks.sdk_oneshot", emulator.url, SEED_HANDSHAKE_ID),
        }
        for candidate in candidates.values():  # warm the file cache and .pyc files
            candidate()
        medians = interleaved(candidates, runs)
        costs = import_costs(["-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
                              "--endpoint", emulator.url, "--output", "json"])
        sdk_costs = import_costs(["-m", "benchmarks.sdk_oneshot", emulator.url,
                                  SEED_HANDSHAKE_ID])
    heavy = loaded_by_help()
    help_ratio = medians["help"] / medians["pulumi"]
    run_ratio = medians["aliread"] / medians["sdk"]
    return [
        Row("7a", "aliread --help (fresh process)", ms(medians["help"]),
            f"{ms(medians['pulumi'])} import pulumi", f"{help_ratio:.2f}x",
            f"<= {HELP_TARGET:.2f}x", help_ratio <= HELP_TARGET and not heavy,
            f"median of {runs} interleaved runs; loaded of {', '.join(NOT_FOR_HELP)}: "
            f"{', '.join(heavy) or 'none'}"),
        Row("7b", "aliread handshake ID, 1 id, whole command", ms(medians["aliread"]),
            f"{ms(medians['sdk'])} one-shot classic-SDK script", f"{run_ratio:.2f}x",
            f"<= {RUN_TARGET:.2f}x", run_ratio <= RUN_TARGET,
            f"median of {runs} interleaved runs; the script: AcsClient + CommonRequest, "
            "prints the JSON (benchmarks/sdk_oneshot.py); imports (-X importtime, one run): "
            f"{costs['total']:.0f} ms against the script's {sdk_costs['total']:.0f} ms, of "
            f"which marshmallow {costs.get('marshmallow', 0):.0f} ms (marshmallow.validate "
            f"alone {costs.get('self:marshmallow.validate', 0):.0f} ms: its Email "
            f"validator's regexes compile on import), click {costs.get('click', 0):.0f} ms"),
    ]
