"""``aliread`` as a subprocess against the emulator: exit codes, JSON, waiting, many ids."""

from __future__ import annotations

import subprocess
import sys

import pytest
from clihelp import aliread, cli_env, elements

from pulumi_aliread.core.apis import APIS, AUTH_ORDER, HANDSHAKE
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_TOKEN,
    Fault,
)

GET_HANDSHAKE = HANDSHAKE.action
FAST = ("--interval", "1s")  # the smallest --interval allowed


def _fields(api) -> set[str]:
    return {f for f in api.result_type.__dataclass_fields__}


# -- exit 0 and the JSON schema ------------------------------------------------------


@pytest.mark.parametrize("name,object_id", [("handshake", SEED_HANDSHAKE_ID),
                                            ("auth-order", SEED_ORDER_ID)])
def test_read_prints_a_json_array_of_results(emulator, name, object_id):
    api = APIS[name]
    proc = aliread(name, object_id, "--endpoint", emulator.url)

    assert proc.returncode == 0, proc.stderr
    [item] = elements(proc)
    assert set(item) == _fields(api) | {"api", "ok"}
    assert "request_id" in item and item["request_id"]
    assert item["api"] == name and item["ok"] is True
    assert item[api.id_keyword] == object_id
    assert proc.stderr == ""


def test_elements_follow_input_order_and_errors_have_a_fixed_shape(emulator):
    ids = emulator.add_handshakes(3)
    missing = "h-0000000000000zzz"
    proc = aliread("handshake", ids[2], missing, ids[0], ids[1], "--endpoint", emulator.url)

    assert proc.returncode == 3
    items = elements(proc)
    assert [i["handshake_id"] for i in items] == [ids[2], missing, ids[0], ids[1]]
    failed = items[1]
    assert set(failed) == {"api", "handshake_id", "ok", "error"} and failed["ok"] is False
    assert set(failed["error"]) == {"type", "code", "http_status", "request_id", "attempts",
                                    "stop_reason", "message"}
    assert failed["error"]["type"] == "NotFoundError"
    assert failed["error"]["code"] == "EntityNotExists.Handshake"
    assert failed["error"]["http_status"] == 404
    assert failed["error"]["request_id"]
    [line] = proc.stderr.splitlines()
    assert missing in line and "EntityNotExists.Handshake" in line
    assert failed["error"]["request_id"] in line


def test_an_error_element_says_how_the_read_ended(emulator):
    emulator.inject(Fault.http(503))
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emulator.url)

    assert proc.returncode == 3
    [failed] = elements(proc)
    assert failed["error"]["code"] == "ServiceUnavailable"
    assert (failed["error"]["attempts"], failed["error"]["stop_reason"]) == (5, "max_attempts")
    assert emulator.count() == 5


def test_an_invalid_input_element_has_a_code(emulator):
    proc = aliread("handshake", "not-an-id", "--endpoint", emulator.url)

    assert proc.returncode == 2
    [refused] = elements(proc)
    assert refused["error"]["type"] == "InvalidInputError"
    assert refused["error"]["code"] == "InvalidInput"
    assert (refused["error"]["attempts"], refused["error"]["stop_reason"]) == (None, None)
    assert emulator.count() == 0


def test_auth_order_takes_an_api_version(emulator):
    proc = aliread("auth-order", SEED_ORDER_ID, "--api-version", "2019-03-01",
                   "--endpoint", emulator.url, "--expect", "ACCEPTED")
    assert proc.returncode == 0, proc.stderr
    assert emulator.requests[-1].params["Version"] == "2019-03-01"


def test_handshake_has_no_api_version_option(emulator):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--api-version", "2020-03-31",
                   "--endpoint", emulator.url)
    assert proc.returncode == 2 and emulator.count() == 0


def test_endpoint_from_the_environment(emulator):
    env = cli_env(ALIREAD_LINKWAN_ENDPOINT=emulator.url)
    proc = aliread("auth-order", SEED_ORDER_ID, env=env)
    assert proc.returncode == 0, proc.stderr
    assert emulator.count(AUTH_ORDER.action, SEED_ORDER_ID) == 1


def test_table_output_has_aligned_columns(emulator):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "-o", "table", "--endpoint", emulator.url)

    assert proc.returncode == 0, proc.stderr
    header, row = proc.stdout.splitlines()
    assert header.split()[:2] == ["HANDSHAKE_ID", "STATUS"]
    assert header.split()[-1] == "RESULT"
    assert row.split()[:2] == [SEED_HANDSHAKE_ID, "Pending"] and row.split()[-1] == "ok"
    assert header.index("STATUS") == row.index("Pending")


# -- exit 1: expectation not met -----------------------------------------------------


