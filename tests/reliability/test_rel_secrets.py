"""With DEBUG logging on everywhere and every error path exercised, the AccessKey secret
and the STS token appear in no log line, exception text, result, CLI output, Pulumi
output or serialized provider."""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import socket
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import measurements as m
import pytest

from pulumi_aliread import errors
from pulumi_aliread.core import client
from pulumi_aliread.core.apis import AUTH_ORDER, COMMON_ERRORS, HANDSHAKE, ApiSpec
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
    Fault,
)
from pulumi_aliread.testing.emulator import MALFORMED_KINDS

REPO = Path(__file__).resolve().parents[2]
WRONG_SECRET = "wrong-secret-7Hq2+/=Zk"
WRONG_TOKEN = "CAISwrongToken+/=Qp7"
SECRETS = (STS_ACCESS_KEY_SECRET, STS_TOKEN, DEFAULT_ACCESS_KEY_SECRET, WRONG_SECRET,
           WRONG_TOKEN)
STS_CONFIG = {
    "alicloud:accessKey": STS_ACCESS_KEY_ID,
    "alicloud:secretKey": STS_ACCESS_KEY_SECRET,
    "alicloud:securityToken": STS_TOKEN,
}
LOGGERS = ("", "pulumi_aliread", "aliyunsdkcore", "urllib3", "credentials", "httpx", "httpcore")


def _forms(secret: str) -> set[str]:
    """The secret as it could appear: raw, URL-encoded (once, twice, form), base64."""
    once = quote(secret, safe="")
    return {secret, once, quote(once, safe=""), quote_plus(secret),
            base64.b64encode(secret.encode()).decode().rstrip("=")}


FORMS = {form: secret for secret in SECRETS for form in _forms(secret)}


def leaks(text: str) -> list[str]:
    """Which secrets (named by their first characters) occur in ``text``."""
    return sorted({FORMS[form][:6] + "..." for form in FORMS if form in text})


class Collector(logging.Handler):
    """Keeps every record, formatted with its traceback, as the user's handler would."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _debug_loggers() -> list[str]:
    """The root, pulumi_aliread, aliyunsdkcore and every logger below them. The SDK's
    vendored requests sets itself to CRITICAL: forced to DEBUG too, the worst case."""
    import aliyunsdkcore.vendored.requests.packages.urllib3.connectionpool  # noqa: F401
    import urllib3.connectionpool  # noqa: F401 - the transport's own

    known = list(logging.root.manager.loggerDict)
    return [*LOGGERS, *(name for name in known if name.startswith(LOGGERS[1:]))]


@pytest.fixture
def debug_logs() -> Iterator[Collector]:
    """DEBUG on for the root logger, pulumi_aliread and aliyunsdkcore; all records kept."""
    collector = Collector()
    names = _debug_loggers()
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(collector)
    try:
        yield collector
    finally:
        logging.getLogger().removeHandler(collector)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


class Texts:
    """Every text a user could see, by where it came from."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.by_place: dict[str, list[str]] = {}

    def add(self, place: str, *texts: str) -> None:
        self.by_place.setdefault(f"{self.scope}: {place}", []).extend(texts)

    def error(self, exc: BaseException) -> None:
        self.add("exception text", str(exc), repr(exc), repr(exc.args),
                 "".join(traceback.format_exception(exc)),
                 pickle.dumps(exc).decode("latin-1"), repr(vars(exc)))

    def result(self, result: Any) -> None:
        self.add("results", repr(result), json.dumps(result.to_dict()),
                 pickle.dumps(result).decode("latin-1"))

    def report(self, figures: Callable[[str, dict[str, Any]], None]) -> list[str]:
        found = []
        for place, texts in self.by_place.items():
            place_leaks = [(i, leaks(text)) for i, text in enumerate(texts)]
            place_leaks = [(i, names) for i, names in place_leaks if names]
            figures("secrets", {"where": place, "items": len(texts),
                                "leaks": len(place_leaks)})
            found += [f"{place} #{i}: {names}: {texts[i][:300]!r}" for i, names in place_leaks]
        return found


def _read(texts: Texts, api: ApiSpec, object_id: Any, config: dict[str, str] | None = None,
          **options: Any) -> errors.AlireadError | None:
    try:
        result = client.read(api, object_id, config=config or STS_CONFIG, **m.FAST,
                             **options)
    except errors.AlireadError as exc:
        texts.error(exc)
        return exc
    texts.result(result)
    return None


def _id(api: ApiSpec) -> str:
    return SEED_HANDSHAKE_ID if api is HANDSHAKE else SEED_ORDER_ID


