"""Bad ids and options are refused before any request, with a message that says what
to do (and never echoes a password given in an endpoint)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import measurements as m
import pytest

from pulumi_aliread import errors
from pulumi_aliread.core import client
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE, ApiSpec
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    Emulator,
)

REPO = Path(__file__).resolve().parents[2]

BAD_IDS: dict[str, list[Any]] = {
    HANDSHAKE.action: [
        None, "", " ", "h-", "h", "H-ycm4rp3z8b1xq9vk", "rd-ycm4rp3z8b1xq9vk",
        " h-ycm4rp3z8b1xq9vk", "h-ycm4rp3z8b1xq9vk ", "h-ycm4rp3z8b1xq9vk\n", "h-ycm4_rp3z8b",
        "h-ycm4-rp3z8b", "h-ycm4.rp3z8b", "h-ycm4rp3z8b1xq9v\u00e9", "h-\uff59\uff43\uff4d",
        "h-\u0661\u0662\u0663", "h-ycm4\x00rp3z", "h-x&Action=DeleteHandshake", "h-x%26y",
        "h-a/../b", "h-a?b=c", "h-a#b", "h-" + "a" * 63, "h-" + "a" * 100_000, 123, 1.5, True,
        b"h-ycm4rp3z8b1xq9vk", ["h-ycm4rp3z8b1xq9vk"], {"HandshakeId": "h-ycm4rp3z8b1xq9vk"},
    ],
    AUTH_ORDER.action: [
        None, "", " ", " 123", "123 ", "1 2", "12\n3", "\t", "12\r\n3", "1" * 65,
        "9" * 100_000, "\u8ba2\u5355", "123\u00e9", "\uff11\uff12\uff13", "12\x003", "12\x7f3",
        "123\u200b", "12\u00a03", 123, 1.5, True, b"123", ["123"], {"OrderId": "123"},
    ],
}
# Options, each refused for the API given: (api, keyword arguments, what the message says)
BAD_OPTIONS: list[tuple[ApiSpec, dict[str, Any], str]] = [
    (HANDSHAKE, {"region": ""}, "use one like 'cn-shanghai'"),
    (HANDSHAKE, {"region": "CN Shanghai"}, "use one like 'cn-shanghai'"),
    (AUTH_ORDER, {"region": "shanghai"}, "use one like 'cn-shanghai'"),
    (HANDSHAKE, {"endpoint": "ftp://x"}, "use a host such as"),
    (HANDSHAKE, {"endpoint": ""}, "use a host such as"),
    (HANDSHAKE, {"endpoint": "http://admin:hunter2secret@127.0.0.1:1"}, "must not carry"),
    (AUTH_ORDER, {"endpoint": "https://user@linkwan.cn-shanghai.aliyuncs.com"},
     "must not carry"),
    (HANDSHAKE, {"endpoint": "http://127.0.0.1:1/path?q=1"}, "no path or query"),
    (HANDSHAKE, {"endpoint": "http://127.0.0.1:99999"}, "use a host such as"),
    (HANDSHAKE, {"endpoint": "not a host"}, "use a host such as"),
    (AUTH_ORDER, {"api_version": "1999-01-01"}, "use 2018-12-30 or 2019-03-01"),
    (HANDSHAKE, {"api_version": "2018-12-30"}, "use 2020-03-31"),
    (HANDSHAKE, {"expected": "accepted"}, "did you mean 'Accepted'"),
    (HANDSHAKE, {"expected": "Approved"}, "use Pending, Accepted"),
    (HANDSHAKE, {"expected": ["Accepted", "Done"]}, "use Pending, Accepted"),
    (HANDSHAKE, {"expected": []}, "give at least one of"),
    (AUTH_ORDER, {"expected": "CANCELLED"}, "use APPLYING, ACCEPTED"),
    (AUTH_ORDER, {"expected": "accepted"}, "did you mean 'ACCEPTED'"),
    (AUTH_ORDER, {"expected": 5}, "use APPLYING"),
    (HANDSHAKE, {"read_timeout": -1}, "must be a positive number"),
    (HANDSHAKE, {"max_attempts": 0}, "must be a positive number"),
]
ADVICE = ("pass ", "use ", "give ", "set ", "must ")


def _refusal(emulator: Emulator, api: ApiSpec, object_id: Any, **options: Any) -> str:
    """The refusal message, or a description of what happened instead."""
    options.setdefault("endpoint", emulator.url)
    try:
        result = client.read(api, object_id, config=m.CONFIG, **options)
    except errors.InvalidInputError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001
        return f"NOT REFUSED: {type(exc).__name__}: {exc}"
    return f"NOT REFUSED: got {result!r:.80}"


def test_bad_ids_are_refused_before_any_request(figures):
    problems = []
    with Emulator() as emulator:
        for api in (HANDSHAKE, AUTH_ORDER):
            cases = BAD_IDS[api.action]
            assert len(cases) >= 20
            refused = 0
            for bad in cases:
                message = _refusal(emulator, api, bad)
                if message.startswith("NOT REFUSED"):
                    problems.append(f"{api.action} {bad!r:.40}: {message}")
                    continue
                refused += 1
                if api.id_keyword not in message or "pass " not in message:
                    problems.append(f"{bad!r:.40}: message does not say what to do: {message}")
                if len(message) > 400:
                    problems.append(f"{bad!r:.40}: message of {len(message)} characters")
            figures("bad_input", {"what": f"{api.id_keyword} ({api.action})",
                                  "cases": len(cases), "refused": refused,
                                  "requests": emulator.count()})
            if emulator.count():
                problems.append(f"{api.action}: {emulator.count()} requests were sent")
    assert problems == []


def test_bad_options_are_refused_before_any_request(figures):
    problems = []
    refused = 0
    with Emulator() as emulator:
        for api, options, fragment in BAD_OPTIONS:
            object_id = SEED_HANDSHAKE_ID if api is HANDSHAKE else SEED_ORDER_ID
            message = _refusal(emulator, api, object_id, **options)
            if message.startswith("NOT REFUSED"):
                problems.append(f"{options}: {message}")
                continue
            refused += 1
            if fragment not in message or not any(word in message for word in ADVICE):
                problems.append(f"{options}: expected {fragment!r} in: {message}")
            if "hunter2secret" in message:
                problems.append(f"{options}: the endpoint's password is echoed: {message}")
        figures("bad_input", {"what": "options (region, endpoint, api_version, expected "
                                      "state, tuning)", "cases": len(BAD_OPTIONS),
                              "refused": refused, "requests": emulator.count()})
        assert emulator.count() == 0
    assert problems == []


def test_cli_refuses_bad_input_with_exit_2_before_any_request(figures):
    pytest.importorskip("pulumi_aliread.cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA", "ALICLOUD"))}
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    })
    problems = []
    with Emulator() as emulator:
        cases = [
            ["handshake", "not-an-id", "--endpoint", emulator.url],
            ["auth-order", "1 2", "--endpoint", emulator.url],
            ["handshake", SEED_HANDSHAKE_ID, "--endpoint", "ftp://x"],
            ["handshake", SEED_HANDSHAKE_ID, "--region", "", "--endpoint", emulator.url],
            ["auth-order", SEED_ORDER_ID, "--expect", "DONE", "--endpoint", emulator.url],
        ]
        for args in cases:
            proc = subprocess.run([sys.executable, "-m", "pulumi_aliread", *args],
                                  capture_output=True, text=True, env=env, timeout=120,
                                  stdin=subprocess.DEVNULL)
            if proc.returncode != 2 or not proc.stderr.strip():
                problems.append(f"{args}: exit {proc.returncode}: {proc.stderr[-300:]}")
        figures("bad_input", {"what": "aliread CLI (exit code 2)", "cases": len(cases),
                              "refused": len(cases) - len(problems),
                              "requests": emulator.count()})
        assert emulator.count() == 0
    assert problems == []