def test_expectation_not_met_exits_1_with_the_object(emulator):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--expect", "Accepted",
                   "--expect", "Declined", "--endpoint", emulator.url)

    assert proc.returncode == 1
    [item] = elements(proc)
    assert item["ok"] is False and item["status"] == "Pending"
    assert set(item) == _fields(HANDSHAKE) | {"api", "ok", "error"}
    assert item["error"]["type"] == "ExpectationNotMetError"
    assert item["error"]["code"] == "ExpectationNotMet"
    [line] = proc.stderr.splitlines()
    assert "ExpectationNotMet" in line and item["request_id"] in line and "Pending" in line


def test_expectation_met_exits_0(emulator):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--expect", "Pending",
                   "--endpoint", emulator.url)
    assert proc.returncode == 0 and elements(proc)[0]["ok"] is True


# -- waiting ---------------------------------------------------------------------------


def test_wait_succeeds_when_the_invitation_is_accepted(emulator):
    emulator.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"], reads_per_state=3)

    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--wait", *FAST, "--progress",
                   "--endpoint", emulator.url)

    assert proc.returncode == 0, proc.stderr
    assert elements(proc)[0]["status"] == "Accepted"
    assert emulator.count(GET_HANDSHAKE, SEED_HANDSHAKE_ID) == 4
    assert "waiting for 1 of 1" in proc.stderr  # --progress


def test_wait_is_quiet_on_stderr_without_a_terminal(emulator):
    emulator.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"], reads_per_state=2)
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--wait", *FAST, "--endpoint", emulator.url)
    assert proc.returncode == 0 and proc.stderr == ""


def test_wait_fails_fast_on_a_final_state_that_is_not_expected(emulator):
    emulator.script(SEED_HANDSHAKE_ID, ["Pending", "Declined"], reads_per_state=2)

    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--wait", *FAST, "--timeout", "1h",
                   "--endpoint", emulator.url)

    assert proc.returncode == 1
    [item] = elements(proc)
    assert item["status"] == "Declined" and item["ok"] is False
    assert emulator.count(GET_HANDSHAKE, SEED_HANDSHAKE_ID) == 3  # stopped at Declined


def test_wait_for_many_stops_when_one_is_declined(emulator):
    waiting, declined = emulator.add_handshakes(2)
    emulator.set_state(declined, "Declined")

    proc = aliread("handshake", waiting, declined, "--wait", *FAST, "--timeout", "1h",
                   "--endpoint", emulator.url)

    assert proc.returncode == 1
    assert [i["status"] for i in elements(proc)] == ["Pending", "Declined"]
    assert emulator.count(GET_HANDSHAKE) == 2


def test_wait_with_an_expectation_waits_for_it(emulator):
    emulator.script(SEED_ORDER_ID, ["APPLYING", "REJECTED"], reads_per_state=2)
    proc = aliread("auth-order", SEED_ORDER_ID, "--wait", "--expect", "REJECTED", *FAST,
                   "--endpoint", emulator.url)
    assert proc.returncode == 0, proc.stderr
    assert emulator.count(AUTH_ORDER.action, SEED_ORDER_ID) == 3


def test_wait_times_out_with_4(emulator):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--wait", *FAST, "--timeout", "0.3s",
                   "--endpoint", emulator.url)

    assert proc.returncode == 4
    [item] = elements(proc)
    assert item["status"] == "Pending" and item["ok"] is False
    assert item["error"]["type"] == "WaitTimeoutError"
    assert "WaitTimeout" in proc.stderr and emulator.count() >= 2


def test_wait_rides_out_throttling(emulator):
    from pulumi_aliread.testing import Fault

    emulator.inject(Fault.throttle(), times=1)
    emulator.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"], reads_per_state=1)
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--wait", *FAST, "--endpoint", emulator.url)
    assert proc.returncode == 0, proc.stderr


# -- many ids ----------------------------------------------------------------------------


def test_200_ids_are_each_read_exactly_once(emulator):
    ids = emulator.add_handshakes(200)

    proc = aliread("handshake", *ids, "--concurrency", "16", "--expect", "Pending",
                   "--endpoint", emulator.url)

    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [i["handshake_id"] for i in elements(proc)] == ids
    assert all(emulator.count(GET_HANDSHAKE, i) == 1 for i in ids)
    assert emulator.count() == 200


