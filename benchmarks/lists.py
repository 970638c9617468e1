"""10. Listing: 1 000 invitations at 20 ms emulator latency with ``get_handshakes`` (10
pages of 100, read one after another as the paging requires), against reading the same
1 000 ids one by one with ``get_handshake`` (timed over a sample, scaled to 1 000), in
the same run against the same emulator process.

The request counts are checked, so the row cannot pass by reading less: the listing
must take exactly 10 requests (2 with ``BENCH_QUICK``) and return every invitation.
"""

from __future__ import annotations

from typing import Any

from .common import (
    QUICK,
    EmulatorProcess,
    Row,
    apply_env,
    interleaved,
    missing,
    secs,
    skipped,
    timed,
)

LATENCY = 0.020
TARGET = 0.02  # the listing at most 2 % of the one-by-one reads (the ideal is 1 %)


def run(runs: int) -> list[Row]:
    apply_env()
    n = 200 if QUICK else 1000
    sample = 5 if QUICK else 50
    pages = n // 100
    label = f"list {n} invitations, 20 ms latency ({pages} pages of 100): get_handshakes"
    target = f"<= {TARGET:.2f}x"
    why = missing("pulumi_aliread.pulumi.functions")
    if why:
        return [skipped("10", label, target, why)]
    import pulumi_aliread as aliread

    with EmulatorProcess(latency=LATENCY, handshakes=n - 1) as emulator:
        url, ids = emulator.url, emulator.ids

        def listing() -> float:
            before = emulator.count()
            seconds = timed(lambda: _check(aliread.get_handshakes(endpoint=url), n))
            if emulator.count() - before != pages:
                raise RuntimeError(f"the listing took {emulator.count() - before} requests, "
                                   f"not {pages}")
            return seconds

        def one_by_one() -> float:
            chosen = ids[:sample]
            return timed(lambda: [aliread.get_handshake(i, endpoint=url)
                                   for i in chosen]) * n / sample

        listing()  # warm: imports, connections, credentials
        one_by_one()
        medians = interleaved({"list": listing, "ids": one_by_one}, runs)
    ideal = pages * LATENCY
    ratio = medians["list"] / medians["ids"]
    return [Row(
        "10", label, secs(medians["list"]),
        f"{secs(medians['ids'])} reading the {n} ids one by one with get_handshake",
        f"{ratio:.3f}x", target, ratio <= TARGET,
        f"{medians['ids'] / medians['list']:.0f}x faster; the listing's ideal is {pages} x "
        f"20 ms = {secs(ideal)} ({medians['list'] / ideal:.2f}x it); one by one timed over "
        f"{sample} reads, scaled to {n}; median of {runs} interleaved runs",
    )]


def _check(result: Any, n: int) -> None:
    if len(result.ids) != n:
        raise RuntimeError(f"the listing returned {len(result.ids)} of {n}")
