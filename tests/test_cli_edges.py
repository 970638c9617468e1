"""The edges a CI engineer meets in the first week: signals, broken outputs, odd locales,
missing credentials, ids from files, timeouts, and the advice messages give."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from clihelp import aliread, cli_env, elements

import pulumi_aliread as aliread_pkg
from pulumi_aliread import errors
from pulumi_aliread.cli import main
from pulumi_aliread.cli.durations import format_duration
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Fault

# Exit codes a failure that is not about the objects must never use.
OBJECT_CODES = (0, 1, 2, 3, 4)


class SilentServer:
    """A loopback server that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.connected = threading.Semaphore(0)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)
            self.connected.release()

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


# -- 2. SIGINT / SIGTERM stop the command at once ----------------------------------------


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("wait", [False, True], ids=["read", "wait"])
def test_a_signal_stops_reads_in_flight(silent, signum, code, wait):
    ids = [SEED_HANDSHAKE_ID, "h-0123456789abcdef"]
    for _ in range(3):  # every time, not half of the time
        proc = subprocess.Popen(
            [sys.executable, "-m", "pulumi_aliread", "handshake", *ids,
             "--endpoint", silent.url, *(["--wait"] if wait else [])],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            env=cli_env(), text=True,
        )
        try:
            for _ in ids:  # both reads are blocked on the silent server
                assert silent.connected.acquire(timeout=60)
            proc.send_signal(signum)
            # A read would hang for its whole deadline (about 51 s) were it waited for.
            _, stderr = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == code, stderr
        assert f"interrupted by {signal.Signals(signum).name}" in stderr
        _no_traceback(stderr)


# -- 3. environment problems: no traceback, never a code that speaks of the objects -------


def test_a_full_disk_exits_74_without_traceback(emulator):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
             "--endpoint", emulator.url],
            stdout=full, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
            env=cli_env(), timeout=120,
        )
    assert proc.returncode == 74 and proc.returncode not in OBJECT_CODES
    assert "cannot write the output" in proc.stderr and len(proc.stderr.splitlines()) == 1
    _no_traceback(proc.stderr)


@pytest.mark.parametrize("args,verdict", [
    (("--expect", "Accepted"), 1),  # a stderr line for the unmet expectation
    (("h-0000000000000zzz",), 3),  # a stderr line for the API error
    (("h-bad",), 2),  # bad input lines, before any request
])
def test_stderr_that_cannot_be_written_keeps_the_verdict(emulator, args, verdict):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID, *args,
             "--endpoint", emulator.url],
            stdout=subprocess.PIPE, stderr=full, stdin=subprocess.DEVNULL, text=True,
            env=cli_env(), timeout=120,
        )
    assert proc.returncode == verdict  # diagnostics lost; the output and its verdict kept
    assert proc.stdout.startswith("[")


@pytest.mark.parametrize("args", [("--bogus",), ("--concurrency", "zero")])
def test_stderr_that_cannot_be_written_keeps_a_usage_error_at_2(emulator, args):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID, *args,
             "--endpoint", emulator.url],
            stdout=subprocess.PIPE, stderr=full, stdin=subprocess.DEVNULL, text=True,
            env=cli_env(), timeout=120,
        )
    assert proc.returncode == 2  # a usage error, whatever became of its message
    assert emulator.count() == 0


@pytest.mark.parametrize("output", ["json", "table"])
def test_an_ascii_locale_gets_ascii_safe_output(emulator, output):
    env = cli_env(PYTHONIOENCODING="ascii", LC_ALL="C", LANG="C")
    proc = subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
         "--endpoint", emulator.url, "-o", output],
        capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode("ascii")  # nothing but ASCII
    if output == "json":
        [item] = json.loads(text)
        assert item["note"] == "欢迎您加入"  # the seed's note, escaped, not lost
    else:
        assert SEED_HANDSHAKE_ID in text


def test_a_bad_id_with_non_ascii_text_in_an_ascii_locale(emulator):
    env = cli_env(PYTHONIOENCODING="ascii")
    proc = aliread("handshake", "h-欢迎", "--endpoint", emulator.url, env=env)
    assert proc.returncode == 2
    _no_traceback(proc.stderr)
    assert elements(proc)[0]["handshake_id"] == "h-欢迎"