def test_200_ids_waited_for_are_each_read_once_when_already_there(emulator):
    ids = emulator.add_handshakes(200, status="Accepted")
    proc = aliread("handshake", *ids, "--wait", "--concurrency", "16", *FAST,
                   "--endpoint", emulator.url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert all(emulator.count(GET_HANDSHAKE, i) == 1 for i in ids)


# -- exit 2: bad usage, bad input, nothing sent -------------------------------------------


@pytest.mark.parametrize("args", [
    ("handshake", "not-an-id"),
    ("handshake", SEED_HANDSHAKE_ID, "h-", "h-with space"),
    ("handshake", SEED_HANDSHAKE_ID, "--region", "Not A Region"),
])
def test_bad_input_exits_2_before_any_request_with_an_element_per_id(emulator, args):
    proc = aliread(*args, "--endpoint", emulator.url)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert emulator.count() == 0
    items = elements(proc)
    assert [i["handshake_id"] for i in items] == [a for a in args[1:] if not
                                                  a.startswith("--") and a != "Not A Region"]
    assert all(i["ok"] is False and i["error"]["type"] in ("InvalidInputError", "NotReadError")
               for i in items)


@pytest.mark.parametrize("args", [
    ("handshake",),
    ("handshake", SEED_HANDSHAKE_ID, "--expect", "accepted"),
    ("auth-order", SEED_ORDER_ID, "--api-version", "2000-01-01"),
    ("handshake", SEED_HANDSHAKE_ID, "--timeout", "5m"),
    ("handshake", SEED_HANDSHAKE_ID, "--wait", "--timeout", "soon"),
    ("handshake", SEED_HANDSHAKE_ID, "--wait", "--interval", "0s"),
    ("handshake", SEED_HANDSHAKE_ID, "--concurrency", "0"),
    ("handshake", SEED_HANDSHAKE_ID, "--output", "yaml"),
    ("nosuchapi", SEED_HANDSHAKE_ID),
    (),
])
def test_bad_usage_exits_2_before_any_request(emulator, args):
    proc = aliread(*args, "--endpoint", emulator.url) if args else aliread()
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert emulator.count() == 0
    assert proc.stdout == ""


def test_every_bad_id_is_named(emulator):
    proc = aliread("handshake", "bad1", SEED_HANDSHAKE_ID, "bad2", "--endpoint", emulator.url)
    assert proc.returncode == 2 and emulator.count() == 0
    assert "'bad1'" in proc.stderr and "'bad2'" in proc.stderr


def test_bad_endpoint_exits_2():
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", "ftp://example.com/x")
    assert proc.returncode == 2 and "endpoint" in proc.stderr


# -- exit 3: API, credential, network errors; no secret in any output ----------------------


def test_wrong_secret_exits_3_without_the_secret(emulator):
    wrong = "WrongSecret-7d1e9a0b"
    env = cli_env(ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong)
    ids = emulator.add_handshakes(20)

    proc = aliread("handshake", *ids, "--concurrency", "2", "--endpoint", emulator.url,
                   env=env)

    assert proc.returncode == 3
    output = proc.stdout + proc.stderr
    assert wrong not in output and DEFAULT_ACCESS_KEY_SECRET not in output
    assert DEFAULT_ACCESS_KEY_ID in output and "InvalidAccessKeySecret" in output
    items = elements(proc)
    assert items[0]["error"]["code"] == "InvalidAccessKeySecret"
    assert emulator.count() < len(ids)  # stopped instead of failing 20 times
    assert len(proc.stderr.splitlines()) <= 3


@pytest.mark.parametrize("code", ["NotResourceOwner", "ForbiddenByRiskControl"])
def test_one_objects_permission_error_does_not_stop_the_others(emulator, code):
    from pulumi_aliread.testing import Fault

    ids = emulator.add_auth_orders(3)
    emulator.inject(Fault.error(code), object_id=ids[0])

    # one at a time: the others start only after the first one failed
    proc = aliread("auth-order", *ids, "--concurrency", "1", "--endpoint", emulator.url)

    assert proc.returncode == 3
    first, *others = elements(proc)
    assert first["ok"] is False and first["error"]["code"] == code
    assert [(i["order_id"], i["ok"]) for i in others] == [(ids[1], True), (ids[2], True)]
    assert all("error" not in i for i in others)
    assert emulator.count(AUTH_ORDER.action) == 3
    assert "not read" not in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_wrong_sts_secret_exits_3_without_secret_or_token(emulator):
    wrong = "WrongStsSecret-3c2b1a"
    env = cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=STS_ACCESS_KEY_ID,
                  ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong,
                  ALIBABA_CLOUD_SECURITY_TOKEN=STS_TOKEN)

    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emulator.url, env=env)

    assert proc.returncode == 3
    output = proc.stdout + proc.stderr
    assert wrong not in output and STS_TOKEN not in output
    assert STS_ACCESS_KEY_ID in output


