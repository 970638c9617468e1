"""``aliread emulator`` and ``python -m pulumi_aliread.testing.emulator`` as a shell
uses them: option rules, the credentials printed on stderr (STS rehearsal), ``--data``
with README's example file, prompt shutdown on SIGTERM / SIGINT, and the invited
account's gate (``aliread handshake --wait --invited-account``)."""

from __future__ import annotations

import http.client
import json
import re
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clihelp import REPO, aliread, cli_env, elements

from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

HANDSHAKE_STATUSES, AUTH_ORDER_STATES = HANDSHAKE.states, AUTH_ORDER.states
EXAMPLE_DATA = REPO / "examples" / "emulator-data.json"
ENTRY_POINTS = [["pulumi_aliread", "emulator"], ["pulumi_aliread.testing.emulator"]]


def _run(module: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *module, *args], capture_output=True,
                          text=True, env=cli_env(), timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("module", ENTRY_POINTS, ids=["aliread", "python-m"])
@pytest.mark.parametrize("args,rule", [
    (["--port", "80000"], "80000 is not a TCP port, 0-65535"),
    (["--port", "-1"], "-1 is not a TCP port, 0-65535"),
    (["--port", "http"], "'http' is not a TCP port"),
    (["--latency", "-3"], "-3 is not a number of seconds >= 0"),
    (["--latency", "nan"], "nan is not a number of seconds >= 0"),
])
def test_bad_port_or_latency_exits_2_with_the_rule(module: list[str], args: list[str],
                                                    rule: str) -> None:
    proc = _run(module, *args)

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert rule in proc.stderr
    assert "Traceback" not in proc.stderr


class Served:
    """A running ``aliread emulator`` process: its URL and what it printed on stderr."""

    def __init__(self, proc: subprocess.Popen[str], url: str, banner: str) -> None:
        self.proc, self.url, self.banner = proc, url, banner

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)


def _serve(*args: str, module: list[str] | None = None) -> Served:
    proc = subprocess.Popen(
        [sys.executable, "-m", *(module or ENTRY_POINTS[0]), "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stderr is not None
    url = proc.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), proc.stderr.read()
    lines: list[str] = []
    while not lines or "ALIBABA_CLOUD_SECURITY_TOKEN" not in lines[-1]:  # the last line
        line = proc.stderr.readline()
        assert line, "the emulator stopped before printing its credentials"
        lines.append(line)
    return Served(proc, url, "".join(lines))


@pytest.fixture
def served() -> Iterator[Served]:
    running = _serve()
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            running.proc.kill()
        running.proc.wait(timeout=10)


def test_every_accepted_credential_is_printed_on_stderr(served: Served) -> None:
    for value in (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, INVITED_ACCESS_KEY_ID,
                  INVITED_ACCESS_KEY_SECRET, STS_ACCESS_KEY_ID, STS_ACCESS_KEY_SECRET,
                  STS_TOKEN):
        assert value in served.banner
    assert served.url in served.banner


def _exports(banner: str, key_id: str) -> dict[str, str]:
    """The variables of the ``export`` line printed for ``key_id``, as a shell reads it."""
    for line in banner.splitlines():
        words = shlex.split(line)
        if words[:1] == ["export"] and f"ALIBABA_CLOUD_ACCESS_KEY_ID={key_id}" in words:
            return dict(word.split("=", 1) for word in words[1:])
    raise AssertionError(f"no export line for {key_id} in:\n{banner}")


def test_sts_rehearsal_from_a_shell_with_the_printed_credentials(served: Served) -> None:
    env = cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=None, ALIBABA_CLOUD_ACCESS_KEY_SECRET=None)
    env.update(_exports(served.banner, STS_ACCESS_KEY_ID))
    assert env["ALIBABA_CLOUD_SECURITY_TOKEN"] == STS_TOKEN

    proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", served.url, env=env)

    assert proc.returncode == 0, proc.stderr
    assert elements(proc)[0]["status"] == "Pending"
    assert STS_TOKEN not in proc.stdout + proc.stderr  # the reader still never prints it