@pytest.mark.parametrize("expect,code", [("Pending", 0), ("Accepted", 1)])
def test_a_closed_stdout_still_gives_the_verdict(emulator, expect, code):
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "pulumi_aliread",
         "handshake", SEED_HANDSHAKE_ID, "--expect", expect, "--endpoint", emulator.url],
        capture_output=True, text=True, env=cli_env(), timeout=120, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == code, proc.stderr
    _no_traceback(proc.stderr)


class _BrokenStream(io.StringIO):
    """A stdout whose write fails with something no one planned for."""

    def write(self, text: str) -> int:
        raise RuntimeError("the stream broke in an unplanned way")


def test_an_unexpected_error_exits_70_on_one_line(emulator, monkeypatch, capsys):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tEmulatorDefaultKey")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "emulator-secret-5f2c9d8e7b6a")
    monkeypatch.setattr(sys, "stdout", _BrokenStream())

    code = main(["handshake", SEED_HANDSHAKE_ID, "--endpoint", emulator.url, "-o", "json"])

    assert code == 70 and code not in OBJECT_CODES
    [line] = capsys.readouterr().err.splitlines()
    assert "internal error" in line and "RuntimeError" in line and "ALIREAD_DEBUG" in line


# -- 4. every run prints the array; the code follows the error's class ------------------


def test_no_credentials_print_an_element_per_id(emulator):
    env = cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=None, ALIBABA_CLOUD_ACCESS_KEY_SECRET=None)
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "h-0123456789abcdef",
                   "--endpoint", emulator.url, env=env)

    assert proc.returncode == 3 and emulator.count() == 0
    items = elements(proc)
    assert [i["handshake_id"] for i in items] == [SEED_HANDSHAKE_ID, "h-0123456789abcdef"]
    for item in items:
        assert item["ok"] is False
        assert (item["error"]["type"], item["error"]["code"]) == ("NoCredentialsError",
                                                                    "NoCredentials")


@pytest.mark.parametrize("present", ["ALIBABA_CLOUD_ACCESS_KEY_ID",
                                     "ALIBABA_CLOUD_ACCESS_KEY_SECRET"])
def test_half_a_key_pair_is_bad_input_exit_2_with_an_element(emulator, present):
    missing = ({"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"}
               - {present}).pop()
    proc = aliread("auth-order", SEED_ORDER_ID, "--endpoint", emulator.url,
                   env=cli_env(**{missing: None}))

    assert proc.returncode == 2 and emulator.count() == 0
    [item] = elements(proc)
    assert item["order_id"] == SEED_ORDER_ID and item["error"]["type"] == "InvalidInputError"
    assert missing in item["error"]["message"]


def test_bad_ids_print_an_element_per_id(emulator):
    proc = aliread("handshake", "bad1", SEED_HANDSHAKE_ID, "--endpoint", emulator.url)
    assert proc.returncode == 2 and emulator.count() == 0
    bad, good = elements(proc)
    assert (bad["handshake_id"], bad["error"]["type"]) == ("bad1", "InvalidInputError")
    assert (good["handshake_id"], good["error"]["code"]) == (SEED_HANDSHAKE_ID, "NotRead")


def test_a_huge_id_on_stdin_is_shortened_in_its_element(emulator):
    huge = "h-" + "a" * 3_000_000
    proc = subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", "handshake", "-", SEED_HANDSHAKE_ID,
         "--endpoint", emulator.url],
        input=huge + "\n", capture_output=True, text=True, env=cli_env(), timeout=120,
    )

    assert proc.returncode == 2 and emulator.count() == 0
    assert len(proc.stdout) < 2000 and len(proc.stderr) < 1000  # nothing echoed whole
    bad, good = elements(proc)
    assert bad["handshake_id"] == huge[:64] + "..."
    message = bad["error"]["message"]
    assert "'h-aaaa" in message and "3000002 characters long, more than 64" in message
    assert message in proc.stderr
    assert good["handshake_id"] == SEED_HANDSHAKE_ID


# -- 5. (CLI side) no credentials: one clean line, the message whole ----------------------


