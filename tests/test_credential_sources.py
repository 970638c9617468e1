"""Nothing any credential source returns reaches stderr, logs, messages or CLI output,
whatever its answer looks like; with none configured, one clean line names each source
tried and what to set; a rotated profile file is read again.

Each source is tried in a fresh process (alibabacloud-credentials reads the environment
when imported, and its log handlers print on stderr), against local files and loopback
servers only: the ECS metadata and STS addresses are pointed at a loopback server through
the providers' own constructor arguments and attributes, never at the real ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import hostile
import pytest

import pulumi_aliread as aliread
from pulumi_aliread.core import settings
from pulumi_aliread.testing import (
    SEED_HANDSHAKE_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

SECRET = "Src5ecretValueQ9x7"  # what a source answers as an AccessKey secret
TOKEN = "CAIS-src-sts-token-Zk42"  # and as an STS token
SECRETS = (SECRET, TOKEN)


class Answers:
    """A loopback HTTP server answering every method and path with ``body`` (a dict or
    a string) and ``status``; ``bodies`` maps a path prefix to its own answer."""

    def __init__(self, status: int, body: Any, bodies: dict[str, Any] | None = None) -> None:
        answers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                answers.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = answers.body
                for prefix, value in (answers.bodies or {}).items():
                    if self.path.startswith(prefix):
                        body = value
                data = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(answers.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = _answer  # noqa: N815

        self.status, self.body, self.bodies = status, body, bodies
        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


MALFORMED: dict[str, tuple[int, Any]] = {
    "no-success-code": (200, {"AccessKeyId": "STS.src", "AccessKeySecret": SECRET,
                              "SecurityToken": TOKEN, "Expiration": "2099-01-01T00:00:00Z"}),
    "http-500": (500, f"upstream failed: secret={SECRET} token={TOKEN}"),
    "not-json": (200, f"AccessKeySecret: {SECRET}\nSecurityToken: {TOKEN}"),
    "bad-expiration": (200, {"Code": "Success", "AccessKeyId": "STS.src",
                             "AccessKeySecret": SECRET, "SecurityToken": TOKEN,
                             "Expiration": f"{SECRET}-{TOKEN}"}),
    "empty-secret": (200, {"Code": "Success", "AccessKeyId": "", "AccessKeySecret": SECRET,
                           "SecurityToken": TOKEN, "Expiration": "2099-01-01T00:00:00Z"}),
}


@pytest.fixture(params=list(MALFORMED))
def malformed(request: pytest.FixtureRequest) -> Iterator[Answers]:
    status, body = MALFORMED[request.param]
    server = Answers(status, body)
    yield server
    server.close()


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The test process's environment (already without credentials), HOME at ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_",
                                                                       "ALICLOUD_"))}
    env.update({"HOME": str(home), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", **extra})
    return env


def run_cli(env: dict[str, str], endpoint: str = "http://127.0.0.1:9",
            *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
         "--endpoint", endpoint, "-o", "json", *options],
        env=env, capture_output=True, text=True, timeout=120,
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked in: {text[:2000]}"


def assert_one_clean_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert "Traceback" not in line and "CredentialException" not in line
    assert "Refresh credentials failed" not in stderr
    assert line.rstrip().endswith("."), line  # never cut mid-word
    return line


# --- the credentials URI -------------------------------------------------------------------

def test_credentials_uri_malformed_answers_leak_nothing(malformed: Answers,
                                                        tmp_path: Path) -> None:
    done = run_cli(clean_env(tmp_path, ALIBABA_CLOUD_CREDENTIALS_URI=malformed.url + "/creds"))
    assert done.returncode == 3, done.stderr
    assert_no_secret(done.stdout, done.stderr)
    line = assert_one_clean_line(done.stderr)
    assert "credentials URI" in line and "ALIBABA_CLOUD_CREDENTIALS_URI" in line


def test_credentials_uri_in_process_logs_nothing(malformed: Answers, tmp_path: Path) -> None:
    # The Python API, with DEBUG logging on everywhere and the root logger printing.
    script = textwrap.dedent(f"""
        import logging, sys
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
        import pulumi_aliread as aliread
        try:
            aliread.get_handshake({SEED_HANDSHAKE_ID!r}, endpoint="http://127.0.0.1:9")
        except aliread.AlireadError as error:
            print(type(error).__name__, error.code, error, repr(error.args))
    """)
    env = clean_env(tmp_path, ALIBABA_CLOUD_CREDENTIALS_URI=malformed.url)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert "NoCredentialsError NoCredentials" in done.stdout, done.stdout + done.stderr
    assert_no_secret(done.stdout, done.stderr)


# --- the aliyun CLI profile file, mode by mode ----------------------------------------------

def _external_command() -> str:
    answer = json.dumps({"mode": "StsToken", "access_key_secret": SECRET, "sts_token": TOKEN})
    return f"{sys.executable} -c 'print({answer!r})'"


PROFILES: dict[str, Any] = {
    "AK-without-id": {"mode": "AK", "access_key_secret": SECRET},
    "StsToken-without-id": {"mode": "StsToken", "access_key_secret": SECRET,
                            "sts_token": TOKEN},
    "RamRoleArn-without-role": {"mode": "RamRoleArn", "access_key_id": "LTAI-x",
                                "access_key_secret": SECRET},
    "External-malformed": {"mode": "External", "process_command": _external_command()},
    "unknown-mode": {"mode": f"Mode-{SECRET}", "sts_token": TOKEN},
    "not-json": f"{{ broken {SECRET} {TOKEN}",
}


@pytest.mark.parametrize("profile", list(PROFILES))
def test_cli_profile_modes_leak_nothing(profile: str, tmp_path: Path) -> None:
    entry = PROFILES[profile]
    config = tmp_path / ".aliyun" / "config.json"
    config.parent.mkdir()
    if isinstance(entry, str):
        config.write_text(entry)
    else:
        config.write_text(json.dumps({"current": "ci", "profiles": [{"name": "ci", **entry}]}))
    done = run_cli(clean_env(tmp_path))
    assert done.returncode == 3, done.stderr
    assert_no_secret(done.stdout, done.stderr)
    line = assert_one_clean_line(done.stderr)
    assert "aliyun CLI profile" in line and "set up, but" in line


def test_credentials_ini_file_leaks_nothing(tmp_path: Path) -> None:
    ini = tmp_path / "credentials.ini"
    ini.write_text(f"[default]\ntype = sts\naccess_key_secret = {SECRET}\n"
                   f"security_token = {TOKEN}\n")
    done = run_cli(clean_env(tmp_path, ALIBABA_CLOUD_CREDENTIALS_FILE=str(ini)))
    assert done.returncode == 3, done.stderr
    assert_no_secret(done.stdout, done.stderr)
    assert "credentials file profile 'default'" in assert_one_clean_line(done.stderr)


@pytest.mark.parametrize("kind", ["directory", "dangling-link", "fifo"])
def test_a_credentials_file_that_is_not_a_readable_file_says_so(kind: str,
                                                                 tmp_path: Path) -> None:
    # Before: ALIBABA_CLOUD_CREDENTIALS_FILE=/tmp was reported as "no file /tmp".
    target = tmp_path / "creds"
    if kind == "directory":
        target.mkdir()
    elif kind == "dangling-link":
        target.symlink_to(tmp_path / "gone.ini")
    else:
        os.mkfifo(target)
    done = run_cli(clean_env(tmp_path, ALIBABA_CLOUD_CREDENTIALS_FILE=str(target)))
    assert done.returncode == 3, done.stderr
    line = assert_one_clean_line(done.stderr)
    said = {"directory": "is a directory, not a credentials file",
            "dangling-link": "cannot be read (No such file or directory)",
            "fifo": "is not a regular file"}[kind]
    assert f"ALIBABA_CLOUD_CREDENTIALS_FILE {target} {said}" in line
    assert f"no file {target}" not in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_credentials_file_says_so(tmp_path: Path) -> None:
    ini = tmp_path / "credentials.ini"
    ini.write_text("[default]\ntype = access_key\n")
    ini.chmod(0)
    done = run_cli(clean_env(tmp_path, ALIBABA_CLOUD_CREDENTIALS_FILE=str(ini)))
    line = assert_one_clean_line(done.stderr)
    assert f"ALIBABA_CLOUD_CREDENTIALS_FILE {ini} cannot be read (permission denied)" in line


def test_an_aliyun_config_that_is_a_directory_says_so(tmp_path: Path) -> None:
    (tmp_path / ".aliyun" / "config.json").mkdir(parents=True)
    line = assert_one_clean_line(run_cli(clean_env(tmp_path)).stderr)
    assert "the aliyun CLI configuration " in line and "config.json is a directory" in line


# --- ECS metadata and the OIDC role, against loopback servers --------------------------------

SOURCE_SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from pulumi_aliread import NoCredentialsError
from pulumi_aliread.core.credential_chain import Chain, Source
from alibabacloud_credentials.provider import (
    EcsRamRoleCredentialsProvider, OIDCRoleArnCredentialsProvider)
url, kind, token_file = sys.argv[1:4]

def build():
    if kind == "ecs":
        provider = EcsRamRoleCredentialsProvider(role_name="ci-role", disable_imds_v1=False)
        # No override variable exists for the metadata address: point this provider (the
        # library's object, not ours) at the loopback server.
        provider._EcsRamRoleCredentialsProvider__metadata_service_host = url
        return provider
    return OIDCRoleArnCredentialsProvider(
        role_arn="acs:ram::1:role/ci", oidc_provider_arn="acs:ram::1:oidc-provider/ci",
        oidc_token_file_path=token_file, sts_endpoint=url)

try:
    Chain().credentials([Source(kind, "set it up", (kind,), build)], intro="none.")
    print("FOUND")
except NoCredentialsError as missing:
    print("MISSING", missing.message)
"""


