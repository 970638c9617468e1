"""What a broken or hostile endpoint says back is made harmless where it enters:

- the STS token or the AccessKey secret echoed in any field of a *successful* answer
  (item reads and list pages, every field, every row) is masked before any result is
  built, so it reaches no result, CLI output, Pulumi output or state;
- control characters (terminal escape sequences, bidi overrides) in an error's code,
  message or request id are shown escaped, in exceptions and on the CLI's stderr, and
  never written raw to a terminal by the table output either.

The endpoint is a loopback server in front of the emulator (which checks every
signature) that rewrites the emulator's real answers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pulumi
import pytest
from hostile import Exchange, HostileServer, Step, _head, answer

import pulumi_aliread as aliread
from pulumi_aliread.core import redaction
from pulumi_aliread.testing import (
    SEED_HANDSHAKE_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)
from pulumi_aliread.testing.mocks import ProviderMocks

SECRETS = (STS_TOKEN, STS_ACCESS_KEY_SECRET)
# What a terminal acts on: ESC, BEL, CSI (C1), the right-to-left override, an LRI.
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                          "\u2066-\u2069]")


def _rewrite(change: Callable[[dict[str, Any], str], None]) -> Step:
    """The emulator's own answer (status kept) with ``change(body, token)`` applied,
    ``token``: the SecurityToken the request carried (what an echoing server sends)."""

    def step(exchange: Exchange) -> bool:
        status, raw, request_id = exchange.upstream()
        body = json.loads(raw)
        token = parse_qs(urlsplit(exchange.target).query).get("SecurityToken", [""])[0]
        change(body, token)
        data = json.dumps(body).encode()
        exchange.write(_head(status, {"Content-Type": "application/json",
                                      "x-acs-request-id": request_id,
                                      "Content-Length": str(len(data))}) + data)
        return True

    return step


def _echo(body: dict[str, Any], token: str) -> None:
    """Echo the token and the secret in the envelope and in several fields of the object
    or of every row."""
    assert token == STS_TOKEN  # the request carried it: this server echoes it
    body["RequestId"] = f"{body['RequestId']}-{token}"
    objects = [body["Handshake"]] if "Handshake" in body else body["Handshakes"]["Handshake"]
    assert objects
    for obj in objects:
        obj["Note"] = token
        obj["MasterAccountName"] = f"name {STS_ACCESS_KEY_SECRET} and {token}"
        obj["TargetEntity"] = f"{token}@example.com"
        obj["ResourceDirectoryId"] = STS_ACCESS_KEY_SECRET


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert redaction.MASK in text


@pytest.fixture
def sts_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": STS_ACCESS_KEY_ID,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": STS_ACCESS_KEY_SECRET,
           "ALIBABA_CLOUD_SECURITY_TOKEN": STS_TOKEN}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def echoing(emulator: Emulator) -> Iterator[HostileServer]:
    with HostileServer(emulator.url, [_rewrite(_echo)]) as server:
        yield server


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", *args],
        env=dict(os.environ, **(env or {})), capture_output=True, text=True,
        encoding="utf-8", timeout=60,
    )


# -- secrets echoed in a successful answer ----------------------------------------------


def test_get_handshake_masks_a_token_echoed_in_fields(
        echoing: HostileServer, sts_env: dict[str, str]) -> None:
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=echoing.url, max_attempts=1)

    assert result.status == "Pending"  # read and validated, only the echoes masked
    assert result.note == redaction.MASK
    assert result.target_entity == f"{redaction.MASK}@example.com"
    _assert_clean(json.dumps(result.to_dict()))
    _assert_clean(repr(result))


def test_get_handshakes_masks_a_token_echoed_in_every_row(
        echoing: HostileServer, sts_env: dict[str, str]) -> None:
    listing = aliread.get_handshakes(endpoint=echoing.url, max_attempts=1)

    assert listing.handshakes and all(h.note == redaction.MASK for h in listing.handshakes)
    _assert_clean(json.dumps(listing.to_dict(), default=str))
    _assert_clean(repr(listing))


@pytest.mark.parametrize("args", [
    ["handshake", SEED_HANDSHAKE_ID, "-o", "json"],
    ["handshake", SEED_HANDSHAKE_ID, "-o", "table", "--expect", "Accepted"],
    ["handshakes", "-o", "json", "--expect", "Accepted"],
    ["handshakes", "-o", "table"],
], ids=["read json", "read table, not expected", "list json, not expected", "list table"])
def test_the_cli_prints_no_echoed_secret(args: list[str], echoing: HostileServer,
                                         sts_env: dict[str, str]) -> None:
    done = _cli(*args, "--endpoint", echoing.url, env=sts_env)

    assert done.returncode in (0, 1), done.stderr
    _assert_clean(done.stdout + done.stderr)


def test_pulumi_outputs_hold_no_echoed_secret(echoing: HostileServer) -> None:
    """The Handshake resource (the dynamic provider: its outputs go to state) and the
    invoke, with the stack's STS credentials."""
    mocks = ProviderMocks({
        "aliread:resourcemanagerEndpoint": echoing.url,
        "alicloud:accessKey": STS_ACCESS_KEY_ID,
        "alicloud:secretKey": STS_ACCESS_KEY_SECRET,
        "alicloud:securityToken": STS_TOKEN,
    })

    def program() -> None:
        invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
        pulumi.export("note", invite.note)
        pulumi.export("fn", aliread.get_handshake_output(SEED_HANDSHAKE_ID).apply(
            lambda result: result.to_dict()))

    exports = mocks.run(program)

    assert exports["note"] == redaction.MASK and exports["fn"]["note"] == redaction.MASK
    _assert_clean(json.dumps(exports, default=str))
    for record in mocks.registrations:
        for secret in SECRETS:
            assert secret not in json.dumps(record.outputs, default=str)


