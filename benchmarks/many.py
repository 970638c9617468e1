"""3. Many reads: 1 000 reads at 20 ms emulator latency, the emulator listening with a
gateway-like backlog (128), through ``get_handshake_output``
in one program under the mock runtime and through ``aliread handshake ...
--concurrency 32``, against the ideal 1 000 x 20 ms / 32; and the speed-up over a
sequential loop of bare SDK calls (timed over a sample, scaled to 1 000).

The CLI figure that meets the target excludes the process's start-up, measured in the
same run as ``aliread handshake ONE-ID`` minus one latency; the whole command's wall time
is printed on its own row.
"""

from __future__ import annotations

import json
import subprocess
import time

from .common import (
    PYTHON,
    QUICK,
    ROOT,
    EmulatorProcess,
    Row,
    apply_env,
    bench_env,
    interleaved,
    missing,
    secs,
    skipped,
    timed,
)
from .read import sdk_call

LATENCY = 0.020
CONCURRENCY = 32
BACKLOG = 128  # a gateway's listen backlog (Linux's somaxconn was 128 until 5.4)
TARGET = 1.25


def mock_program(url: str, ids: list[str], mode: str = "distinct") -> dict[str, float]:
    """Run benchmarks.mock_program in a fresh process; return its JSON report."""
    result = subprocess.run(
        [PYTHON, "-m", "benchmarks.mock_program", url, mode, str(len(ids))],
        input="\n".join(ids).encode(), cwd=ROOT, env=bench_env(), capture_output=True,
        timeout=600, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError("mock program failed: "
                           + result.stderr.decode(errors="replace")[-2000:])
    report: dict[str, float] = json.loads(result.stdout)
    if report["results"] != len(ids):
        raise RuntimeError(f"mock program returned {report['results']} of {len(ids)} reads")
    return report


def cli(url: str, ids: list[str]) -> float:
    """Wall seconds of ``python -m pulumi_aliread handshake IDS`` (exit 0 required)."""
    started = time.perf_counter()
    result = subprocess.run(
        [PYTHON, "-m", "pulumi_aliread", "handshake", *ids, "--endpoint", url,
         "--concurrency", str(CONCURRENCY), "--output", "json"],
        cwd=ROOT, env=bench_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        timeout=600, check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError("aliread failed: " + result.stderr.decode(errors="replace")[-2000:])
    return seconds


def run(runs: int) -> list[Row]:
    apply_env()
    n = 200 if QUICK else 1000
    sample = 5 if QUICK else 50
    ideal = n * LATENCY / CONCURRENCY
    target = f"<= {TARGET:.2f}x ideal"
    mocks_missing = (missing("pulumi_aliread.testing.mocks")
                     or missing("pulumi_aliread.pulumi.outputs"))
    cli_missing = missing("pulumi_aliread.cli")
    with EmulatorProcess(latency=LATENCY, handshakes=n, backlog=BACKLOG) as emulator:
        url, ids = emulator.url, emulator.ids
        sdk = sdk_call(url, "ResourceManager", "2020-03-31", "GetHandshake", "HandshakeId",
                       ids[0])
        sdk()
        candidates = {"sdk": lambda: timed(lambda: [sdk() for _ in range(sample)]) * n / sample}
        if not mocks_missing:
            mock_program(url, ids[:CONCURRENCY])  # warm .pyc files
            candidates["mocks"] = lambda: mock_program(url, ids)["seconds"]
            candidates["floor"] = lambda: mock_program(url, ids, "sleep")["seconds"]
        if not cli_missing:
            cli(url, ids[:1])
            candidates["cli"] = lambda: cli(url, ids)
            candidates["cli-1"] = lambda: cli(url, ids[:1])
        medians = interleaved(candidates, runs)
    sequential = medians["sdk"]
    ideal_text = f"{secs(ideal)} ideal ({n} x 20 ms / {CONCURRENCY})"
    rows = []
    label = f"{n} reads, 20 ms latency"
    if mocks_missing:
        rows.append(skipped("3a", f"{label}: get_handshake_output, mock runtime", target,
                            mocks_missing))
    else:
        seconds = medians["mocks"]
        rows.append(Row(
            "3a", f"{label}: get_handshake_output, mock runtime", secs(seconds), ideal_text,
            f"{seconds / ideal:.2f}x", target, seconds / ideal <= TARGET,
            f"{sequential / seconds:.1f}x faster than sequential bare SDK calls "
            f"({secs(sequential)}, from {sample} calls); timed inside the program",
        ))
        floor = medians["floor"]
        rows.append(Row(
            "3d", f"{label}: the same program with each read a 20 ms sleep (Pulumi's floor)",
            secs(floor), ideal_text, f"{floor / ideal:.2f}x", "info", None,
            "asyncio.sleep instead of the read, 32 at once: what Pulumi's Outputs cost alone",
        ))
    if cli_missing:
        rows.append(skipped("3b", f"{label}: aliread handshake --concurrency 32", target,
                            cli_missing))
    else:
        startup = max(0.0, medians["cli-1"] - LATENCY)
        reads = medians["cli"] - startup
        rows.append(Row(
            "3b", f"{label}: aliread handshake --concurrency 32, start-up excluded",
            secs(reads), ideal_text, f"{reads / ideal:.2f}x", target, reads / ideal <= TARGET,
            f"{sequential / reads:.1f}x faster than sequential bare SDK calls "
            f"({secs(sequential)}); start-up (1-id run minus 20 ms) {secs(startup)}",
        ))
        whole = medians["cli"]
        rows.append(Row(
            "3c", f"{label}: aliread handshake --concurrency 32, whole command",
            secs(whole), ideal_text, f"{whole / ideal:.2f}x", "info", None,
            f"{sequential / whole:.1f}x faster than sequential bare SDK calls",
        ))
    return rows
