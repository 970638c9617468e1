"""The command's pieces in-process: durations, the ordered pool, main(), light imports."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest
from clihelp import aliread, cli_env

from pulumi_aliread import errors
from pulumi_aliread.cli import main
from pulumi_aliread.cli.command import run
from pulumi_aliread.cli.durations import format_duration, parse_duration
from pulumi_aliread.cli.run import stops_the_run
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
)


@pytest.mark.parametrize("text,seconds", [
    ("30m", 1800), ("90s", 90), ("1h", 3600), ("15", 15), ("0.05s", 0.05), ("250ms", 0.25),
    ("1h30m", 5400), ("2m30s", 150), (" 45S ", 45), ("1.5", 1.5), ("1d", 86400),
])
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "0", "0s", "-5s", "5x", "m", "1h 30", "nan",
                                  "inf", "30m1"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_duration():
    assert format_duration(0.2) == "200ms"
    assert format_duration(5400) == "1h30m"
    assert format_duration(61) == "1m1s"


def test_main_returns_exit_codes(capsys):
    assert main(["--version"]) == 0
    assert main(["--help"]) == 0
    assert "Exit codes" in capsys.readouterr().out
    assert main(["handshake"]) == 2
    assert main(["handshake", "bad"]) == 2
    assert main(["handshake", SEED_HANDSHAKE_ID, "--concurrency", "0"]) == 2


def test_package_import_is_light_and_the_cli_never_imports_pulumi(emulator):
    code = (
        "import sys\n"
        "import pulumi_aliread\n"
        "assert 'click' not in sys.modules, 'import pulumi_aliread imported click'\n"
        "from pulumi_aliread.cli import main\n"
        f"rc = main(['handshake', {SEED_HANDSHAKE_ID!r}, '--endpoint', {emulator.url!r}])\n"
        "loaded = [m for m in sys.modules if m == 'pulumi' or m.startswith('pulumi.')]\n"
        "assert not loaded, loaded\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=cli_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert emulator.count() == 1


def test_emulator_subcommand_serves_reads(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pulumi_aliread", "emulator", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        read = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", url)
        assert read.returncode == 0, read.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0


# -- which errors stop a run -------------------------------------------------------------


@pytest.mark.parametrize("api,code,stops", [
    (HANDSHAKE, "InvalidAccessKeySecret", True),
    (HANDSHAKE, "InvalidAccessKeyId.NotFound", True),
    (HANDSHAKE, "InvalidSecurityToken.Expired", True),
    (HANDSHAKE, "Forbidden.RAM", True),
    (AUTH_ORDER, "ForbiddenByRam", True),
    (AUTH_ORDER, "NoCredentials", True),
    (AUTH_ORDER, "NotResourceOwner", False),  # this object's owner, not the key's rights
    (AUTH_ORDER, "ForbiddenByRiskControl", False),
    (HANDSHAKE, "EntityNotExists.Handshake", False),
    (HANDSHAKE, "SomethingNew", False),
    (HANDSHAKE, None, False),
])
def test_only_credential_wide_errors_stop_a_run(api, code, stops):
    error = errors.AccessDeniedError("denied", code=code)
    assert stops_the_run(api, error) is stops


# -- --wait resolves the credentials again every round ------------------------------------

NEW_KEY_ID = "LTAI5tRotatedKey"
NEW_KEY_SECRET = "rotated-secret-9a8b7c"


def _wait(emulator, ids, sleep):
    out, err = io.StringIO(), io.StringIO()
    code = run(HANDSHAKE, ids=ids, endpoint=emulator.url, wait=True, interval=0.01,
               timeout=60, output="json", stdout=out, stderr=err, sleep=sleep)
    return code, json.loads(out.getvalue()), err.getvalue()


def test_wait_uses_the_credentials_of_each_round(emulator, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
    emulator.credentials[NEW_KEY_ID] = NEW_KEY_SECRET
    emulator.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"])

    def rotate(seconds: float) -> None:  # the old key is gone while the wait sleeps
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", NEW_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", NEW_KEY_SECRET)
        emulator.credentials.pop(DEFAULT_ACCESS_KEY_ID, None)

    code, [item], stderr = _wait(emulator, [SEED_HANDSHAKE_ID], rotate)

    assert code == 0, stderr
    assert item["status"] == "Accepted" and item["ok"] is True
    used = [r.params["AccessKeyId"] for r in emulator.requests]
    assert used == [DEFAULT_ACCESS_KEY_ID, NEW_KEY_ID]
    assert emulator.requests[-1].params["AccessKeyId"] == NEW_KEY_ID
    assert NEW_KEY_SECRET not in stderr


def test_wait_fails_the_pending_ids_when_credentials_are_gone(emulator, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
    pending = emulator.add_handshakes(2)

    def forget(seconds: float) -> None:
        monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
        monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")

    code, items, stderr = _wait(emulator, pending, forget)

    assert code == 3
    assert emulator.count() == 2  # the first round only
    for item, object_id in zip(items, pending, strict=True):
        assert item["handshake_id"] == object_id and item["ok"] is False
        assert item["status"] == "Pending"  # the last good read is kept
        assert item["error"]["code"] == "NoCredentials"
    lines = stderr.splitlines()
    assert "NoCredentials" in lines[0] and len(lines) == 2  # the error once, then a count
    assert "1 more id(s) failed with the same error" in lines[1]


def test_no_credentials_up_front_still_exit_3_before_any_request(emulator):
    err = io.StringIO()
    code = run(HANDSHAKE, ids=[SEED_HANDSHAKE_ID], endpoint=emulator.url, wait=True,
               stdout=io.StringIO(), stderr=err, sleep=lambda s: None)
    assert code == 3 and emulator.count() == 0
    assert "NoCredentials" in err.getvalue()


def test_ids_not_read_do_not_decide_the_exit_code() -> None:
    """A refused run's ids carry NotReadError; the bad id's own error decides (2). When
    stdout closed early, the ids not read used to count as 3 and the run exited 3."""
    from pulumi_aliread.cli.command import decide, exit_code_of
    from pulumi_aliread.cli.run import Outcome, Status

    refused = [
        Outcome("h-ycm4rp3z8b1xq9vk", Status.ERROR,
                error=errors.NotReadError("not read", code="NotRead")),
        Outcome("bad", Status.ERROR, error=errors.InvalidInputError("bad id")),
    ]

    assert decide({exit_code_of(outcome) for outcome in refused}) == 2
    assert decide({exit_code_of(refused[0])}) == 0


# -- the table's columns come from the ApiSpec ------------------------------------------


@pytest.mark.parametrize("api", [HANDSHAKE, AUTH_ORDER], ids=lambda api: api.name)
def test_table_columns_follow_the_api_spec_whatever_its_name(api) -> None:
    import dataclasses

    from pulumi_aliread.cli.render import Table

    renamed = dataclasses.replace(api, name="another-name")
    assert Table(renamed, io.StringIO()).columns == (
        api.id_keyword, api.state_field, *api.summary_fields)
    unlisted = dataclasses.replace(api, summary_fields=())
    first_three = [f.name for f in dataclasses.fields(api.result_type)
                   if f.name not in (api.id_keyword, api.state_field, "request_id")][:3]
    assert Table(unlisted, io.StringIO()).columns[2:] == tuple(first_three)


def test_render_names_no_api_nor_field() -> None:
    import dataclasses
    from pathlib import Path

    from pulumi_aliread.cli import render

    source = Path(render.__file__).read_text(encoding="utf-8")
    for api in (HANDSHAKE, AUTH_ORDER):
        names = {api.name, api.action, *(f.name for f in dataclasses.fields(api.result_type))}
        names.discard("request_id")  # every result's, from the envelope
        assert not [name for name in names if f'"{name}"' in source]


# -- stdout closed once every read is done: the verdict, not 141 by timing -------------


class _ReaderGoneAtTheEnd(io.StringIO):
    """A pipe whose reader took the first bytes and left (`| head -c1`): the last write
    of the output fails."""

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_stdout_closed_after_the_last_read_exits_with_the_verdict(emulator, credentials):
    import click

    with pytest.raises(click.exceptions.Exit) as closed:
        run(HANDSHAKE, ids=[SEED_HANDSHAKE_ID], endpoint=emulator.url,
            stdout=_ReaderGoneAtTheEnd(), stderr=io.StringIO())

    assert closed.value.exit_code == 0  # every read done: the verdict is known


def test_stdout_whose_reader_left_keeps_the_verdict_of_reads_done(emulator, credentials):
    """An os.pipe whose read end is closed: the first flush (after 8 KiB of elements)
    fails while most of the given ids are still to be printed, but the one read they
    need is done: the verdict, 0."""
    import os

    import click

    read_end, write_end = os.pipe()
    os.close(read_end)
    with open(write_end, "w", encoding="utf-8") as closed_pipe:
        with pytest.raises(click.exceptions.Exit) as closed:
            run(HANDSHAKE, ids=[SEED_HANDSHAKE_ID] * 500, endpoint=emulator.url,
                stdout=closed_pipe, stderr=io.StringIO())
        with contextlib.suppress(OSError):
            closed_pipe.close()  # its buffer can no longer be written

    assert closed.value.exit_code == 0
    assert emulator.count() == 1
