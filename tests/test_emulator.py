"""Tests of the emulator itself, over real HTTP, with an independent request signer."""

from __future__ import annotations

import base64
import hmac
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import seeds

from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
    Fault,
)

HS = {"Action": "GetHandshake", "Version": "2020-03-31"}
AO = {"Action": "GetJoinPermissionAuthOrder", "Version": "2018-12-30"}
SEED_HANDSHAKE = seeds.seed_handshake()
SEED_ORDER = seeds.seed_order()


# -- a tiny signer of our own (RFC 3986 encoding, sorted, HMAC-SHA1 of secret + "&") --


def _enc(text: str) -> str:
    safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    return "".join(chr(b) if chr(b) in safe else f"%{b:02X}" for b in text.encode("utf-8"))


def _string_to_sign(method: str, params: dict[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)
    return f"{method}&%2F&{_enc(canonical)}"


def signed(
    extra: dict[str, str],
    *,
    key: str = DEFAULT_ACCESS_KEY_ID,
    secret: str = DEFAULT_ACCESS_KEY_SECRET,
    method: str = "GET",
    when: datetime | None = None,
    nonce: str | None = None,
    token: str | None = None,
) -> dict[str, str]:
    params = {
        "Format": "JSON",
        "AccessKeyId": key,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "Timestamp": (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **extra,
    }
    if token is not None:
        params["SecurityToken"] = token
    mac = hmac.new(f"{secret}&".encode(), _string_to_sign(method, params).encode(), "sha1")
    params["Signature"] = base64.b64encode(mac.digest()).decode()
    return params


def call(
    emu: Emulator | str, params: dict[str, str], method: str = "GET"
) -> tuple[int, dict[str, Any], Any]:
    url = emu if isinstance(emu, str) else emu.url
    query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in params.items())
    if method == "GET":
        req = urllib.request.Request(f"{url}/?{query}")
    else:
        req = urllib.request.Request(
            f"{url}/", data=query.encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, headers, raw = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        status, headers, raw = err.code, dict(err.headers), err.read()
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        body = raw
    return status, headers, body


def hs(object_id: str = SEED_HANDSHAKE_ID, **kw: Any) -> dict[str, str]:
    return signed({**HS, "HandshakeId": object_id}, **kw)


def ao(object_id: str = SEED_ORDER_ID, **kw: Any) -> dict[str, str]:
    return signed({**AO, "OrderId": object_id}, **kw)


@pytest.fixture
def emu() -> Any:
    with Emulator() as emulator:
        yield emulator


# -- tests -----------------------------------------------------------------------------


def test_seed_objects_are_served_exactly(emu: Emulator) -> None:
    status, headers, body = call(emu, hs())
    assert status == 200
    assert headers["Content-Type"] == "application/json;charset=utf-8"
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", body["RequestId"])
    assert headers["x-acs-request-id"] == body["RequestId"]
    assert body == {"RequestId": body["RequestId"], "Handshake": SEED_HANDSHAKE}

    status, _, body = call(emu, ao(method="POST"), method="POST")  # form body is merged
    assert status == 200
    assert body == {"RequestId": body["RequestId"], "Data": SEED_ORDER, "Success": True}
    assert [(r.method, r.action, r.object_id, r.status) for r in emu.requests] == [
        ("GET", "GetHandshake", SEED_HANDSHAKE_ID, 200),
        ("POST", "GetJoinPermissionAuthOrder", SEED_ORDER_ID, 200),
    ]


def test_wrong_secret_answers_the_server_string_to_sign(emu: Emulator) -> None:
    params = hs(secret="not-the-secret")
    status, headers, body = call(emu, params)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    prefix = "Specified signature is not matched with our calculation. server string to sign is:"
    assert body["Message"] == prefix + _string_to_sign("GET", params)
    assert body["HostId"] == emu.url.split("//")[1]
    assert body["Recommend"] == (
        "https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch&product=ResourceManager"
    )


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        (lambda: hs(key="LTAInobodyKnowsMe"), 404, "InvalidAccessKeyId.NotFound"),
        (lambda: hs(when=datetime.now(timezone.utc) - timedelta(minutes=20)),
         400, "InvalidTimeStamp.Expired"),
        (lambda: {**hs(), "Timestamp": "2020-01-01 00:00:00"}, 400, "InvalidTimeStamp.Format"),
        (lambda: {k: v for k, v in hs().items() if k != "SignatureNonce"},
         400, "MissingParameter"),
        (lambda: {**hs(), "SignatureMethod": "MD5"}, 400, "IncompleteSignature"),
        (lambda: signed({**HS, "Version": "2017-01-01", "HandshakeId": SEED_HANDSHAKE_ID}),
         400, "InvalidVersion"),
        (lambda: signed({"Action": "DeleteHandshake", "Version": "2020-03-31"}),
         404, "InvalidAction.NotFound"),
        (lambda: signed(HS), 400, "MissingParameter.HandshakeId"),
        (lambda: hs("h-ycm4rp****"), 400, "InvalidParameter.HandshakeId"),
        (lambda: hs("h-0123456789abcdef"), 404, "EntityNotExists.Handshake"),
        (lambda: ao("999"), 400, "NonExistent"),
        (lambda: signed(AO), 400, "MissingParameter"),
    ],
)
def test_refusals_answer_gateway_and_api_codes(
    emu: Emulator, params: Any, status: int, code: str
) -> None:
    got_status, _, body = call(emu, params())
    assert (got_status, body["Code"]) == (status, code)
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert emu.requests[-1].code == code


