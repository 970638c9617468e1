"""Where the time of one read goes: ``get_handshake`` against the emulator (its own
process, latency 0), with a timer around each stage of ``client.read`` inside the real
call path (the wrappers cost about a microsecond each).

Stages: settings (``resolve`` + ``resolve_credentials``), signing
(aliyunsdkcore's RPC signer), HTTP (one pooled keep-alive GET, the emulator's own time
included), schema (JSON decode + marshmallow validation into the frozen result), and the
rest (validation of the id, the retry loop, expectation check, glue).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from .common import QUICK, SEED_HANDSHAKE_ID, EmulatorProcess, apply_env

STAGES = (
    "settings + credentials",
    "signing (aliyunsdkcore RPC signer)",
    "HTTP round trip (httpcore, pooled; emulator included)",
    "schema (JSON decode + marshmallow)",
)


def measure(runs: int = 5) -> list[tuple[str, float]]:
    """[(stage, seconds per read)]: the stages, the rest, then the whole read."""
    apply_env()
    import inspect

    from pulumi_aliread.core import attempts, client, http, read, schemas
    from pulumi_aliread.pulumi.functions import get_handshake

    spent = dict.fromkeys(STAGES, 0.0)

    def timer(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(fn):
            async def waiter(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    spent[stage] += time.perf_counter() - started
            return waiter

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - started
        return wrapper

    patches = [
        (read, "resolve", STAGES[0]), (client, "resolve_credentials", STAGES[0]),
        (attempts, "_signed_path", STAGES[1]), (http.Http, "request", STAGES[2]),
        (schemas, "decode_body", STAGES[3]), (schemas, "load_response", STAGES[3]),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    n = 100 if QUICK else 1000
    shares: dict[str, list[float]] = {name: [] for name in (*STAGES, "rest", "whole")}
    try:
        for owner, name, stage in patches:
            setattr(owner, name, timer(stage, getattr(owner, name)))
        with EmulatorProcess() as emulator:
            for _ in range(50):
                get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
            for _ in range(runs):
                for stage in STAGES:
                    spent[stage] = 0.0
                started = time.perf_counter()
                for _ in range(n):
                    get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
                whole = (time.perf_counter() - started) / n
                for stage in STAGES:
                    shares[stage].append(spent[stage] / n)
                shares["rest"].append(whole - sum(spent.values()) / n)
                shares["whole"].append(whole)
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    labels = {"rest": "rest (id check, hand-off to the client's loop, retry loop, "
                      "expectation, glue)",
              "whole": "whole get_handshake"}
    return [(labels.get(name, name), statistics.median(values))
            for name, values in shares.items()]


def markdown(stages: list[tuple[str, float]]) -> str:
    """The breakdown as a Markdown table."""
    total = stages[-1][1]
    lines = ["| stage of one read | time | share |", "|---|---:|---:|"]
    for name, seconds in stages:
        lines.append(f"| {name} | {seconds * 1e6:,.0f} µs | {seconds / total:.0%} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(measure()))
