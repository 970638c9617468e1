"""The redaction hides secrets without blanking the library's own words: a secret that
happens to be a word of the advice (``wrong``), or part of the AccessKeyId, leaves the
advice and the key id whole, in exceptions and in the CLI's output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.core import redaction
from pulumi_aliread.testing import DEFAULT_ACCESS_KEY_ID, SEED_HANDSHAKE_ID, Emulator

ADVICE = "the AccessKey secret is wrong for this AccessKeyId"
SECRETS = {
    "a word of the advice": "wrong",
    "part of the AccessKeyId": DEFAULT_ACCESS_KEY_ID[4:12],
}


@pytest.mark.parametrize("secret", list(SECRETS.values()), ids=list(SECRETS))
def test_advice_and_key_id_stay_whole(secret: str, emulator: Emulator,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
    with pytest.raises(aliread.AccessDeniedError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    message = str(caught.value)
    assert caught.value.code == "InvalidAccessKeySecret"
    assert ADVICE in message and DEFAULT_ACCESS_KEY_ID in message
    assert redaction.MASK not in message


@pytest.mark.parametrize("secret", list(SECRETS.values()), ids=list(SECRETS))
def test_the_cli_prints_them_whole(secret: str, emulator: Emulator) -> None:
    env = dict(os.environ, ALIBABA_CLOUD_ACCESS_KEY_ID=DEFAULT_ACCESS_KEY_ID,
               ALIBABA_CLOUD_ACCESS_KEY_SECRET=secret)
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", "handshake", SEED_HANDSHAKE_ID,
         "--endpoint", emulator.url, "-o", "json"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 3
    element = json.loads(done.stdout)[0]
    for text in (done.stderr, element["error"]["message"]):
        assert ADVICE in text and DEFAULT_ACCESS_KEY_ID in text and redaction.MASK not in text


def test_a_secret_in_outside_text_is_still_masked() -> None:
    redaction.register("Zq9-outside-secret")
    redaction.register_public("LTAI-public-id-Zq9-outside-secret")
    text = "server said Zq9-outside-secret; key LTAI-public-id-Zq9-outside-secret"
    assert redaction.scrub(text) == (
        "server said ***; key LTAI-public-id-Zq9-outside-secret")


ECHOING = [  # a broken or hostile endpoint that echoes the STS token back
    (400, {"Code": "Weird.{token}", "Message": "m", "RequestId": "ECHO-{token}"}),
    (200, {"RequestId": "ECHO-{token}", "Handshake": {"HandshakeId": 5}}),
]


@pytest.mark.parametrize(("status", "body"), ECHOING, ids=["error answer", "malformed 200"])
def test_a_token_echoed_in_code_or_request_id_is_masked(
        status: int, body: dict[str, object], emulator: Emulator,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi_aliread.testing import STS_ACCESS_KEY_ID, STS_ACCESS_KEY_SECRET, STS_TOKEN
    from pulumi_aliread.testing.faults import Fault

    text = json.dumps(body).replace("{token}", STS_TOKEN)
    emulator.inject(Fault.body(text, status=status))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", STS_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", STS_ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN)

    with pytest.raises(aliread.AlireadError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, max_attempts=1)

    error = caught.value
    for text in (str(error), error.code, error.request_id):
        assert text is not None and STS_TOKEN not in text, text


def test_records_of_a_protected_loggers_children_are_masked(
        caplog: pytest.LogCaptureFixture) -> None:
    """httpcore logs on httpcore.http11, httpcore.connection...: a filter on "httpcore"
    alone never sees them."""
    import logging

    import pulumi_aliread.core.http  # noqa: F401 - protects httpx's and httpcore's loggers

    redaction.register("Zq9-child-logger-secret")
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("httpcore.http11").debug("sent Zq9-child-logger-secret")
    assert caplog.records and "Zq9-child-logger-secret" not in caplog.text
