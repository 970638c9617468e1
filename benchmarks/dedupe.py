"""5. Dedupe: 100 identical ``get_handshake_output`` reads in one program (mock runtime)
send one request to the emulator."""

from __future__ import annotations

from .common import QUICK, EmulatorProcess, Row, missing, skipped
from .many import mock_program

TARGET = "1 request"


def run(runs: int) -> list[Row]:
    n = 20 if QUICK else 100
    name = f"{n} identical get_handshake_output reads in one program"
    why = missing("pulumi_aliread.testing.mocks") or missing("pulumi_aliread.pulumi.outputs")
    if why:
        return [skipped("5", name, TARGET, why)]
    counts = []
    with EmulatorProcess() as emulator:
        for _ in range(max(1, min(runs, 3))):
            before = emulator.count()
            mock_program(emulator.url, ["-"] * n, mode="identical")
            counts.append(emulator.count() - before)
    worst = max(counts)
    return [Row(
        "5", name, f"{worst} request{'s' if worst != 1 else ''}", f"{n} reads",
        f"{worst / n:.2f}", TARGET, worst == 1,
        f"worst of {len(counts)} programs, each in a fresh process",
    )]
