"""Shared pieces of the benchmarks: the emulator in its own process, the environment of
subprocesses, interleaved timing with medians, and the table row."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")

ACCESS_KEY_ID = "LTAI5tEmulatorDefaultKey"  # pulumi_aliread.testing.DEFAULT_ACCESS_KEY_ID
ACCESS_KEY_SECRET = "emulator-secret-5f2c9d8e7b6a"
SEED_HANDSHAKE_ID = "h-ycm4rp3z8b1xq9vk"
SEED_ORDER_ID = "123"
REGION = "cn-shanghai"


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of every benchmark subprocess: the emulator's keys, no ECS
    metadata lookups, the repository on PYTHONPATH."""
    env = dict(os.environ)
    for name in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "ALICLOUD_ACCESS_KEY",
                 "ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_SECURITY_TOKEN",
                 "ALIREAD_RESOURCEMANAGER_ENDPOINT", "ALIREAD_LINKWAN_ENDPOINT"):
        env.pop(name, None)
    env.update(
        ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
        ALIBABA_CLOUD_ACCESS_KEY_ID=ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
        PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    )
    # An installed package has .pyc files (pip compiles on install): without them every
    # fresh process would compile this repository's modules from source, a cost no
    # user's run has (the baselines' libraries, installed by pip, have theirs).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


def apply_env() -> None:
    """Give this process the benchmark environment (for in-process measurements)."""
    os.environ.update(bench_env())
    for name in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET"):
        os.environ.pop(name, None)


class EmulatorProcess:
    """The package's emulator in its own process (so it does not share this process's
    GIL), with ``handshakes`` extra objects; ``ids`` lists them in order."""

    def __init__(self, latency: float = 0.0, handshakes: int = 0,
                 backlog: int | None = None) -> None:
        self.latency = latency
        self.handshakes = handshakes
        self.backlog = backlog  # listen backlog; default the emulator's (1024)
        self.url = ""
        self.ids: list[str] = []
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorProcess:
        self._proc = subprocess.Popen(
            [PYTHON, "-m", "benchmarks.emulator_server", "--latency", str(self.latency),
             "--handshakes", str(self.handshakes),
             *(["--backlog", str(self.backlog)] if self.backlog is not None else [])],
            cwd=ROOT, env=bench_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.__exit__()
            raise RuntimeError("the benchmark emulator did not start")
        count = int(self._proc.stdout.readline())
        self.ids = [self._proc.stdout.readline().strip() for _ in range(count)]
        return self

    def count(self) -> int:
        """Requests the emulator has answered so far."""
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        self._proc.stdin.write("count\n")
        self._proc.stdin.flush()
        return int(self._proc.stdout.readline())

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class BusyCore:
    """A process spinning on one core while in use (the other core of a 2-core machine
    kept busy, as by another job)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BusyCore:
        self._proc = subprocess.Popen([PYTHON, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()


def listen_overflows() -> int | None:
    """Linux's count of connections dropped by full accept queues, machine-wide
    (``ListenOverflows`` in /proc/net/netstat), or None where it cannot be read."""
    try:
        with open("/proc/net/netstat", encoding="ascii") as netstat:
            lines = netstat.read().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        fields = dict(zip(names.split(), values.split(), strict=False))
        if "ListenOverflows" in fields:
            return int(fields["ListenOverflows"])
    return None


def interleaved(candidates: dict[str, Callable[[], float]], runs: int) -> dict[str, float]:
    """Run every candidate ``runs`` times, interleaved (ABAB..., order flipped each
    round so neither always goes first); return each one's median."""
    names = list(candidates)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(runs):
        for name in names if round_ % 2 == 0 else reversed(names):
            samples[name].append(candidates[name]())
    return {name: statistics.median(values) for name, values in samples.items()}


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of one call of ``fn``."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run_python(args: Sequence[str], *, env: dict[str, str] | None = None,
               stdout: int | None = subprocess.DEVNULL, timeout: float = 600
               ) -> subprocess.CompletedProcess[bytes]:
    """Run ``python ARGS`` in a fresh process from the repository root."""
    return subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=env or bench_env(), stdout=stdout,
        stderr=subprocess.PIPE, timeout=timeout, check=False,
    )


@dataclass
class Row:
    """One line of the table. ``passed`` None means: no target, printed for information."""

    number: str
    name: str
    measured: str
    baseline: str
    ratio: str
    target: str
    passed: bool | None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.note.startswith("error:"):
            return "error"
        if self.passed is None:
            return "skipped" if self.measured == "-" else "info"
        return "pass" if self.passed else "FAIL"


def skipped(number: str, name: str, target: str, why: str) -> Row:
    """A row for a benchmark that cannot run yet (a part it needs is missing)."""
    return Row(number, name, "-", "-", "-", target, None, f"skipped: {why}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def missing(module: str) -> str | None:
    """None if ``module`` (a part of the package) is importable, else why not."""
    result = run_python(["-c", f"import {module}"])
    if result.returncode == 0:
        return None
    last = result.stderr.decode(errors="replace").strip().splitlines()[-1:]
    return f"{module} is not importable yet ({last[0] if last else 'unknown error'})"