@pytest.mark.parametrize("kind", ["ecs", "oidc"])
def test_ecs_metadata_and_oidc_malformed_answers_leak_nothing(kind: str, malformed: Answers,
                                                              tmp_path: Path) -> None:
    token_file = tmp_path / "oidc-token"
    token_file.write_text("eyJ.oidc.token")
    env = clean_env(tmp_path, ALIBABA_CLOUD_ECS_METADATA_DISABLED="false")
    done = subprocess.run(
        [sys.executable, "-c", SOURCE_SCRIPT, malformed.url, kind, str(token_file)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.stdout.startswith(("MISSING", "FOUND")), done.stdout + done.stderr
    assert malformed.requests >= 1  # the source really asked the loopback server
    assert_no_secret(done.stdout, done.stderr)


# --- bounds: every source ends in time (its answer is read by the library's own HTTP) --------

def test_a_dripping_credentials_uri_ends_at_the_read_deadline(tmp_path: Path) -> None:
    # Before: 1000 bytes dripped one each 0.2 s held aliread 200 s despite --deadline 2s
    # (requests' read timeout bounds each recv); run_cli gives up after 120 s.
    with hostile.HostileServer("http://127.0.0.1:9", [hostile.drip(0.2, 1000)]) as server:
        env = clean_env(tmp_path, ALIBABA_CLOUD_CREDENTIALS_URI=server.url + "/creds")
        done = run_cli(env, "http://127.0.0.1:9", "--deadline", "2s")
    assert done.returncode == 3, done.stderr
    line = assert_one_clean_line(done.stderr)
    assert "credentials URI: set up, but its answer did not arrive whole within" in line
    assert "(the read's deadline)" in line


BOUND_SCRIPT = """
import sys, time
from pulumi_aliread import NoCredentialsError
from pulumi_aliread.core.credential_chain import Chain, Source
from alibabacloud_credentials.provider import (
    EcsRamRoleCredentialsProvider, OIDCRoleArnCredentialsProvider, URLCredentialsProvider)
url, kind, token_file, deadline = sys.argv[1:5]

def build():
    if kind == "ecs":
        provider = EcsRamRoleCredentialsProvider(role_name="ci-role", disable_imds_v1=False)
        provider._EcsRamRoleCredentialsProvider__metadata_service_host = url
        return provider
    if kind == "uri":
        return URLCredentialsProvider(uri=url + "/creds")
    return OIDCRoleArnCredentialsProvider(
        role_arn="acs:ram::1:role/ci", oidc_provider_arn="acs:ram::1:oidc-provider/ci",
        oidc_token_file_path=token_file, sts_endpoint=url)

at = time.monotonic() + float(deadline) if float(deadline) else None
try:
    bound = 3.0 if kind == "ecs" else 15.0  # as credential_chain.default_sources sets them
    Chain().credentials([Source(kind, "set it up", (kind,), build, bound)], intro="none.",
                      deadline_at=at)
    print("FOUND")
except NoCredentialsError as missing:
    print("MISSING", missing.message)
with open("/proc/self/status") as status:
    print(*[line.split()[1] for line in status if line.startswith("VmHWM:")])
"""


def _bounded_source(kind: str, step: hostile.Step, deadline: float,
                    tmp_path: Path) -> tuple[str, int]:
    token_file = tmp_path / "oidc-token"
    token_file.write_text("eyJ.oidc.token")
    env = clean_env(tmp_path, ALIBABA_CLOUD_ECS_METADATA_DISABLED="false")
    with hostile.HostileServer("http://127.0.0.1:9", [step]) as server:
        done = subprocess.run(
            [sys.executable, "-c", BOUND_SCRIPT, server.url, kind, str(token_file),
             str(deadline)], env=env, capture_output=True, text=True, timeout=60,
        )
        assert server.requests >= 1
    message, peak_kb = done.stdout.strip().splitlines()
    assert message.startswith("MISSING"), done.stdout + done.stderr
    return message, int(peak_kb)


@pytest.mark.parametrize(("kind", "deadline", "bound"), [
    ("ecs", 0, "within 3 s"),  # no deadline: the source's own bound, whole answer
    ("oidc", 2, "(the read's deadline)"),
])
def test_a_dripping_source_ends_in_bounded_time(kind: str, deadline: float, bound: str,
                                                tmp_path: Path) -> None:
    # Before: each exchange's read timeout restarted at every byte (60 s: TimeoutExpired).
    message, _ = _bounded_source(kind, hostile.drip(0.2, 1000), deadline, tmp_path)
    assert "its answer did not arrive whole" in message and bound in message


# --- no credentials at all: one clean line ----------------------------------------------------

def test_no_credentials_is_one_line_naming_every_source(tmp_path: Path) -> None:
    done = run_cli(clean_env(tmp_path))
    assert done.returncode == 3
    line = assert_one_clean_line(done.stderr)
    for words in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "OIDC role",
                  "aliyun CLI profile", "credentials file", "ECS RAM role",
                  "ALIBABA_CLOUD_CREDENTIALS_URI"):
        assert words in line
    # only the sources the command reads: it reads no Pulumi config
    assert "alicloud:" not in line and "pulumi config" not in line.lower()


# --- rotation: a rewritten profile is read again ----------------------------------------------

def _sts_profile(path: Path, token: str) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"current": "ci", "profiles": [{
        "name": "ci", "mode": "StsToken", "access_key_id": STS_ACCESS_KEY_ID,
        "access_key_secret": STS_ACCESS_KEY_SECRET, "sts_token": token}]}))


