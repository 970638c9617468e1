"""The benchmarks' emulator process: ``python -m benchmarks.emulator_server``.

Prints the URL, then the number of extra handshakes and their ids, one a line; then
answers ``count`` on stdin with the number of requests served; exits when stdin closes.
"""

from __future__ import annotations

import argparse
import sys

from pulumi_aliread.testing import Emulator


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--handshakes", type=int, default=0)
    args = parser.parse_args()
    # Keep no per-request records beyond the counters: 10 000-read runs stay small.
    with Emulator(latency=args.latency, max_records=1) as emulator:
        ids = emulator.add_handshakes(args.handshakes, prefix="bench") if args.handshakes else []
        print(emulator.url)
        print(len(ids))
        print("\n".join(ids), end="\n" if ids else "", flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(emulator.count(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
