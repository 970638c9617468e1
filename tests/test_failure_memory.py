"""Failed reads cost no more memory than successful ones: ``aliread`` over ids that are
not found keeps no more Python memory than over ids that are found (before: every failed
id kept its exception's traceback, and with it the frames of the attempt loop)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pulumi_aliread.testing import Emulator

# Runs the CLI with tracemalloc on and prints its peak of traced memory (bytes).
PEAK = r"""
import sys, tracemalloc
tracemalloc.start()
from pulumi_aliread.cli import main
code = main(sys.argv[1:])
print(tracemalloc.get_traced_memory()[1], file=sys.stderr)
"""


def traced_peak(ids: list[str], endpoint: str, api: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, api, *ids, "--endpoint", endpoint, "--concurrency", "32",
         "-o", "json"],
        env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        timeout=300,
    )
    return int(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("api", ["handshake", "auth-order"])
def test_not_found_ids_cost_no_more_memory_than_found_ones(api: str, credentials: object
                                                           ) -> None:
    count = 3000
    with Emulator() as emulator:
        if api == "handshake":
            found = emulator.add_handshakes(count)
            missing = [f"h-missing{i:012d}" for i in range(count)]
        else:
            found = emulator.add_auth_orders(count)
            missing = [f"missing-{i}" for i in range(count)]
        found_peak = traced_peak(found, emulator.url, api)
        missing_peak = traced_peak(missing, emulator.url, api)
    assert missing_peak <= found_peak * 1.2 + (1 << 20), (
        f"{count} ids not found peaked at {missing_peak >> 10} KiB of Python memory, "
        f"{found_peak >> 10} KiB when found")
