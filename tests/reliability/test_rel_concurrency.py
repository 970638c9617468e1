"""Many reads at once through the shared clients: each result is the object asked for,
no exception, no request lost, no connection dropped."""

from __future__ import annotations

import time

import measurements as m
import pytest

from pulumi_aliread.testing import Emulator


def test_64_threads_50_reads_each(figures):
    result = m.measure_concurrency(threads=64, reads_per_thread=50, latency=0.005)
    figures("concurrency", {
        "scenario": result.name, "reads": result.reads, "correct": result.correct,
        "failed": len(result.failed), "requests": result.client_requests,
        "received": result.emulator_requests, "lost": result.lost_requests,
        "drops": result.unexpected_drops, "seconds": round(result.seconds, 2),
    })
    assert result.reads == 3200
    assert result.failed == [], result.failed[:5]
    assert result.wrong == [], result.wrong[:5]
    assert result.correct == 3200
    assert result.client_requests == result.emulator_requests == 3200
    assert result.connection_errors == 0 and result.read_timeouts == 0
    assert result.max_requests == 1


def test_500_get_handshake_output_reads_in_one_pulumi_program(figures):
    mocks_module = pytest.importorskip("pulumi_aliread.testing.mocks")
    import pulumi

    import pulumi_aliread as aliread
    from pulumi_aliread.core.apis import HANDSHAKE

    with Emulator(latency=0.005) as emulator:
        ids = emulator.add_handshakes(500)
        for index, object_id in enumerate(ids):
            emulator.set_state(object_id, HANDSHAKE.states[index % len(HANDSHAKE.states)])
        stored = {object_id: emulator.get_object(object_id) for object_id in ids}
        config = {"aliread:resourcemanagerEndpoint": emulator.url, **m.CONFIG}

        def program() -> None:
            results = [aliread.get_handshake_output(handshake_id=object_id)
                       for object_id in ids]
            pulumi.export("results", pulumi.Output.all(*results))

        emulator.clear()
        started = time.perf_counter()
        mocks = mocks_module.ProviderMocks(config)
        with m.watch_transport(emulator.url) as tally:
            exports = mocks.run(program)
        assert mocks.client is not None
        metrics = mocks.client.metrics  # the program's client
        seconds = time.perf_counter() - started
        # Stack outputs hold each result as an object of its fields (what the engine keeps)
        results = [HANDSHAKE.result_type(**result) for result in exports["results"]]
        problems = [m.check_result(HANDSHAKE, result, object_id, stored[object_id])
                    for object_id, result in zip(ids, results, strict=True)]
        problems = [problem for problem in problems if problem]
        figures("concurrency", {
            "scenario": "500 get_handshake_output in one Pulumi program (mock runtime, "
                        "ProviderMocks), 5 ms latency",
            "reads": len(results), "correct": len(results) - len(problems), "failed": 0,
            "requests": metrics.requests, "received": emulator.count(),
            "lost": metrics.requests - emulator.count(),
            "drops": tally.connection_errors, "seconds": round(seconds, 2),
        })
        assert problems == [], problems[:5]
        assert len(results) == 500
        assert [emulator.count(object_id=object_id) for object_id in ids] == [1] * 500
        assert metrics.requests == emulator.count() == 500
        assert tally.connection_errors == 0 and tally.read_timeouts == 0