def test_a_rotated_sts_profile_is_read_again(emulator: Emulator, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / ".aliyun" / "config.json"
    _sts_profile(config, "CAIS-old-token-0001")
    first = settings.resolve_credentials({})
    assert first.security_token == "CAIS-old-token-0001" and first.renewable

    _sts_profile(config, STS_TOKEN)  # another tool rotates it
    os.utime(config, ns=(0, config.stat().st_mtime_ns + 10**9))
    again = settings.resolve_credentials({})
    assert again.security_token == STS_TOKEN
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert result.handshake_id == SEED_HANDSHAKE_ID
    assert emulator.requests[-1].params["SecurityToken"] == STS_TOKEN


def test_wait_rounds_sign_with_the_rotated_token(tmp_path: Path) -> None:
    # aliread --wait in a child process. Between its rounds another tool rotates the
    # profile and the server stops taking the old token: later rounds must sign with the
    # new one (before: every round signed with the token read first, and failed).
    old, new = "CAIS-old-token-0001", STS_TOKEN
    config = tmp_path / ".aliyun" / "config.json"
    _sts_profile(config, old)
    with Emulator(sts_credentials={STS_ACCESS_KEY_ID: (STS_ACCESS_KEY_SECRET, old)}) as emu:
        emu.set_state(SEED_HANDSHAKE_ID, "Pending")
        child = subprocess.Popen(
            [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
             "--endpoint", emu.url, "--wait", "--interval", "1s", "--timeout", "60s",
             "-o", "json"], env=clean_env(tmp_path), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(600):  # the first round's read (bounded: 30 s)
                if emu.count() >= 1:
                    break
                threading.Event().wait(0.05)
            _sts_profile(config, new)
            emu.sts_credentials[STS_ACCESS_KEY_ID] = (STS_ACCESS_KEY_SECRET, new)
            emu.set_state(SEED_HANDSHAKE_ID, "Accepted")
            out, err = child.communicate(timeout=90)
        finally:
            child.kill()
        assert child.returncode == 0, err
        assert json.loads(out)[0]["status"] == "Accepted"
        tokens = [request.params.get("SecurityToken") for request in emu.requests]
        assert tokens[0] == old and tokens[-1] == new


# --- the environment --------------------------------------------------------------------------

ENVIRONMENTS = {
    "secret and token without an id": {"ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
                                       "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN},
    "an unknown id": {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI unknown id",
                      "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
                      "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN},
    "older names, secret only": {"ALICLOUD_SECRET_KEY": SECRET,
                                 "ALICLOUD_SECURITY_TOKEN": TOKEN},
}


@pytest.mark.parametrize("case", list(ENVIRONMENTS))
def test_environment_malformed_leaks_nothing(case: str, emulator: Emulator,
                                             tmp_path: Path) -> None:
    done = run_cli(clean_env(tmp_path, **ENVIRONMENTS[case]), endpoint=emulator.url)
    assert done.returncode in (2, 3), done.stderr
    assert_no_secret(done.stdout, done.stderr)
