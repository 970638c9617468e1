"""8. Many reads against a server with a small listen backlog: 1 000 reads at 20 ms
latency through ``aliread handshake ... --concurrency 32`` (start-up excluded, as in 3b)
and through ``get_handshake_output`` in one program under the mock runtime (timed inside
the program, as in 3a), against the emulator listening with backlog 5 (Python's
default), on a quiet machine and with the other core kept busy by a spinning process.

Opened all at once, 32 connections overflow such an accept queue; a dropped SYN is sent
again by the kernel only after 1 s, then 3 s. The transports open connections at a paced
rate and reuse them (``connections``), so these rows should match 3a / 3b.
"""

from __future__ import annotations

from collections.abc import Callable

from .common import (
    QUICK,
    BusyCore,
    EmulatorProcess,
    Row,
    apply_env,
    interleaved,
    listen_overflows,
    secs,
)
from .many import CONCURRENCY, LATENCY, cli, mock_program

BACKLOG = 5
TARGET = 1.3


def _busy(fn: Callable[[], float]) -> Callable[[], float]:
    def sample() -> float:
        with BusyCore():
            return fn()
    return sample


def _counting(fn: Callable[[], float], drops: list[int]) -> Callable[[], float]:
    """``fn``, adding the accept-queue overflows during each call to ``drops[0]``."""
    def sample() -> float:
        before = listen_overflows()
        try:
            return fn()
        finally:
            after = listen_overflows()
            if before is not None and after is not None:
                drops[0] += after - before
    return sample


def run(runs: int) -> list[Row]:
    apply_env()
    n = 200 if QUICK else 1000
    ideal = n * LATENCY / CONCURRENCY
    # The same reads against the emulator's own backlog (1024), in the same run: what
    # the small backlog itself costs, apart from the machine and the emulator.
    with EmulatorProcess(latency=LATENCY, handshakes=n, backlog=BACKLOG) as emulator, \
            EmulatorProcess(latency=LATENCY, handshakes=n) as roomy:
        candidates: dict[str, Callable[[], float]] = {}
        for key, server in (("", emulator), (" roomy", roomy)):
            url, ids = server.url, server.ids
            cli(url, ids[:1])  # warm .pyc files
            mock_program(url, ids[:CONCURRENCY])
            quiet: dict[str, Callable[[], float]] = {
                "cli": lambda url=url, ids=ids: cli(url, ids),
                "cli-1": lambda url=url, ids=ids: cli(url, ids[:1]),
                "outputs": lambda url=url, ids=ids: mock_program(url, ids)["seconds"],
            }
            for name, fn in quiet.items():
                candidates[name + key] = fn
                candidates[f"{name} busy{key}"] = _busy(fn)
        drops = {name: [0] for name in candidates}
        medians = interleaved({name: _counting(fn, drops[name])
                               for name, fn in candidates.items()}, runs)
    counted = listen_overflows() is not None

    def dropped(name: str) -> str:
        if not counted:
            return ""
        return (f"; accept-queue overflows (Linux, machine-wide) in its {runs} runs: "
                f"{drops[name][0]}")

    ideal_text = f"{secs(ideal)} ideal ({n} x 20 ms / {CONCURRENCY})"
    label = f"{n} reads, 20 ms latency, server backlog {BACKLOG}"
    rows = []
    for suffix, (cli_row, outputs_row), when in (("", ("8a", "8c"), "quiet"),
                                                 (" busy", ("8b", "8d"), "other core busy")):
        startup = max(0.0, medians["cli-1" + suffix] - LATENCY)
        reads = medians["cli" + suffix] - startup
        roomy_reads = (medians[f"cli{suffix} roomy"]
                       - max(0.0, medians[f"cli-1{suffix} roomy"] - LATENCY))
        rows.append(Row(
            cli_row, f"{label}: aliread handshake --concurrency 32, start-up excluded, "
            f"{when}", secs(reads), ideal_text, f"{reads / ideal:.2f}x",
            f"<= {TARGET:.2f}x ideal", reads / ideal <= TARGET,
            f"whole command {secs(medians['cli' + suffix])}, start-up (1-id run minus "
            f"20 ms) {secs(startup)}; median of {runs}{dropped('cli' + suffix)}; "
            f"against backlog 1024 in the same run {secs(roomy_reads)} "
            f"({reads / roomy_reads:.2f}x)",
        ))
        seconds = medians["outputs" + suffix]
        rows.append(Row(
            outputs_row, f"{label}: get_handshake_output, mock runtime, {when}",
            secs(seconds), ideal_text, f"{seconds / ideal:.2f}x", f"<= {TARGET:.2f}x ideal",
            seconds / ideal <= TARGET,
            f"timed inside the program; median of {runs}{dropped('outputs' + suffix)}; "
            f"against backlog 1024 in the same run {secs(medians[f'outputs{suffix} roomy'])} "
            f"({seconds / medians[f'outputs{suffix} roomy']:.2f}x)",
        ))
    return rows
