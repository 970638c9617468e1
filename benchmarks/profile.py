"""A pyinstrument profile of many ``get_handshake`` reads against the emulator (its own
process, latency 0): ``python -m benchmarks.profile [N]``. Needs pyinstrument (a dev
extra). For the per-stage numbers without profiler overhead see ``benchmarks.breakdown``.
"""

from __future__ import annotations

import sys

from .common import SEED_HANDSHAKE_ID, EmulatorProcess, apply_env


def main(argv: list[str]) -> int:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: pip install pyinstrument", file=sys.stderr)
        return 2
    apply_env()
    from pulumi_aliread import get_handshake

    n = int(argv[0]) if argv else 2000
    with EmulatorProcess() as emulator:
        for _ in range(50):
            get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(n):
            get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
        profiler.stop()
    print(profiler.output_text(unicode=True, color=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
