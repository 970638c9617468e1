"""Time bounds, memory bounds, credential sources and throttling signals, on both
transports, recorded as rows of docs/reliability.md. Each row's outcome is asserted;
times are reported, never asserted (a hung read fails through a thread join)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the hostile servers

from hostile import HostileServer, answer, bomb, drip, forward, gzip_bomb  # noqa: E402

import pulumi_aliread as aliread  # noqa: E402
from pulumi_aliread.core import settings
from pulumi_aliread.core.apis import HANDSHAKE
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    Emulator,
)

PATHS = ("blocking", "event loop")
HUNG = 60
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)


PARAMS = {HANDSHAKE.id_param: SEED_HANDSHAKE_ID}


def read(path: str, endpoint: str, reader: aliread.Client | None = None,
         **options: Any) -> tuple[Any, float]:
    """(result or exception, seconds) of one read through ``path``; a hung read fails."""
    call = settings.resolve(HANDSHAKE, config={}, endpoint=endpoint, **options)
    reader = reader or aliread.Client()
    creds = reader.credentials({})
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            if path == "blocking":
                box["value"] = reader.request(HANDSHAKE, PARAMS, call, creds)
            else:
                box["value"] = asyncio.run(reader.request_async(HANDSHAKE, PARAMS, call, creds))
        except Exception as error:  # noqa: BLE001 - reported
            box["value"] = error

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HUNG)
    assert not worker.is_alive(), f"{path} read still running after {HUNG} s"
    return box["value"], time.monotonic() - started


def _name(value: Any) -> str:
    if isinstance(value, aliread.AlireadError):
        return f"{type(value).__name__} ({value.code})"
    return "result" if value is not None else "none"


# ------------------------------------------------------------------------------ time

TIME_CASES = {
    "200, Content-Length 1000, then 1 byte every 0.2 s": (
        drip(0.2), {"read_timeout": 1, "deadline": 10, "max_attempts": 1}),
    "status line and headers dripped 1 byte every 0.2 s": (
        drip(0.2, head_too=True), {"read_timeout": 1, "deadline": 10, "max_attempts": 1}),
    "dripped body, deadline shorter than read_timeout": (
        drip(0.2), {"read_timeout": 30, "deadline": 1.5, "max_attempts": 5, **FAST}),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("scenario", list(TIME_CASES))
def test_time_bounds(scenario: str, path: str, emulator: Emulator, figures: Any) -> None:
    step, options = TIME_CASES[scenario]
    with HostileServer(emulator.url, [step]) as server:
        value, seconds = read(path, server.url, **options)
        requests = server.requests
    bounds = ", ".join(f"{key}={value}" for key, value in options.items()
                       if key in ("read_timeout", "deadline", "max_attempts"))
    figures("time", {"scenario": scenario, "path": path, "bounds": bounds,
                     "outcome": _name(value), "requests": requests,
                     "seconds": round(seconds, 2)})
    assert isinstance(value, aliread.ServiceUnavailableError) and value.code == "ReadTimeout"
    assert requests == 1


def test_cli_wait_timeout(emulator: Emulator, figures: Any) -> None:
    with HostileServer(emulator.url, [drip(0.5)]) as server:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
             "--endpoint", server.url, "--wait", "--timeout", "4s", "--interval", "1s"],
            capture_output=True, text=True, timeout=HUNG, env=dict(os.environ))
        seconds = time.monotonic() - started
    figures("time", {"scenario": "aliread --wait against a dripping server", "path": "blocking",
                     "bounds": "--timeout 4s", "outcome": f"exit {done.returncode}",
                     "requests": server.requests, "seconds": round(seconds, 2)})
    assert done.returncode == 4, done.stderr


# ---------------------------------------------------------------------------- memory

@pytest.mark.parametrize("path", PATHS)
def test_memory_of_a_gzip_bomb(path: str, emulator: Emulator, figures: Any) -> None:
    inflated = 256 << 20
    with HostileServer(emulator.url, [bomb(inflated)]) as server:
        tracemalloc.start()
        try:
            value, _ = read(path, server.url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    wire = len(gzip_bomb(inflated))
    figures("memory", {"scenario": f"gzip answer inflating to {inflated >> 20} MiB",
                       "path": path, "wire": f"{wire / 1024:.0f} KiB",
                       "outcome": _name(value), "peak": round(peak / 2**20, 1),
                       "baseline": "4 MiB cap"})
    assert isinstance(value, aliread.ResponseValidationError)
    assert peak < 24 << 20


PEAK = ("import sys, tracemalloc; tracemalloc.start(); from pulumi_aliread.cli import main; "
        "main(sys.argv[1:]); print(tracemalloc.get_traced_memory()[1], file=sys.stderr)")


def _cli_peak(ids: list[str], endpoint: str) -> int:
    done = subprocess.run([sys.executable, "-c", PEAK, "handshake", *ids, "--endpoint",
                           endpoint, "--concurrency", "32", "-o", "json"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=300, env=dict(os.environ))
    return int(done.stderr.strip().splitlines()[-1])


def test_memory_of_failures(figures: Any) -> None:
    count = 3000
    with Emulator() as own:
        found = _cli_peak(own.add_handshakes(count), own.url)
        missing = _cli_peak([f"h-missing{i:012d}" for i in range(count)], own.url)
    figures("memory", {"scenario": f"aliread over {count} ids not found", "path": "blocking",
                       "wire": "", "outcome": "exit 3", "peak": round(missing / 2**20, 1),
                       "baseline": f"{found / 2**20:.1f} when found"})
    assert missing <= found * 1.2 + (1 << 20)


# ----------------------------------------------------------------------- credentials

SECRET, TOKEN = "Rel5ecretValueQ9x7", "CAIS-rel-sts-token-Zk42"
URI_ANSWERS = {
    "200 without Code Success": (200, {"AccessKeyId": "STS.x", "AccessKeySecret": SECRET,
                                       "SecurityToken": TOKEN,
                                       "Expiration": "2099-01-01T00:00:00Z"}),
    "500 quoting the secret": (500, f"failed: {SECRET} {TOKEN}"),
    "not JSON": (200, f"{SECRET} {TOKEN}"),
}
PROFILE_MODES = {
    "AK without id": {"mode": "AK", "access_key_secret": SECRET},
    "StsToken without id": {"mode": "StsToken", "access_key_secret": SECRET,
                            "sts_token": TOKEN},
    "RamRoleArn without role": {"mode": "RamRoleArn", "access_key_id": "LTAI-x",
                                "access_key_secret": SECRET},
    f"unknown mode, token {TOKEN[:4]}...": {"mode": f"X-{SECRET}", "sts_token": TOKEN},
}


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ALIBABA_CLOUD_", "ALICLOUD_"))}
    env.update({"HOME": str(home), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", **extra})
    return env


LOG_LEVELS = ("DEBUG:", "INFO:", "WARNING:", "ERROR:", "CRITICAL:")


def _cli_credentials(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = ("import logging, sys; logging.basicConfig(level=logging.DEBUG); "
            "from pulumi_aliread.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, "handshake", SEED_HANDSHAKE_ID,
                           "--endpoint", "http://127.0.0.1:9"], env=env, capture_output=True,
                          text=True, timeout=120)


def _record_credentials(figures: Any, source: str, answer_kind: str,
                        done: subprocess.CompletedProcess) -> None:
    text = done.stdout + done.stderr
    leaks = sum(text.count(secret) for secret in (SECRET, TOKEN))
    lines = [line for line in done.stderr.splitlines()
             if line.strip() and not line.startswith(LOG_LEVELS)]  # the app's own logging
    figures("credentials", {"source": source, "answer": answer_kind,
                            "outcome": f"exit {done.returncode}", "lines": len(lines),
                            "leaks": leaks})
    assert done.returncode == 3 and leaks == 0
    assert len(lines) == 1 and "NoCredentials" in lines[0]


@pytest.mark.parametrize("kind", list(URI_ANSWERS))
def test_credentials_uri(kind: str, tmp_path: Path, figures: Any) -> None:
    from test_credential_sources import Answers

    status, body = URI_ANSWERS[kind]
    server = Answers(status, body)
    try:
        done = _cli_credentials(_clean_env(tmp_path, ALIBABA_CLOUD_CREDENTIALS_URI=server.url))
    finally:
        server.close()
    _record_credentials(figures, "credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)", kind, done)


@pytest.mark.parametrize("mode", list(PROFILE_MODES))
def test_cli_profile(mode: str, tmp_path: Path, figures: Any) -> None:
    config = tmp_path / ".aliyun" / "config.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"current": "ci", "profiles": [
        {"name": "ci", **PROFILE_MODES[mode]}]}))
    _record_credentials(figures, "aliyun CLI profile (~/.aliyun/config.json)", mode,
                        _cli_credentials(_clean_env(tmp_path)))


def test_no_source_at_all(tmp_path: Path, figures: Any) -> None:
    _record_credentials(figures, "none configured", "-", _cli_credentials(_clean_env(tmp_path)))


# ------------------------------------------------------------------------ throttling

THROTTLED = {"Code": "TooManyRequests", "Message": "Too many requests.", "RequestId": "R1"}
SIGNALS = {
    "HTTP 429 TooManyRequests, x-acs-retry-after: 100 (ms)": (
        answer(429, THROTTLED, x_acs_retry_after="100"), 0.1),
    "HTTP 429, HTML body, Retry-After: 1 (s)": (
        answer(429, "<html>Too Many Requests</html>", Retry_After="1"), 1.0),
    "HTTP 400 Throttling.User": (
        answer(400, {"Code": "Throttling.User", "Message": "m", "RequestId": "R2"}), None),
    "HTTP 400 Throttling.Api": (
        answer(400, {"Code": "Throttling.Api", "Message": "m", "RequestId": "R3"}), None),
    "HTTP 400 RequestThrottled": (
        answer(400, {"Code": "RequestThrottled", "Message": "m", "RequestId": "R4"}), None),
    "HTTP 503 ServiceUnavailable": (
        answer(503, {"Code": "ServiceUnavailable", "Message": "m", "RequestId": "R5"}), None),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("signal", list(SIGNALS))
def test_throttling_signal(signal: str, path: str, emulator: Emulator, figures: Any) -> None:
    step, hint = SIGNALS[signal]
    with HostileServer(emulator.url, [step, forward()]) as server:
        reader = aliread.Client()
        value, _ = read(path, server.url, reader, **FAST)
        requests, slept = server.requests, reader.metrics.backoff_seconds
    figures("throttling", {"signal": signal, "path": path, "outcome": _name(value),
                           "requests": requests, "hint": hint if hint is not None else "-",
                           "backoff": round(slept, 3)})
    assert not isinstance(value, Exception), value
    assert requests == 2
    if hint is not None:
        assert slept >= hint