def test_library_error_paths_leak_no_secret(debug_logs: Collector, figures) -> None:
    texts = Texts("library")
    with Emulator() as emulator:
        url = emulator.url
        for api in (HANDSHAKE, AUTH_ORDER):
            assert _read(texts, api, _id(api), endpoint=url) is None  # success
            for fault in (Fault.http(500), Fault.http(503), Fault.throttle(), Fault.reset()):
                emulator.inject(fault)  # persists: the read gives up
                assert isinstance(_read(texts, api, _id(api), endpoint=url, max_attempts=2),
                                  errors.ServiceUnavailableError)
                emulator.clear_faults()
                emulator.inject(fault, times=1)  # once: retried, then a result
                assert _read(texts, api, _id(api), endpoint=url) is None
            emulator.inject(Fault.hang(1.0), times=2)
            assert _read(texts, api, _id(api), endpoint=url, read_timeout=0.1,
                         max_attempts=2) is not None
            for code in sorted({*api.error_table, *COMMON_ERRORS}):
                emulator.inject(Fault.error(code), times=1)
                _read(texts, api, _id(api), endpoint=url, max_attempts=1)
            for kind in MALFORMED_KINDS:
                if kind == "success_false" and not api.success_flag:
                    continue  # GetHandshake's envelope has no Success: nothing to refuse
                kind = "wrong_type:RequestId" if kind == "wrong_type:<Field>" else kind
                emulator.inject(Fault.malformed(kind), times=1)
                assert _read(texts, api, _id(api), endpoint=url) is not None
            # A server that echoes the token (in the message of an unknown code).
            emulator.inject(Fault.body(json.dumps({
                "RequestId": "R-echo", "Code": "Weird.Echo",
                "Message": f"token {STS_TOKEN} / {quote(STS_TOKEN, safe='')} refused"}),
                status=400), times=1)
            assert isinstance(_read(texts, api, _id(api), endpoint=url), errors.ApiError)
            # Not found, bad input, expectation not met.
            _read(texts, api, "h-0000000000000zzz" if api is HANDSHAKE else "999",
                  endpoint=url)
            _read(texts, api, "bad id", endpoint=url)
            _read(texts, api, _id(api), endpoint="http://u:" + STS_TOKEN + "@127.0.0.1:1")
            _read(texts, api, _id(api), endpoint=url, expected=api.states[-1])
            # Credentials gone wrong: wrong secret, wrong token, no token, unknown key.
            for config in (
                {**STS_CONFIG, "alicloud:secretKey": WRONG_SECRET},
                {**STS_CONFIG, "alicloud:securityToken": WRONG_TOKEN},
                {k: v for k, v in STS_CONFIG.items() if k != "alicloud:securityToken"},
                {**STS_CONFIG, "alicloud:accessKey": "LTAI5tUnknownKey"},
            ):
                assert isinstance(_read(texts, api, _id(api), config, endpoint=url),
                                  errors.AccessDeniedError)
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
        _read(texts, HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=closed, max_attempts=2)
        # Last: the STS token expires.
        emulator.expire_token(STS_ACCESS_KEY_ID)
        expired = _read(texts, HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=url)

    assert isinstance(expired, errors.AccessDeniedError)
    assert expired.code == "InvalidSecurityToken.Expired" and expired.http_status == 400
    assert expired.request_id and "STS token has expired: fetch a new one" in str(expired)
    texts.add("log lines", *debug_logs.lines)
    assert any("SecurityToken=***" in line for line in debug_logs.lines), \
        "the HTTP layer's DEBUG lines (signed URLs: the known trap) were captured"
    assert texts.report(figures) == []


