"""Run a Python module or code and record this process's own peak RSS:
``python -m benchmarks.peak_rss REPORT (-m MODULE | -c CODE) [ARGS...]``.

At exit, ``VmHWM`` from /proc/self/status (kB) is written to REPORT. The kernel's
``ru_maxrss`` cannot be used for a child: it starts at the high-water mark of the
process that spawned it (the runner), since exec keeps the old address space's peak.
"""

from __future__ import annotations

import atexit
import runpy
import sys


def _vm_hwm_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main() -> None:
    report, mode, target, *args = sys.argv[1:]

    def record() -> None:
        with open(report, "w", encoding="ascii") as handle:
            handle.write(str(_vm_hwm_kb()))

    atexit.register(record)
    if mode == "-m":
        sys.argv = [target, *args]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c", *args]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})


if __name__ == "__main__":
    main()