def _held_connections(served: Served, *, answered: bool) -> list[Any]:
    """Clients that hold connections open: never sent a byte, mid request line, mid
    body, waiting for an answer, and (``answered``) kept alive after an answer."""
    host, port = served.address
    clients: list[Any] = []
    if answered:
        done = http.client.HTTPConnection(host, port, timeout=30)
        done.request("GET", "/?Action=GetHandshake")
        done.getresponse().read()
        clients.append(done)
    for opening in (b"", b"GET / HTTP/1.1\r\nHost: x\r\n",
                    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab",
                    b"GET /?Action=GetHandshake HTTP/1.1\r\nHost: x\r\n\r\n"):
        client = socket.create_connection((host, port))
        client.sendall(opening)
        clients.append(client)
    return clients


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
@pytest.mark.parametrize("module", ENTRY_POINTS, ids=["aliread", "python-m"])
@pytest.mark.parametrize("latency", ["0", "600"], ids=["kept-alive", "answer-held-back"])
def test_a_signal_stops_it_while_clients_hold_connections(
    signum: int, module: list[str], latency: str
) -> None:
    running = _serve("--latency", latency, module=module)
    clients = _held_connections(running, answered=latency == "0")
    try:
        running.proc.send_signal(signum)
        # Bounded: a hung shutdown fails here instead of hanging the suite.
        assert running.proc.wait(timeout=10) == 0
    finally:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait(timeout=10)
        for client in clients:
            client.close()


def test_readme_shows_the_example_data_file() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "examples/emulator-data.json" in readme
    assert EXAMPLE_DATA.read_text(encoding="utf-8").strip() in readme


def test_the_example_data_file_is_served() -> None:
    running = _serve("--data", str(EXAMPLE_DATA))
    try:
        data = json.loads(EXAMPLE_DATA.read_text(encoding="utf-8"))
        ids = [obj["HandshakeId"] for obj in data["handshakes"]]
        proc = aliread("handshake", *ids, "--endpoint", running.url)
        assert proc.returncode == 0, proc.stderr
        assert [e["status"] for e in elements(proc)] == [
            obj["Status"] for obj in data["handshakes"]
        ]
        order = data["auth_orders"][0]
        proc = aliread("auth-order", order["OrderId"], "--endpoint", running.url)
        assert proc.returncode == 0, proc.stderr
        assert elements(proc)[0]["order_state"] == order["OrderState"]
        # README's rehearsal of the invited account's gate on the Accepted invitation
        proc = aliread("handshake", "h-rehearsal0000002", "--endpoint", running.url,
                       env=_invited_env())
        assert proc.returncode == 3, proc.stderr
        proc = aliread("handshake", "h-rehearsal0000002", "--endpoint", running.url,
                       "--invited-account", env=_invited_env())
        assert proc.returncode == 0, proc.stderr
        assert elements(proc)[0]["status"] == "Accepted"
    finally:
        running.proc.terminate()
        running.proc.wait(timeout=10)


@pytest.mark.parametrize("data,field", [
    ({"handshakes": [{"HandshakeId": "h-rehearsal0000001"}]}, "handshakes[0]"),
    ({"auth_orders": [{"OrderId": "1", "OrderState": "DONE"}]}, "'OrderState'"),
    ({"auth_orders": {"OrderId": "1"}}, "'auth_orders'"),
    ({"handshakes": [{"HandshakeId": "h-short", "Status": "Pending"}]},
     "handshakes[0]: HandshakeId 'h-short' is not an id GetHandshake serves"),
    ({"auth_orders": [{"OrderId": "1", "OrderState": "APPLYING",
                       "ApplyingMillis": "1514736000000"}]},
     "auth_orders[0] (OrderId '1'): 'ApplyingMillis' is not valid: Not a valid integer"),
    ({"handshakes": [{"HandshakeId": "h-rehearsal0000001", "Status": "Pending",
                      "CreateTime": "yesterday"}]},
     "'CreateTime' is not valid: Not an ISO 8601 UTC time"),
    ({"handshakes": [{"HandshakeId": "h-rehearsal0000001", "Status": "Pending",
                      "Note": 5}]}, "'Note' is not valid: Not a valid string (got 5)"),
])
def test_bad_data_names_the_field(tmp_path: Path, data: Any, field: str) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    proc = _run(ENTRY_POINTS[0], "--port", "0", "--data", str(path))
    assert proc.returncode == 2 and field in proc.stderr
    assert "Traceback" not in proc.stderr


# -- the invited account's gate ------------------------------------------------------------


def _invited_env() -> dict[str, str]:
    return cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=INVITED_ACCESS_KEY_ID,
                   ALIBABA_CLOUD_ACCESS_KEY_SECRET=INVITED_ACCESS_KEY_SECRET)