# ----------------------------------------------------------------------------- the CLI


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``aliread ARGS`` in a fresh process with DEBUG logging on for every logger."""
    code = ("import logging, sys; logging.basicConfig(level=logging.DEBUG); "
            "import aliyunsdkcore.vendored.requests.packages.urllib3.connectionpool; "
            "import urllib3.connectionpool; "
            "[logging.getLogger(n).setLevel(logging.DEBUG) for n in list("
            "logging.root.manager.loggerDict) if n.startswith(('aliyunsdkcore', "
            "'pulumi_aliread', 'urllib3', 'credentials'))]; "
            "from pulumi_aliread.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def test_cli_output_leaks_no_secret(figures) -> None:
    pytest.importorskip("pulumi_aliread.cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA", "ALICLOUD"))}
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": STS_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": STS_ACCESS_KEY_SECRET,
        "ALIBABA_CLOUD_SECURITY_TOKEN": STS_TOKEN,
    })
    texts = Texts("CLI")
    runs: list[tuple[list[str], int, subprocess.CompletedProcess[str]]] = []
    with Emulator() as emulator:
        url = ["--endpoint", emulator.url]
        ok, throttled, broken, reset, failing = emulator.add_handshakes(5)
        emulator.inject(Fault.throttle(), object_id=throttled)
        emulator.inject(Fault.malformed("truncated_json"), object_id=broken)
        emulator.inject(Fault.reset(), object_id=reset)
        emulator.inject(Fault.http(500), object_id=failing)
        mixed = ["handshake", ok, throttled, broken, reset, failing, "h-0000000000000zzz"]
        for args, expected_exit in (
            (["handshake", ok, *url, "--output", "json"], 0),
            (["handshake", ok, *url, "--output", "table"], 0),
            ([*mixed, *url, "--output", "json", "--concurrency", "6"], 3),
            ([*mixed, *url, "--output", "table"], 3),
            (["auth-order", SEED_ORDER_ID, *url, "--expect", "APPLYING"], 1),
            (["handshake", "not-an-id", *url], 2),
            (["handshake", ok, "--endpoint", f"http://u:{STS_TOKEN}@127.0.0.1:1"], 2),
        ):
            runs.append((args, expected_exit, _cli(args, env)))
        emulator.expire_token(STS_ACCESS_KEY_ID)
        args = ["auth-order", SEED_ORDER_ID, *url, "--output", "json"]
        runs.append((args, 3, _cli(args, env)))

    for args, expected_exit, proc in runs:
        texts.add("stdout and stderr", proc.stdout, proc.stderr)
        assert "Signature=***" in proc.stderr or expected_exit == 2, "DEBUG lines were on"
        assert proc.returncode == expected_exit, (args, proc.stdout, proc.stderr[-2000:])
    expired = runs[-1][2]
    assert "InvalidSecurityToken.Expired" in expired.stdout + expired.stderr
    assert texts.report(figures) == []


# ----------------------------------------------------------------------------- Pulumi


def test_pulumi_outputs_and_serialized_provider_leak_no_secret(debug_logs: Collector,
                                                               figures) -> None:
    mocks_module = pytest.importorskip("pulumi_aliread.testing.mocks")
    import pulumi

    import pulumi_aliread as aliread

    texts = Texts("Pulumi")
    with Emulator() as emulator:
        config = {"aliread:resourcemanagerEndpoint": emulator.url,
                  "aliread:linkwanEndpoint": emulator.url, **STS_CONFIG}

        def program() -> None:
            invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
            grant = aliread.JoinPermissionAuthOrder("grant", order_id=SEED_ORDER_ID)
            pulumi.export("invite", invite.status)
            pulumi.export("grant", grant.order_state)
            pulumi.export("fn", aliread.get_handshake_output(SEED_HANDSHAKE_ID).apply(
                lambda result: result.to_dict()))
            pulumi.export("order_fn", aliread.get_join_permission_auth_order_output(
                SEED_ORDER_ID).apply(lambda result: result.to_dict()))

        for preview in (True, False):
            mocks = mocks_module.ProviderMocks(config)
            exports = mocks.run(program, preview=preview)
            assert exports["invite"] == "Pending" and exports["grant"] == "ACCEPTED"
            texts.add("outputs and state", json.dumps(exports, default=repr))
            for registration in mocks.registrations:
                texts.add("outputs and state", repr(registration.outputs))
                serialized = registration.inputs.get("__provider", "")
                texts.add("serialized provider", str(serialized),
                          base64.b64decode(serialized).decode("latin-1"),
                          repr(registration.inputs))

        def failing(resource_id: str) -> Callable[[], None]:
            return lambda: aliread.Handshake("bad", handshake_id=resource_id)

        # Error paths inside the provider and the invoke: each failure's text.
        emulator.inject(Fault.throttle(), object_id=SEED_HANDSHAKE_ID)
        for program_ in (
            failing("h-0000000000000zzz"),
            failing(SEED_HANDSHAKE_ID),
            lambda: pulumi.export("x", aliread.get_handshake_output(
                SEED_HANDSHAKE_ID, max_attempts=2)),
            lambda: pulumi.export("x", aliread.get_handshake_output(
                "h-0000000000000zzz", expected_status="Accepted")),
        ):
            with pytest.raises(errors.AlireadError) as caught:
                mocks_module.ProviderMocks(config).run(program_)
            texts.error(caught.value)
        emulator.clear_faults()
        emulator.expire_token(STS_ACCESS_KEY_ID)
        with pytest.raises(errors.AccessDeniedError) as caught:
            mocks_module.ProviderMocks(config).run(failing(SEED_HANDSHAKE_ID))
        assert caught.value.code == "InvalidSecurityToken.Expired"
        texts.error(caught.value)
    texts.add("log lines", *debug_logs.lines)
    assert texts.report(figures) == []
