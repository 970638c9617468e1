"""Run every benchmark and print ONE table; write it into docs/performance.md.

    python -m benchmarks.run [--runs N] [--only 1,3] [--output PATH | --no-write]

Each measurement is compared with a baseline measured in the same run (interleaved with
it where both are timings), medians of several runs. ``BENCH_QUICK=1`` shrinks every
size (a smoke run, not a measurement). Exit status: 0 when every benchmark ran (whatever
its verdict), 1 when one crashed, or, with ``--strict``, when one failed its target.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from . import (
    breakdown,
    capacity,
    dedupe,
    imports,
    lists,
    many,
    memory,
    plugin_preview,
    python_preview,
    read,
    startup,
)
from .common import QUICK, ROOT, Row

BENCHMARKS: dict[str, Callable[[int], list[Row]]] = {
    "1": read.run,
    "2": imports.run,
    "7": startup.run,
    "6": capacity.run,
    "3": many.run,
    "5": dedupe.run,
    "4": memory.run,
    "9": plugin_preview.run,
    "10": lists.run,
    "11": python_preview.run,
}
COLUMNS = ("#", "measurement", "result", "baseline (same run)", "ratio", "target", "verdict",
           "notes")


def table(rows: list[Row]) -> str:
    """The rows as one Markdown table, in benchmark order."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in sorted(rows, key=_order):
        cells = (row.number, row.name, row.measured, row.baseline, row.ratio, row.target,
                 row.verdict, row.note)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _order(row: Row) -> tuple[int, str]:
    """Rows by benchmark number, then letter: 1a, 1b, 2, ..., 9a, 10."""
    digits = row.number.rstrip("abcdefghijklmnopqrstuvwxyz")
    return (int(digits) if digits.isdigit() else 0, row.number)


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f}"


# Why a target may be missed, by row: what stands in the way, as measured by the rows
# named (the figures are in their notes and in "Where one read goes").
OBSTACLES = {
    "1": "the client's own CPU on loopback: signing (aliyunsdkcore's signer encodes every "
         "parameter twice), marshmallow's load, the hand-off to the client's event loop and "
         "httpcore's own per-request work (the stages in \"Where one read goes\"): a fraction "
         "of a millisecond, which a real endpoint 20-200 ms away does not show",
    "7b": "imports the script does not need: httpcore with anyio and asyncio (the one HTTP "
          "library, kept), marshmallow and click (kept), figures in the row's notes",
    "3": "the client's CPU per read, all of it on the client's one event loop: httpcore, "
         "anyio and h11 (about 65% of it; one pool of one connection per concurrent read, "
         "since one pool of 32 cost 4.1 ms a read, encode/httpcore#1035), signing (about "
         "0.1 ms) and marshmallow (about 0.1 ms), about 0.9 ms a read on this machine, "
         "so 1 000 reads need about 0.9 s of one core whatever the latency. The "
         "emulator's own CPU (row 6) shares the 2 cores; Pulumi's own part is 3d",
    "11a": "the read path's imports in the program's process (marshmallow, httpcore, "
           "the signer, anyio at the first request), "
           "against a baseline whose program imports pulumi alone and whose second "
           "process, the dynamic provider's, imports pulumi and urllib",
    "11b": "imports in the dynamic-provider process: it unpickles the provider and "
           "imports the read path (marshmallow, httpcore, the signer) to read, where the "
           "baseline's provider imports urllib; the program itself loads only the "
           "resource classes (the read path's import cost in it is in the row's notes)",
    "10": "the client's CPU per page (validating 100 rows with marshmallow, building 100 "
          "results) on top of each page's 20 ms; core/paging.py reads the pages one after "
          "another (each page's total decides whether the listing starts over)",
}


def obstacles(rows: list[Row]) -> list[str]:
    """One line per failed row: what stands in the way."""
    lines = []
    for row in sorted(rows, key=_order):
        if row.passed is False and not row.note.startswith("error:"):
            why = OBSTACLES.get(row.number) or OBSTACLES.get(
                row.number.rstrip("abcdefghijklmnopqrstuvwxyz"))
            lines.append(f"- {row.number} ({row.ratio} against {row.target}): "
                         f"{why or 'not analysed'}.")
    return lines