def test_invited_account_gate_exits_0_once_accepted() -> None:
    with Emulator() as emu:
        emu.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"])
        proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emu.url, "--wait",
                       "--interval", "1s", "--timeout", "60s", "--invited-account",
                       env=_invited_env())
        codes = [r.code for r in emu.requests]

    assert proc.returncode == 0, proc.stderr
    [element] = elements(proc)
    assert element["status"] == "Accepted" and element["ok"] is True
    assert codes == [None, "HandshakeStatusMismatch"]  # Pending, then the invited view


def test_invited_account_without_the_flag_is_told_what_409_means() -> None:
    with Emulator() as emu:
        emu.set_state(SEED_HANDSHAKE_ID, "Accepted")
        proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emu.url,
                       env=_invited_env())

    assert proc.returncode == 3
    [element] = elements(proc)
    message = element["error"]["message"]
    assert element["error"]["code"] == "HandshakeStatusMismatch"
    for words in ("HandshakeStatusMismatch", "accepted", "declined, cancelled or has expired",
                  "management account", "--invited-account", INVITED_ACCESS_KEY_ID):
        assert words in message
    assert INVITED_ACCESS_KEY_SECRET not in proc.stdout + proc.stderr


def test_invited_account_flag_does_not_hide_other_states() -> None:
    with Emulator() as emu:
        emu.set_state(SEED_HANDSHAKE_ID, "Declined")
        proc = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", emu.url, "--wait",
                       "--invited-account", env=_invited_env())
    assert proc.returncode == 1
    assert elements(proc)[0]["status"] == "Declined"


def test_invited_account_flag_is_for_handshakes_only() -> None:
    proc = aliread("auth-order", "123", "--endpoint", "http://127.0.0.1:9",
                   "--invited-account")
    assert proc.returncode == 2 and "--invited-account" in proc.stderr


def test_a_port_in_use_exits_2_without_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _run(ENTRY_POINTS[0], "--port", str(port))
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"cannot serve on 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_invited_account_may_be_the_sts_keys() -> None:
    running = _serve("--data", str(EXAMPLE_DATA), "--invited-key-id", STS_ACCESS_KEY_ID)
    try:
        assert "# STS: AccessKey pair and SecurityToken of the invited account" \
            in running.banner
        assert "# AccessKey pair of the invited account" not in running.banner
        env = cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=STS_ACCESS_KEY_ID,
                      ALIBABA_CLOUD_ACCESS_KEY_SECRET=STS_ACCESS_KEY_SECRET,
                      ALIBABA_CLOUD_SECURITY_TOKEN=STS_TOKEN)
        args = ("handshake", "h-rehearsal0000002", "--endpoint", running.url)
        assert aliread(*args, env=env).returncode == 3
        assert aliread(*args, "--invited-account", env=env).returncode == 0
        # the invited pair is an ordinary key now
        assert aliread(*args, env=_invited_env()).returncode == 0
    finally:
        running.proc.terminate()
        running.proc.wait(timeout=10)


@pytest.mark.parametrize("module", ENTRY_POINTS, ids=["aliread", "python-m"])
def test_an_unknown_invited_key_id_exits_2(module: list[str]) -> None:
    proc = _run(module, "--port", "0", "--invited-key-id", "LTAI5tNobody")
    assert proc.returncode == 2 and "LTAI5tNobody" in proc.stderr
    assert DEFAULT_ACCESS_KEY_ID in proc.stderr  # the ids it would take


# -- the request log and the seed states from the command line (no JSON to write) ---------


def _stop(running: Served) -> str:
    """Stop the emulator; what it wrote on stderr after its banner."""
    running.proc.terminate()
    _, rest = running.proc.communicate(timeout=10)
    return rest


def _sts_env() -> dict[str, str]:
    return cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=STS_ACCESS_KEY_ID,
                   ALIBABA_CLOUD_ACCESS_KEY_SECRET=STS_ACCESS_KEY_SECRET,
                   ALIBABA_CLOUD_SECURITY_TOKEN=STS_TOKEN)


def _rehearse(url: str) -> None:
    """A found invitation (STS keys), a missing one, and a wrong secret."""
    assert aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", url,
                   env=_sts_env()).returncode == 0
    assert aliread("handshake", "h-0000000000000000", "--endpoint", url).returncode == 3
    wrong = cli_env(ALIBABA_CLOUD_ACCESS_KEY_ID=DEFAULT_ACCESS_KEY_ID,
                    ALIBABA_CLOUD_ACCESS_KEY_SECRET="not-the-secret-at-all")
    assert aliread("auth-order", "123", "--endpoint", url, env=wrong).returncode == 3