def test_no_credentials_exits_3_before_any_request(emulator):
    env = cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=None, ALIBABA_CLOUD_ACCESS_KEY_SECRET=None)
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emulator.url, env=env)
    assert proc.returncode == 3 and emulator.count() == 0
    assert "credentials" in proc.stderr.lower()
    [item] = elements(proc)
    assert item["error"]["type"] == "NoCredentialsError"


def test_unknown_object_exits_3(emulator):
    proc = aliread("auth-order", "999", "--endpoint", emulator.url)
    assert proc.returncode == 3
    assert elements(proc)[0]["error"]["type"] == "NotFoundError"


def test_error_beats_expectation_miss(emulator):
    proc = aliread("auth-order", SEED_ORDER_ID, "999", "--expect", "APPLYING",
                   "--endpoint", emulator.url)
    assert proc.returncode == 3
    assert [i["ok"] for i in elements(proc)] == [False, False]


def test_many_bad_ids_are_summarized(emulator):
    proc = aliread("handshake", *[f"bad{i}" for i in range(50)], "--endpoint", emulator.url)
    assert proc.returncode == 2 and emulator.count() == 0
    assert "and 30 more" in proc.stderr and len(proc.stderr.splitlines()) == 22


def test_table_shows_failures(emulator):
    proc = aliread("auth-order", SEED_ORDER_ID, "999", "-o", "table", "--expect", "APPLYING",
                   "--endpoint", emulator.url)
    assert proc.returncode == 3
    _, first, second = proc.stdout.splitlines()
    assert first.endswith("not expected") and second.endswith("error: NonExistent")


# -- stdout closed early (`aliread ... | head` under pipefail) ---------------------------


def _closed_early(*args: str) -> tuple[int, str]:
    """Run the command, read one line of its stdout, close it; exit code and stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pulumi_aliread", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env=cli_env(), text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        assert proc.stdout.readline() == "[\n"
        proc.stdout.close()
        stderr = proc.stderr.read()
        return proc.wait(timeout=120), stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _assert_quiet(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert "BrokenPipe" not in stderr


def test_closed_stdout_before_the_reads_are_done_exits_141(emulator):
    ids = emulator.add_handshakes(400)  # far more output than a pipe holds

    code, stderr = _closed_early("handshake", *ids, "--endpoint", emulator.url)

    assert code == 141  # 128 + SIGPIPE: not a success
    _assert_quiet(stderr)
    assert emulator.count() < len(ids)  # stopped reading


def test_closed_stdout_keeps_an_error_already_seen(emulator):
    ids = emulator.add_handshakes(400)
    missing = "h-0000000000000zzz"

    code, stderr = _closed_early("handshake", missing, *ids, "--endpoint", emulator.url)

    assert code == 3  # an error decides the code whatever the rest would have given
    _assert_quiet(stderr)


def test_closed_stdout_after_every_read_is_done_keeps_the_verdict(emulator):
    # One id given 2 000 times is read once: every read is done long before the output
    # (far more than a pipe holds) is cut, so the verdict is known, never 141 by timing.
    code, stderr = _closed_early("handshake", *[SEED_HANDSHAKE_ID] * 2000,
                                 "--endpoint", emulator.url)

    assert code == 0
    _assert_quiet(stderr)
    assert emulator.count() == 1


def test_closed_stdout_keeps_an_error_of_a_read_done_but_not_printed(emulator):
    # The unknown id's read is done before the output reaches its element (the seed's
    # answer, printed first, comes later): its error decides the code.
    missing = "h-0000000000000zzz"
    emulator.inject(Fault.latency(0.5), object_id=SEED_HANDSHAKE_ID)

    code, stderr = _closed_early("handshake", SEED_HANDSHAKE_ID, *[SEED_HANDSHAKE_ID] * 2000,
                                 missing, "--endpoint", emulator.url)

    assert code == 3
    _assert_quiet(stderr)


@pytest.mark.parametrize("status,timeout,expected", [("Declined", "1h", 1),
                                                     ("Pending", "0.2s", 4)])
def test_closed_stdout_after_a_wait_keeps_its_exit_code(emulator, status, timeout,
                                                        expected):
    ids = emulator.add_handshakes(400, status=status)

    code, stderr = _closed_early("handshake", *ids, "--wait", *FAST, "--timeout", timeout,
                                 "--endpoint", emulator.url)

    assert code == expected  # the wait decided before anything was printed
    _assert_quiet(stderr)


def test_table_names_a_locally_refused_id_by_its_error_type(emulator):
    proc = aliread("handshake", "h-bad!", "-o", "table", "--endpoint", emulator.url)

    assert proc.returncode == 2 and emulator.count() == 0
    _, row = proc.stdout.splitlines()
    # as stderr lines name an error without a code, never "error: None"
    assert row.endswith("error: InvalidInputError")
