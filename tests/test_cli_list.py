"""``aliread handshakes`` as a subprocess against the emulator over loopback: the listing
(every page, filters, the invited view, details), its JSON and table, and exit codes
0 / 1 / 2 / 3."""

from __future__ import annotations

import pytest
from clihelp import aliread, cli_env, elements

from pulumi_aliread.cli import cli
from pulumi_aliread.core.apis import HANDSHAKE, LIST_HANDSHAKES, LIST_HANDSHAKES_FOR_ACCOUNT
from pulumi_aliread.testing import (
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    INVITED_ACCOUNT_ID,
    SEED_HANDSHAKE_ID,
    Emulator,
    Fault,
)

NAME = LIST_HANDSHAKES.name
DIRECTORY = LIST_HANDSHAKES.action
FOR_ACCOUNT = LIST_HANDSHAKES_FOR_ACCOUNT.action
ROW_FIELDS = {f.name for f in HANDSHAKE.fields}


def _list(emulator: Emulator, *args: str, **env: str | None):
    return aliread(NAME, "--endpoint", emulator.url, *args,
                   env=cli_env(**env) if env else None)


def test_every_page_one_element_per_invitation_in_the_api_order(emulator):
    added = emulator.add_handshakes(250)

    proc = _list(emulator)

    assert proc.returncode == 0, proc.stderr
    items = elements(proc)
    assert [i["handshake_id"] for i in items] == [SEED_HANDSHAKE_ID, *added]
    assert [emulator.count(DIRECTORY, page=n) for n in (1, 2, 3, 4)] == [1, 1, 1, 0]
    first = items[0]
    assert set(first) == ROW_FIELDS | {"request_id", "api", "ok"}
    assert first["api"] == NAME and first["ok"] is True and first["status"] == "Pending"
    assert first["master_account_real_name"] is None  # not in list answers
    assert len({i["request_id"] for i in items}) == 3  # one per page
    assert proc.stderr == ""


def test_filters_apply_on_the_client(emulator):
    added = emulator.add_handshakes(
        150, status=["Pending", "Accepted", "Expired"],
        target_entity=["a@example.com", "b@example.com"])
    rows = {h: emulator.get_object(h) for h in added}
    wanted = [h for h in added if rows[h]["Status"] in ("Accepted", "Expired")
              and rows[h]["TargetEntity"] == "a@example.com"]

    proc = _list(emulator, "--status", "Accepted", "--status", "Expired",
                 "--target-entity", "a@example.com")

    assert proc.returncode == 0, proc.stderr
    assert [i["handshake_id"] for i in elements(proc)] == wanted
    by_id = _list(emulator, "--id", added[3], "--id", added[1])
    assert [i["handshake_id"] for i in elements(by_id)] == [added[1], added[3]]  # API order


def test_nothing_passes_the_filters_exit_0_an_empty_array_and_a_note(emulator):
    proc = _list(emulator, "--status", "Declined")

    assert proc.returncode == 0 and elements(proc) == []
    assert "none passed the filters" in proc.stderr


def test_expect_on_nothing_listed_exits_1(emulator):
    """A typo in --target-entity, or an invitation not sent yet, must not turn the gate
    green."""
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")

    typo = _list(emulator, "--target-entity", "someone@exampel.com", "--expect", "Accepted")
    absent = _list(emulator, "--id", "h-0000000000000000", "--expect", "Accepted")

    assert typo.returncode == 1 and elements(typo) == [], typo.stderr
    assert "passed the filters" in typo.stderr
    assert absent.returncode == 1 and "h-0000000000000000 (not listed)" in absent.stderr


def test_expect_exit_1_names_the_invitations_not_expected(emulator):
    added = emulator.add_handshakes(3, status=["Accepted", "Pending", "Accepted"])

    proc = _list(emulator, "--expect", "Accepted", "--expect", "Pending")
    assert proc.returncode == 0, proc.stderr

    proc = _list(emulator, "--expect", "Accepted")

    assert proc.returncode == 1
    items = {i["handshake_id"]: i for i in elements(proc)}
    assert [i["ok"] for i in items.values()] == [False, True, False, True]
    off = items[added[1]]["error"]
    assert off["type"] == "ExpectationNotMetError" and off["code"] == "ExpectationNotMet"
    assert added[1] in off["message"] and "Pending" in off["message"]
    assert "error" not in items[added[0]]
    [line] = proc.stderr.splitlines()
    assert SEED_HANDSHAKE_ID in line and added[1] in line and added[0] not in line
    assert "--expect" in line and "expected_status" not in line


def test_the_invited_accounts_view(emulator):
    emulator.add_handshakes(120, target_entity=[INVITED_ACCOUNT_ID, "other@example.com"])

    proc = _list(emulator, "--invited-account",
                 ALIBABA_CLOUD_ACCESS_KEY_ID=INVITED_ACCESS_KEY_ID,
                 ALIBABA_CLOUD_ACCESS_KEY_SECRET=INVITED_ACCESS_KEY_SECRET)

    assert proc.returncode == 0, proc.stderr
    items = elements(proc)
    assert len(items) == 61 and {i["target_entity"] for i in items} == {INVITED_ACCOUNT_ID}
    assert emulator.count(FOR_ACCOUNT) == 1 and emulator.count(DIRECTORY) == 0