LOGGED = [
    rf"GetHandshake HandshakeId={SEED_HANDSHAKE_ID} AccessKeyId={STS_ACCESS_KEY_ID} 200 ok",
    rf"GetHandshake HandshakeId=h-0000000000000000 AccessKeyId={DEFAULT_ACCESS_KEY_ID} "
    r"404 EntityNotExists\.Handshake",
    rf"GetJoinPermissionAuthOrder OrderId=123 AccessKeyId={DEFAULT_ACCESS_KEY_ID} "
    r"400 SignatureDoesNotMatch",
]
SECRETS = (DEFAULT_ACCESS_KEY_SECRET, INVITED_ACCESS_KEY_SECRET, STS_ACCESS_KEY_SECRET,
           STS_TOKEN, "not-the-secret-at-all")


def _check_log(text: str) -> None:
    lines = text.splitlines()
    assert len(lines) == len(LOGGED), text
    for line, pattern in zip(lines, LOGGED, strict=True):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ " + pattern, line), line
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("module", ENTRY_POINTS, ids=["aliread", "python-m"])
def test_the_request_log_is_on_stderr_after_the_banner_with_no_secret(
    module: list[str],
) -> None:
    running = _serve(module=module)
    try:
        _rehearse(running.url)
    finally:
        rest = _stop(running)
    _check_log(rest)


@pytest.mark.parametrize("module", ENTRY_POINTS, ids=["aliread", "python-m"])
def test_the_request_log_goes_to_a_file_with_log(tmp_path: Path, module: list[str]) -> None:
    log = tmp_path / "requests.log"
    log.write_text("", encoding="utf-8")
    running = _serve("--log", str(log), module=module)
    try:
        _rehearse(running.url)
    finally:
        rest = _stop(running)
    assert rest == ""
    _check_log(log.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", ENTRY_POINTS, ids=["aliread", "python-m"])
def test_a_log_that_cannot_be_opened_exits_2(tmp_path: Path, module: list[str]) -> None:
    proc = _run(module, "--port", "0", "--log", str(tmp_path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"cannot open --log {tmp_path}" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("module", ENTRY_POINTS, ids=["aliread", "python-m"])
def test_seed_states_from_the_command_line(module: list[str]) -> None:
    running = _serve("--handshake-status", "accepted", "--order-state", "APPLYING",
                     module=module)
    try:
        handshake = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", running.url)
        order = aliread("auth-order", "123", "--endpoint", running.url)
        gate = aliread("handshake", SEED_HANDSHAKE_ID, "--endpoint", running.url,
                       "--invited-account", env=_invited_env())
    finally:
        _stop(running)
    assert handshake.returncode == 0 and elements(handshake)[0]["status"] == "Accepted"
    assert order.returncode == 0 and elements(order)[0]["order_state"] == "APPLYING"
    assert gate.returncode == 0 and elements(gate)[0]["status"] == "Accepted"


@pytest.mark.parametrize("module", ENTRY_POINTS, ids=["aliread", "python-m"])
@pytest.mark.parametrize("option,value,allowed", [
    ("--handshake-status", "Done", HANDSHAKE_STATUSES),
    ("--handshake-status", "", HANDSHAKE_STATUSES),
    ("--order-state", "Accepted!", AUTH_ORDER_STATES),
])
def test_an_undocumented_state_is_a_usage_error(module: list[str], option: str, value: str,
                                                allowed: tuple[str, ...]) -> None:
    proc = _run(module, "--port", "0", option, value)
    assert proc.returncode == 2 and proc.stdout == ""
    assert option in proc.stderr and repr(value) in proc.stderr
    assert ", ".join(allowed) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_seed_state_for_data_without_the_seed_exits_2() -> None:
    proc = _run(ENTRY_POINTS[0], "--port", "0", "--data", str(EXAMPLE_DATA),
                "--handshake-status", "Accepted")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "--handshake-status" in proc.stderr and SEED_HANDSHAKE_ID in proc.stderr


def test_help_names_every_documented_state_and_the_log() -> None:
    text = " ".join(_run(ENTRY_POINTS[0], "--help").stdout.split())
    for state in (*HANDSHAKE_STATUSES, *AUTH_ORDER_STATES):
        assert state in text
    assert "--log FILE" in text and "never a secret" in text