def test_no_credentials_is_one_whole_line_on_stderr(emulator):
    env = cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=None, ALIBABA_CLOUD_ACCESS_KEY_SECRET=None)
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emulator.url, env=env)

    [line] = proc.stderr.splitlines()
    _no_traceback(proc.stderr)
    assert "Refresh credentials failed" not in proc.stderr
    # the CLI shows the message as the library raised it: nothing cut off
    message = elements(proc)[0]["error"]["message"]
    assert line.endswith(message) and "ALIBABA_CLOUD_ACCESS_KEY_ID" in line


# -- 7. advice that fits the state and the entry point -----------------------------------


def test_a_final_state_is_not_advised_to_be_waited_for(emulator):
    emulator.set_state(SEED_ORDER_ID, "REJECTED")
    proc = aliread("auth-order", SEED_ORDER_ID, "--expect", "ACCEPTED",
                   "--endpoint", emulator.url)

    assert proc.returncode == 1
    message = elements(proc)[0]["error"]["message"]
    assert "final state" in message and "Create a new" in message
    assert "Wait until" not in message
    assert "--expect" in message and "expected_state" not in message


def test_a_pending_state_is_advised_to_be_waited_for_on_the_command_line(emulator):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--expect", "Accepted",
                   "--endpoint", emulator.url)
    message = elements(proc)[0]["error"]["message"]
    assert "Wait until it is Accepted (--wait)" in message and "(--expect)" in message
    assert "expected_status" not in message


def test_python_messages_name_the_keyword_only(emulator, credentials):
    emulator.set_state(SEED_ORDER_ID, "CANCELED")
    with pytest.raises(errors.ExpectationNotMetError) as final:
        aliread_pkg.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url,
                                                   expected_state="ACCEPTED")
    with pytest.raises(errors.ExpectationNotMetError) as pending:
        aliread_pkg.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url,
                                  expected_status="Accepted")
    assert "Create a new" in str(final.value) and "Wait until" not in str(final.value)
    assert "Wait until it is Accepted" in str(pending.value)
    for error in (final.value, pending.value):
        assert "--expect" not in str(error) and "--wait" not in str(error)
    assert "(expected_state=)" in str(final.value)
    assert "(expected_status=)" in str(pending.value)


# -- 9. options a CI step needs ------------------------------------------------------------


def test_ids_from_a_file_and_stdin_in_the_given_order(emulator, tmp_path):
    ids = emulator.add_handshakes(4)
    listed = tmp_path / "ids.txt"
    listed.write_text(f"# invitations to check\n{ids[2]}\n\n{ids[3]}  # the last one\n")

    proc = subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", "handshake", ids[0], "-",
         "--ids-from", str(listed), "--endpoint", emulator.url],
        input=f"{ids[1]}\n", capture_output=True, text=True, env=cli_env(), timeout=120,
    )

    assert proc.returncode == 0, proc.stderr
    assert [i["handshake_id"] for i in elements(proc)] == ids


def test_ids_from_stdin_with_the_option(emulator):
    ids = emulator.add_auth_orders(2)
    proc = subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", "auth-order", "--ids-from", "-",
         "--endpoint", emulator.url],
        input=" ".join(ids), capture_output=True, text=True, env=cli_env(), timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert [i["order_id"] for i in elements(proc)] == ids


def test_ids_from_a_missing_file_or_none_at_all_exit_2(emulator, tmp_path):
    missing = aliread("handshake", "--ids-from", str(tmp_path / "nope.txt"),
                      "--endpoint", emulator.url)
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n")
    nothing = aliread("handshake", "--ids-from", str(empty), "--endpoint", emulator.url)
    for proc in (missing, nothing):
        assert proc.returncode == 2 and proc.stdout == ""
        _no_traceback(proc.stderr)
    assert "nope.txt" in missing.stderr and "no ID given" in nothing.stderr
    assert emulator.count() == 0


def test_an_id_given_twice_is_read_once_and_shown_twice(emulator):
    other = emulator.add_handshakes(1)[0]
    proc = aliread("handshake", SEED_HANDSHAKE_ID, other, SEED_HANDSHAKE_ID,
                   SEED_HANDSHAKE_ID, "--endpoint", emulator.url)

    assert proc.returncode == 0, proc.stderr
    items = elements(proc)
    assert [i["handshake_id"] for i in items] == [SEED_HANDSHAKE_ID, other,
                                                  SEED_HANDSHAKE_ID, SEED_HANDSHAKE_ID]
    assert items[0] == items[2] == items[3]
    assert emulator.count("GetHandshake", SEED_HANDSHAKE_ID) == 1
    assert emulator.count() == 2


