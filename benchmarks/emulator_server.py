"""The benchmarks' emulator process: ``python -m benchmarks.emulator_server``.

``--backlog N`` sets the listen backlog (default the emulator's 1024; Python's own
default is 5). Prints the URL, then the number of extra handshakes and their ids, one a line; then
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
    parser.add_argument("--backlog", type=int, default=None)
    args = parser.parse_args()
    if args.backlog is not None:  # this process only: the server class's listen backlog
        from pulumi_aliread.testing import http

        http.Server.request_queue_size = args.backlog
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