def test_the_plugin_returns_no_echoed_secret(echoing: HostileServer,
                                             tmp_path: Path) -> None:
    from test_plugin_server import Plugin, _invoke, _plain

    plugin = Plugin(tmp_path)
    try:
        plugin.configure(resourcemanagerEndpoint=echoing.url, accessKey=STS_ACCESS_KEY_ID,
                         secretKey=STS_ACCESS_KEY_SECRET, securityToken=STS_TOKEN)
        one = _plain(getattr(_invoke(plugin, "getHandshake", handshakeId=SEED_HANDSHAKE_ID),
                             "return"))
        listing = _plain(getattr(_invoke(plugin, "getHandshakes"), "return"))
    finally:
        logs = plugin.close()

    assert one["note"] == redaction.MASK
    _assert_clean(json.dumps([one, listing], default=str))
    for secret in SECRETS:
        assert secret not in logs


# -- control characters ---------------------------------------------------------------

HOSTILE_ERROR = {"Code": "Forbidden\x1b[2J", "Message": "bad \x1b]0;pwned\x07 thing \u202egnp",
                 "RequestId": "R\x1b[31m\u2066"}


def _no_raw_controls(text: str) -> None:
    assert not RAW_CONTROLS.findall(text), RAW_CONTROLS.findall(text)


def test_an_error_answers_controls_are_escaped_in_the_exception(
        emulator: Emulator, credentials: tuple[str, str]) -> None:
    with HostileServer(emulator.url, [answer(403, HOSTILE_ERROR)]) as server, \
            pytest.raises(aliread.AccessDeniedError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=server.url, max_attempts=1)

    error = caught.value
    for text in (str(error), error.message, error.code, error.request_id, repr(error)):
        assert text is not None
        _no_raw_controls(text)
    assert error.code == "Forbidden\\x1b[2J" and error.request_id == "R\\x1b[31m\\u2066"
    assert "bad \\x1b]0;pwned\\x07 thing \\u202egnp" in str(error)


def test_the_cli_writes_an_error_answers_controls_escaped(
        emulator: Emulator, credentials: tuple[str, str]) -> None:
    env = dict(zip(("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                   credentials, strict=True))
    with HostileServer(emulator.url, [answer(403, HOSTILE_ERROR)]) as server:
        done = _cli("handshake", SEED_HANDSHAKE_ID, "--endpoint", server.url,
                    "-o", "json", env=env)

    assert done.returncode == 3
    _no_raw_controls(done.stderr)
    assert "Forbidden\\x1b[2J" in done.stderr and "\\x07" in done.stderr
    assert "\\u202e" in done.stderr and "R\\x1b[31m\\u2066" in done.stderr
    error = json.loads(done.stdout)[0]["error"]
    for key in ("code", "request_id", "message"):
        _no_raw_controls(error[key])


def _hostile_request_id(body: dict[str, Any], token: str) -> None:
    body["RequestId"] = "R\x1b[31m\u202eX"
    body["Handshake"]["Note"] = "note \x1b[2J\u202e\x9b"


@pytest.mark.parametrize("output", ["json", "table"])
def test_expectation_not_met_with_a_hostile_request_id(
        output: str, emulator: Emulator, credentials: tuple[str, str]) -> None:
    env = dict(zip(("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                   credentials, strict=True))
    with HostileServer(emulator.url, [_rewrite(_hostile_request_id)]) as server:
        done = _cli("handshake", SEED_HANDSHAKE_ID, "--endpoint", server.url,
                    "--expect", "Accepted", "-o", output, env=env)
        with pytest.raises(aliread.ExpectationNotMetError) as caught:
            aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=server.url,
                                  expected_status="Accepted", max_attempts=1)

    assert done.returncode == 1, done.stderr
    _no_raw_controls(done.stderr)
    _no_raw_controls(done.stdout)
    assert "request id R\\x1b[31m\\u202eX" in done.stderr
    _no_raw_controls(str(caught.value))
    assert caught.value.request_id == "R\\x1b[31m\\u202eX"
    # The data itself is the server's, unchanged: only what is shown is escaped.
    assert caught.value.result.note == "note \x1b[2J\u202e\x9b"  # type: ignore[attr-defined]


def test_the_table_shows_a_fields_controls_escaped(
        emulator: Emulator, credentials: tuple[str, str]) -> None:
    env = dict(zip(("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                   credentials, strict=True))

    def hostile_rows(body: dict[str, Any], token: str) -> None:
        for row in body["Handshakes"]["Handshake"]:
            row["TargetEntity"] = "n\x1b[2J\u202ex"
            row["MasterAccountName"] = "m\x1b]0;t\x07"

    with HostileServer(emulator.url, [_rewrite(hostile_rows)]) as server:
        done = _cli("handshakes", "--endpoint", server.url, "-o", "table", env=env)

    assert done.returncode == 0, done.stderr
    _no_raw_controls(done.stdout)
    assert "n\\x1b[2J\\u202ex" in done.stdout and "m\\x1b]0;t\\x07" in done.stdout
