"""4. Memory: peak RSS of ``aliread handshake`` over 10 000 ids (at most 150 MB), and
its growth from 1 000 to 10 000 ids against the growth of the JSON it prints (the
output is streamed: memory should grow more slowly than the output does); and (4c) the
same 10 000 reads failing (ids not found) against the same reads succeeding, in the
same run: a failure must cost no more memory than a success.

The ids arrive on the command line, and CPython alone keeps several copies of argv
(C strings, wide strings, ``sys.argv``, ``sys.orig_argv``): about 0.5 KB per id before
any of the package's code runs. That share is measured in the same run, as the growth of
``python -c "import pulumi_aliread.cli.app" IDS`` over the same ids, and subtracted; the
raw growth is printed beside it.

Peak RSS is the process's own ``VmHWM``, recorded at its exit by
``benchmarks.peak_rss``.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .common import (
    PYTHON,
    QUICK,
    ROOT,
    EmulatorProcess,
    Row,
    bench_env,
    missing,
    skipped,
)

LIMIT_MB = 150.0
FAILURE_RATIO = 1.10  # failed reads' peak RSS over successful reads' (4c)


def _peak(args: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, int]:
    """(peak RSS in MB, bytes printed) of ``python ARGS`` (``-m MODULE ...`` or
    ``-c CODE ...``)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "peak"
        with open(Path(tmp) / "out", "wb") as out:
            result = subprocess.run(
                [PYTHON, "-m", "benchmarks.peak_rss", str(report), *args], cwd=ROOT,
                env=bench_env(), stdout=out, stderr=subprocess.PIPE, timeout=600,
                check=False,
            )
            size = out.tell()
        if result.returncode not in ok:
            raise RuntimeError(f"{args[:2]} exited {result.returncode}: "
                               + result.stderr.decode(errors="replace")[-1000:])
        kib = int(report.read_text(encoding="ascii"))
    return kib / 1024, size


def peak(url: str, ids: list[str], check: bool = True) -> tuple[float, int]:
    """(peak RSS in MB, bytes printed) of one ``aliread handshake IDS`` run (``check``:
    fail unless it exits 0; ids not found exit 3)."""
    return _peak(["-m", "pulumi_aliread", "handshake", *ids, "--endpoint", url,
                  "--concurrency", "32", "--output", "json"], ok=(0,) if check else (0, 3))


def argv_only(ids: list[str]) -> float:
    """Peak RSS in MB of a process that imports the CLI and holds the same argv."""
    return _peak(["-c", "import pulumi_aliread.cli.app", *ids])[0]


def run(runs: int) -> list[Row]:
    small, large = (100, 1000) if QUICK else (1000, 10_000)
    why = missing("pulumi_aliread.cli")
    if why:
        return [skipped("4a", f"peak RSS of aliread handshake over {large:,} ids",
                        f"<= {LIMIT_MB:.0f} MB", why),
                skipped("4b", "RSS growth vs output growth", "<= 1.00x", why),
                skipped("4c", "peak RSS, ids not found vs found", f"<= {FAILURE_RATIO}x",
                        why)]
    with EmulatorProcess(handshakes=large) as emulator:
        one_mb, _ = peak(emulator.url, emulator.ids[:1])
        small_mb, small_out = peak(emulator.url, emulator.ids[:small])
        large_mb, large_out = peak(emulator.url, emulator.ids)
        missing_ids = [f"h-miss{index:012d}" for index in range(large)]  # valid ids, not found
        missing_mb, _ = peak(emulator.url, missing_ids, check=False)
        argv_growth = argv_only(emulator.ids) - argv_only(emulator.ids[:small])
    mb = 1024 * 1024
    raw_growth = (large_mb - small_mb) * mb
    rss_growth = raw_growth - argv_growth * mb
    out_growth = large_out - small_out
    ratio = rss_growth / out_growth
    return [
        Row("4a", f"peak RSS of aliread handshake over {large:,} ids", f"{large_mb:.1f} MB",
            f"{one_mb:.1f} MB with 1 id", f"{large_mb / one_mb:.2f}x",
            f"<= {LIMIT_MB:.0f} MB", large_mb <= LIMIT_MB, "one run each; --concurrency 32"),
        Row("4b", f"RSS growth {small:,} -> {large:,} ids (beyond argv) vs output growth",
            f"{max(rss_growth, 0) / mb:.1f} MB", f"{out_growth / mb:.1f} MB more JSON printed",
            f"{max(ratio, 0):.2f}x", "<= 1.00x", ratio <= 1.0,
            f"raw growth {raw_growth / mb:.1f} MB ({small_mb:.1f} -> {large_mb:.1f} MB), of "
            f"which the command line itself {argv_growth:.1f} MB"),
        Row("4c", f"peak RSS of aliread handshake over {large:,} ids not found",
            f"{missing_mb:.1f} MB", f"{large_mb:.1f} MB when found",
            f"{missing_mb / large_mb:.2f}x", f"<= {FAILURE_RATIO:.2f}x",
            missing_mb <= large_mb * FAILURE_RATIO,
            "every read fails (EntityNotExists.Handshake, exit 3); was 155 MB vs 39 MB "
            "before failures dropped their tracebacks"),
    ]