def test_reused_nonce_is_refused(emu: Emulator) -> None:
    assert call(emu, hs(nonce="n-1"))[0] == 200
    status, _, body = call(emu, hs(nonce="n-1"))
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")


def test_sts_token_is_required_matched_and_can_expire(emu: Emulator) -> None:
    sts = {"key": STS_ACCESS_KEY_ID, "secret": STS_ACCESS_KEY_SECRET}
    assert call(emu, hs(**sts))[2]["Code"] == "MissingSecurityToken"
    wrong = call(emu, hs(**sts, token="CAISother"))[2]["Code"]
    assert wrong == "InvalidSecurityToken.MismatchWithAccessKey"
    assert call(emu, hs(**sts, token=STS_TOKEN), method="GET")[0] == 200
    assert call(emu, ao(**sts, token=STS_TOKEN, method="POST"), method="POST")[0] == 200
    emu.expire_token(STS_ACCESS_KEY_ID)
    assert call(emu, hs(**sts, token=STS_TOKEN))[2]["Code"] == "InvalidSecurityToken.Expired"


def test_inject_times_rate_and_error_codes(emu: Emulator) -> None:
    emu.inject(Fault.http(503), times=2, action="GetHandshake")
    got = [call(emu, hs())[0] for _ in range(3)]
    assert got == [503, 503, 200]
    assert call(emu, ao())[0] == 200  # the fault matched one action only

    emu.inject(Fault.throttle(), rate=0.5, seed=7)
    codes = [call(emu, ao())[2].get("Code") for _ in range(40)]
    assert 5 < codes.count("Throttling.User") < 35 and codes.count(None) == 40 - codes.count(
        "Throttling.User"
    )
    emu.clear_faults()

    emu.inject(Fault.error("NotResourceOwner"), times=1)
    status, _, body = call(emu, ao())
    assert (status, body["Code"], body["Message"]) == (
        400, "NotResourceOwner", "You are not authorized to use this resource.")
    emu.inject(Fault.error("HandshakeStatusMismatch"), times=1, object_id=SEED_HANDSHAKE_ID)
    assert call(emu, hs())[:1] == (409,)
    assert emu.count(action="GetHandshake", status=503) == 2
    emu.clear()
    assert emu.requests == [] and emu.count() == 0
    with pytest.raises(ValueError):
        Fault.error("NoSuchCode")


def test_malformed_answers_and_reset(emu: Emulator) -> None:
    emu.inject(Fault.malformed("wrong_type:ApplyingMillis"), times=1)
    assert call(emu, ao())[2]["Data"]["ApplyingMillis"] == "1514736000000"
    emu.inject(Fault.malformed("wrong_type:Success"), times=1)
    assert call(emu, ao())[2]["Success"] == "yes"
    emu.inject(Fault.malformed("null_object"), times=1)
    assert call(emu, hs())[2]["Handshake"] is None
    emu.inject(Fault.malformed("invalid_utf8"), times=1)
    raw = call(emu, hs())[2]
    assert isinstance(raw, bytes) and b"\xff\xfe" in raw
    emu.inject(Fault.malformed("deep_nesting"), times=1)
    assert isinstance(call(emu, hs())[2], bytes)  # json.loads gives up on the depth
    emu.inject(Fault.malformed("success_false"), times=1)
    assert call(emu, ao())[2]["Success"] is False

    emu.inject(Fault.reset(), times=1)
    with pytest.raises((ConnectionError, urllib.error.URLError, http.client.HTTPException)):
        call(emu, hs())
    assert emu.requests[-1].code == "ConnectionReset"
    assert call(emu, hs())[0] == 200  # the server lives on


