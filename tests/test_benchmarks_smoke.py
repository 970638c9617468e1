"""The benchmark runner works end to end with tiny sizes (BENCH_QUICK=1, one run each).

Nothing here looks at the numbers: tests never assert on time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_runner_writes_one_table(tmp_path: Path) -> None:
    output = tmp_path / "performance.md"
    env = {**os.environ, "BENCH_QUICK": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--runs", "1", "--output", str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Performance")
    rows = [line for line in text.splitlines() if line.startswith("| ") and " | " in line]
    numbers = {row.split("|")[1].strip() for row in rows}
    assert {"1a", "1b", "1c", "2", "3a", "3b", "4a", "4b", "4c", "5", "6", "7a", "7b", "9a",
            "9b", "10", "11a", "11b"} <= numbers
    assert not any(number.startswith("8") for number in numbers)  # backlog 5: retired
    assert "| error |" not in text
    assert "whole get_handshake" in text
    assert result.stdout.count("| # | measurement |") == 1