def document(rows: list[Row], stages: list[tuple[str, float]] | None, runs: int,
             started: str, seconds: float, load_before: str, load_after: str) -> str:
    """docs/performance.md: how it was measured, the table, where one read's time goes."""
    parts = [
        "# Performance",
        "",
        "Generated by `make bench` (`python -m benchmarks.run`); do not edit by hand. "
        "Every ratio compares a measurement with a baseline measured in the same run "
        "(timings interleaved, medians). The emulator runs in its own process. Tests "
        "never assert on time; these numbers are evidence, not a gate.",
        "",
        f"- run: {started}, {seconds:.0f} s, {runs} runs per median"
        f"{' (BENCH_QUICK: small sizes, not a measurement)' if QUICK else ''}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()} on {platform.system()}; load average (1/5 min) "
        f"{load_before} before, {load_after} after",
        "",
        table(rows),
        "",
        "Targets (issue 19: what users feel, not loopback microseconds): 1a, 1b at most "
        "1.10x a bare `AcsClient` call; 1c (a GET of a pre-signed URL) printed, no target; "
        "2 at most 1.15x `import pulumi`; 3 at most 1.25x the ideal 1 000 x 20 ms / 32 "
        "against a server listening with a gateway-like backlog (128); 4 at most 150 MB, "
        "growing no faster than the printed output, and failed reads (4c) at most 1.10x "
        "successful ones; 5 exactly one request; 6 printed so a reader can see the "
        "emulator is not what is measured; 7a `aliread --help` at most 0.5x `import "
        "pulumi`, loading none of marshmallow, aliyunsdkcore, httpcore, asyncio, pulumi; 7b a "
        "one-id `aliread` run at most 1.3x a one-shot classic-SDK script doing the same "
        "read; 10 listing 1 000 invitations (10 pages of 100, read one after another) at "
        "most 0.02x reading the same 1 000 ids one by one (the ideal, 10 x 20 ms against "
        "1 000 x 20 ms, is 0.01x); 11a, 11b `pulumi preview` of a Python program reading "
        "both objects (11a with the `get_*` functions, 11b with the two resources) under "
        "the real engine, at most 1.15x the same engine running a minimal dynamic "
        "provider whose `check` sends two plain GETs. The backlog-5 rows are retired.",
        "",
        "How the reads run (design, not measured here): every read runs on its client's own "
        "event loop (a daemon thread) over httpcore's async connection pools, at most 32 at "
        "once; `get_*_output` awaits it from the program's loop, `aliread` and `get_*` wait "
        "for it. Each `get_*_output` read is one Pulumi Output; identical reads share one "
        "request. `--help` imports click and the API descriptions only; httpcore is imported "
        "by the first read.",
    ]
    missed = obstacles(rows)
    if missed:
        parts += ["", "## Targets missed in this run, and what stands in the way", "",
                  *missed]
    if stages:
        parts += [
            "",
            "## Where one read goes",
            "",
            "`get_handshake` against the emulator (latency 0, its own process), a timer "
            "around each stage inside the real call path (`python -m benchmarks.breakdown`; "
            "`python -m benchmarks.profile` for a pyinstrument profile).",
            "",
            breakdown.markdown(stages),
        ]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3 if QUICK else 7,
                        help="runs per median (default 7; 3 with BENCH_QUICK)")
    parser.add_argument("--only", default="",
                        help="comma-separated benchmark numbers, e.g. 1,3 (default: all)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    args = parser.parse_args(argv)
    wanted = {part.strip() for part in args.only.split(",") if part.strip()} or set(BENCHMARKS)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_before = _load()
    clock = time.perf_counter()
    rows: list[Row] = []
    crashed = False
    for number, bench in BENCHMARKS.items():
        if number not in wanted:
            continue
        print(f"benchmark {number} ...", file=sys.stderr, flush=True)
        try:
            rows += bench(args.runs)
        except Exception as exc:  # noqa: BLE001 - report it in the table, run the rest
            traceback.print_exc()
            crashed = True
            rows.append(Row(number, BENCHMARKS[number].__module__.rsplit(".", 1)[-1], "-", "-",
                            "-", "-", False, f"error: {type(exc).__name__}: {exc}"[:300]))
    stages = None
    if "breakdown" in wanted or not args.only:
        print("breakdown of one read ...", file=sys.stderr, flush=True)
        stages = breakdown.measure(args.runs)
    seconds = time.perf_counter() - clock
    print(table(rows))
    if stages:
        print()
        print(breakdown.markdown(stages))
    if not args.no_write:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document(rows, stages, args.runs, started, seconds, load_before,
                                 _load()), encoding="utf-8")
        print(f"\nwritten to {path}", file=sys.stderr)
    failed = any(row.passed is False for row in rows)
    return 1 if crashed or (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