def test_script_moves_pending_to_accepted(emu: Emulator) -> None:
    emu.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"], reads_per_state=2)
    emu.inject(Fault.http(500), times=1)  # a failed read does not advance the script
    assert call(emu, hs())[0] == 500
    states = [call(emu, hs())[2]["Handshake"]["Status"] for _ in range(4)]
    assert states == ["Pending", "Pending", "Accepted", "Accepted"]
    emu.set_state(SEED_ORDER_ID, "REJECTED")
    assert call(emu, ao())[2]["Data"]["OrderState"] == "REJECTED"
    ids = emu.add_handshakes(1000)
    assert len(set(ids)) == 1000 and all(re.fullmatch(r"h-[A-Za-z0-9]{16}", i) for i in ids)
    assert call(emu, hs(ids[-1]))[2]["Handshake"]["HandshakeId"] == ids[-1]


def test_handler_bug_is_a_500_and_many_keep_alive_clients_are_served(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(emu, "_read", broken)
    status, _, body = call(emu, hs())
    assert (status, body["Code"]) == (500, "InternalError")
    monkeypatch.undo()

    host, port = emu.url.split("//")[1].split(":")
    failures: list[object] = []

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            for _ in range(20):
                query = urllib.parse.urlencode(hs(), quote_via=urllib.parse.quote)
                conn.request("GET", f"/?{query}")
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    failures.append(resp.status)
        except Exception as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert emu.count(status=200) == 64 * 20


def test_cli_prints_url_and_serves_until_terminated(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"handshakes": [SEED_HANDSHAKE], "auth_orders": []}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pulumi_aliread.testing.emulator", "--port", "0",
         "--data", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert call(url, hs())[0] == 200
        assert call(url, ao())[2]["Code"] == "NonExistent"
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- --data / data= is checked, with a message saying what is wrong ---------------------

BAD_DATA = [
    ({"handshakes": {"a": 1}}, "'handshakes' must be a list of objects, got an object"),
    ([SEED_HANDSHAKE], "must be a JSON object"),
    ({"handshake": [SEED_HANDSHAKE]}, "unknown key 'handshake'"),
    ({"handshakes": [1]}, "handshakes[0] must be an object, got a number"),
    ({"handshakes": [{"Status": "Pending"}]}, "handshakes[0] needs 'HandshakeId'"),
    ({"auth_orders": [{**SEED_ORDER, "OrderId": 123}]}, "auth_orders[0] needs 'OrderId'"),
    ({"handshakes": [{**SEED_HANDSHAKE, "Status": "Done"}]}, "needs 'Status', one of"),
    ({"auth_orders": [{k: v for k, v in SEED_ORDER.items() if k != "OrderState"}]},
     "needs 'OrderState', one of"),
    ({"auth_orders": [SEED_ORDER, SEED_ORDER]}, "appears twice"),
]


@pytest.mark.parametrize("data,what", BAD_DATA)
def test_bad_data_is_a_value_error_saying_what_is_wrong(data: Any, what: str) -> None:
    with pytest.raises(ValueError) as caught:
        Emulator(data=data)
    assert what in str(caught.value)


def test_good_data_may_leave_either_list_out() -> None:
    emulator = Emulator(data={"auth_orders": [SEED_ORDER], "handshakes": None})
    assert emulator.get_object(SEED_ORDER_ID) == SEED_ORDER
    assert emulator.get_object(SEED_HANDSHAKE_ID) is None


def _load_with_cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-m", *args, "--port", "0"], capture_output=True,
                          text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("module", [["pulumi_aliread.testing.emulator"],
                                    ["pulumi_aliread", "emulator"]])
def test_cli_refuses_bad_data_with_exit_2(tmp_path: Path, module: list[str]) -> None:
    data, what = BAD_DATA[0]
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError) as caught:
        Emulator(data=str(path))

    proc = _load_with_cli([*module, "--data", str(path)])

    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"error: cannot load --data {path}: {caught.value}\n"
    assert what in proc.stderr


@pytest.mark.parametrize("content,what", [
    (b"{not json", "not valid JSON"),
    (b'{"handshakes": ["\xff"]}', "not UTF-8"),
    (None, "No such file or directory"),
    ("dir", "Is a directory"),
])
def test_cli_refuses_unreadable_data_with_exit_2(tmp_path: Path, content: Any,
                                                 what: str) -> None:
    path = tmp_path / "data.json"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)

    proc = _load_with_cli(["pulumi_aliread", "emulator", "--data", str(path)])

    assert proc.returncode == 2 and proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"error: cannot load --data {path}: ") and what in line