def test_an_id_given_twice_is_waited_for_once(emulator):
    emulator.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"], reads_per_state=1)
    proc = aliread("handshake", SEED_HANDSHAKE_ID, SEED_HANDSHAKE_ID, "--wait",
                   "--interval", "1s", "--endpoint", emulator.url)
    assert proc.returncode == 0, proc.stderr
    assert [i["status"] for i in elements(proc)] == ["Accepted", "Accepted"]
    assert emulator.count("GetHandshake", SEED_HANDSHAKE_ID) == 2


@pytest.mark.parametrize("interval", ["1ms", "0.5s", "999ms"])
def test_an_interval_below_one_second_is_refused(emulator, interval):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--wait", "--interval", interval,
                   "--endpoint", emulator.url)
    assert proc.returncode == 2 and emulator.count() == 0
    assert "minimum of 1s" in proc.stderr


def test_the_timeout_is_reported_as_given(emulator):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--wait", "--interval", "1s",
                   "--timeout", "1.5s", "--endpoint", emulator.url)
    assert proc.returncode == 4
    assert "after waiting 1.5s" in elements(proc)[0]["error"]["message"]


@pytest.mark.parametrize("seconds,text", [(1.5, "1.5s"), (90.25, "1m30.25s"), (0.25, "250ms"),
                                          (5400, "1h30m"), (3600.5, "1h0.5s"), (1, "1s")])
def test_durations_are_formatted_exactly(seconds, text):
    assert format_duration(seconds) == text


def test_read_timeout_and_deadline_bound_a_hanging_endpoint(silent):
    # Without the flags a silent endpoint holds each id for about 51 s.
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", silent.url,
                   "--connect-timeout", "1s", "--read-timeout", "200ms", "--deadline", "1s",
                   timeout=30)
    assert proc.returncode == 3
    [item] = elements(proc)
    assert item["error"]["type"] == "ServiceUnavailableError"
    assert item["error"]["code"] == "ReadTimeout"


def test_a_read_cut_by_its_deadline_names_the_deadline(emulator):
    emulator.inject(Fault.hang(5))
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emulator.url,
                   "--deadline", "300ms", timeout=30)

    assert proc.returncode == 3
    [item] = elements(proc)
    error = item["error"]
    assert (error["code"], error["stop_reason"]) == ("ReadTimeout", "deadline")
    message = error["message"]
    assert "before the read's deadline" in message and "deadline was 0.3 s" in message
    assert "--deadline" in message and "read timeout" not in message
    assert message in proc.stderr


def test_no_credentials_names_only_what_the_command_reads(emulator):
    env = cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=None, ALIBABA_CLOUD_ACCESS_KEY_SECRET=None)
    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emulator.url, env=env)

    assert proc.returncode == 3
    message = elements(proc)[0]["error"]["message"]
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in message and "Tried: OIDC role" in message
    assert "alicloud:" not in message and "pulumi config" not in message.lower()


@pytest.mark.parametrize("option", ["--connect-timeout", "--read-timeout", "--deadline"])
def test_timeouts_must_be_positive_durations(emulator, option):
    proc = aliread("handshake", SEED_HANDSHAKE_ID, option, "0s", "--endpoint", emulator.url)
    assert proc.returncode == 2 and emulator.count() == 0 and option in proc.stderr


def test_the_errors_in_output_can_be_imported():
    assert issubclass(aliread_pkg.NoCredentialsError, aliread_pkg.AccessDeniedError)
    assert issubclass(aliread_pkg.WaitTimeoutError, aliread_pkg.AlireadError)
    assert {"NoCredentialsError", "WaitTimeoutError"} <= set(aliread_pkg.__all__)
    assert aliread_pkg.NoCredentialsError("x").code == "NoCredentials"


def test_version_is_printed():
    proc = aliread("--version")
    assert proc.returncode == 0 and aliread_pkg.__version__ in proc.stdout


def test_the_exit_code_table_is_the_one_main_uses(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "70 internal error" in text and "130, 143" in text
    assert os.EX_SOFTWARE == 70 and os.EX_IOERR == 74