def test_details_read_each_listed_invitation(emulator):
    emulator.add_handshakes(4, status=["Declined", "Pending"])

    proc = _list(emulator, "--status", "Declined", "--details",
                 ALIBABA_CLOUD_ACCESS_KEY_ID=INVITED_ACCESS_KEY_ID,
                 ALIBABA_CLOUD_ACCESS_KEY_SECRET=INVITED_ACCESS_KEY_SECRET)

    assert proc.returncode == 0, proc.stderr
    items = elements(proc)
    assert len(items) == 2 and emulator.count(HANDSHAKE.action) == 2
    assert all(i["invited_account_real_name"] for i in items)


def test_a_throttled_page_is_retried(emulator):
    emulator.add_handshakes(150)
    emulator.inject(Fault.throttle(), times=1, action=DIRECTORY, page=2)

    proc = _list(emulator)

    assert proc.returncode == 0, proc.stderr
    assert len(elements(proc)) == 151
    assert [emulator.count(DIRECTORY, page=n) for n in (1, 2)] == [1, 2]


@pytest.mark.parametrize("args,says", [
    (["--status", "pending"], "'pending' is not one of"),
    (["--expect", "Gone"], "'Gone' is not one of"),
    (["--id", "h-short"], "--id 'h-short' is not a valid id"),
    (["--target-entity", " "], "--target-entity ' ' is empty"),
    (["--max-items", "0"], "--max-items"),
    (["--deadline", "soon"], "--deadline"),
    (["--endpoint", "http://example.com"], "allow_insecure_http"),
    (["--wait"], "No such option"),
])
def test_bad_input_exit_2_with_no_request(emulator, args, says):
    proc = _list(emulator, *args)

    assert proc.returncode == 2
    assert says in proc.stderr
    assert emulator.count() == 0


def test_bad_input_found_by_the_core_prints_one_error_element(emulator):
    proc = _list(emulator, "--id", "h-short")

    [item] = elements(proc)
    assert item["api"] == NAME and item["ok"] is False
    assert item["error"]["type"] == "InvalidInputError"
    assert "nothing was read (exit 2)" in proc.stderr
    # the element says what stderr says, in the command's words
    message = item["error"]["message"]
    assert message.startswith("--id 'h-short' is not a valid id")
    assert f"aliread: bad input: {message}" in proc.stderr.splitlines()
    assert "handshake_id" not in message and "GetHandshake" not in message


def test_api_error_exit_3_one_error_element_and_no_secret(emulator):
    proc = _list(emulator, ALIBABA_CLOUD_ACCESS_KEY_SECRET="not-the-" + "secret")

    assert proc.returncode == 3
    [item] = elements(proc)
    assert item["ok"] is False and item["error"]["code"] == "InvalidAccessKeySecret"
    assert item["error"]["request_id"] and item["error"]["request_id"] in proc.stderr
    assert "not-the-secret" not in proc.stdout + proc.stderr


def test_unavailable_after_retries_exit_3(emulator):
    emulator.inject(Fault.throttle(), times=100, action=DIRECTORY, page=1)

    proc = _list(emulator, "--deadline", "2s")

    assert proc.returncode == 3
    [item] = elements(proc)
    assert item["error"]["type"] == "ServiceUnavailableError"


def test_network_error_exit_3(emulator):
    proc = aliread(NAME, "--endpoint", emulator.url.rsplit(":", 1)[0] + ":1",
                   "--deadline", "2s")

    assert proc.returncode == 3
    [item] = elements(proc)
    assert item["ok"] is False and item["error"]["type"]


def test_too_many_items_exit_3_says_raise_max_items(emulator):
    emulator.add_handshakes(150)

    proc = _list(emulator, "--max-items", "100")

    assert proc.returncode == 3
    assert "TooManyItems" in proc.stderr and "--max-items" in proc.stderr
    assert emulator.count(DIRECTORY) == 1


def test_table_shows_status_and_expiry_first(emulator):
    added = emulator.add_handshakes(2, status=["Expired", "Pending"])

    proc = _list(emulator, "-o", "table", "--expect", "Pending")

    assert proc.returncode == 1
    header, *rows = proc.stdout.splitlines()
    assert header.split()[:3] == ["STATUS", "EXPIRE_TIME", "HANDSHAKE_ID"]
    assert header.split()[-1] == "RESULT"
    assert [row.split()[0] for row in rows] == ["Pending", "Expired", "Pending"]
    assert rows[1].split()[2] == added[0] and rows[1].endswith("not expected")
    assert rows[2].endswith("ok")


def test_the_command_reads_through_the_paged_core_and_help_is_documented():
    command = cli.commands[NAME]
    names = {opt for param in command.params for opt in param.opts}
    assert {"--status", "--id", "--target-entity", "--invited-account", "--details",
            "--expect", "--output", "--region", "--endpoint", "--connect-timeout",
            "--read-timeout", "--deadline", "--allow-insecure-http", "--max-items"} <= names
    proc = aliread(NAME, "--help")
    assert proc.returncode == 0 and DIRECTORY in proc.stdout and FOR_ACCOUNT in proc.stdout
