"""The emulator's gateway checks for ACS3-HMAC-SHA256 requests, its XML answers and the
invited account's view, over real HTTP, with a signer of the tests' own (written from
the public description of ACS3, sharing nothing with the emulator's)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
import seeds

from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

SEED_HANDSHAKE = seeds.seed_handshake()
SEED_ORDER_XML = {  # the reference page's XML example: every value is text
    "OrderId": "123",
    "CanceledMillis": "1514736000000",
    "RejectedMillis": "1514736000000",
    "ApplyingMillis": "1514736000000",
    "RenterAliyunId": "some_user",
    "OrderState": "ACCEPTED",
    "OwnerAliyunId": "some_user",
    "JoinPermissionId": "123456",
    "AcceptedMillis": "1514736000000",
}


@pytest.fixture
def emu() -> Any:
    with Emulator() as running:
        yield running


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


def acs3(
    emu: Emulator,
    action: str = "GetHandshake",
    version: str = "2020-03-31",
    query: dict[str, str] | None = None,
    *,
    body: bytes = b"",
    key: str = DEFAULT_ACCESS_KEY_ID,
    secret: str = DEFAULT_ACCESS_KEY_SECRET,
    token: str | None = None,
    date: str | None = None,
    nonce: str | None = None,
    method: str = "POST",
    drop: tuple[str, ...] = (),
    unsigned: tuple[str, ...] = (),
    content_sha: str | None = None,
    algorithm: str = "ACS3-HMAC-SHA256",
) -> tuple[int, str, bytes]:
    """Send one ACS3-signed request; return (status, content type, body)."""
    query = {"HandshakeId": SEED_HANDSHAKE_ID} if query is None else query
    host = emu.url.removeprefix("http://")
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date or _now(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": content_sha or hashlib.sha256(body).hexdigest(),
        "accept": "application/json",
    }
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    if token is not None:
        headers["x-acs-security-token"] = token
    payload_hash = headers["x-acs-content-sha256"]
    for name in drop:
        headers.pop(name)
    signed = sorted(name for name in headers if name not in unsigned)
    canonical_query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(query.items()))
    canonical = "\n".join([
        method, "/", canonical_query,
        "".join(f"{name}:{headers[name].strip()}\n" for name in signed),
        ";".join(signed), payload_hash,
    ])
    text = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (f"{algorithm} Credential={key},"
                                f"SignedHeaders={';'.join(signed)},Signature={signature}")
    path = "/?" + "&".join(f"{_enc(k)}={_enc(v)}" for k, v in query.items())
    conn = http.client.HTTPConnection(host, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def rpc(emu: Emulator, params: dict[str, str], *, fmt: str | None = "JSON",
        key: str = DEFAULT_ACCESS_KEY_ID, secret: str = DEFAULT_ACCESS_KEY_SECRET
        ) -> tuple[int, str, bytes]:
    """Send one GET signed with RPC signature v1; return (status, content type, body)."""
    params = {
        "AccessKeyId": key, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex, "Timestamp": _now(), **params,
    }
    if fmt is not None:
        params["Format"] = fmt
    canonical = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(params.items()))
    text = f"GET&%2F&{_enc(canonical)}"
    mac = hmac.new(f"{secret}&".encode(), text.encode(), "sha1")
    params["Signature"] = base64.b64encode(mac.digest()).decode()
    host = emu.url.removeprefix("http://")
    conn = http.client.HTTPConnection(host, timeout=10)
    try:
        conn.request("GET", "/?" + "&".join(f"{_enc(k)}={_enc(v)}"
                                            for k, v in params.items()))
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def code_of(body: bytes) -> str:
    return json.loads(body)["Code"]


HS = {"Action": "GetHandshake", "Version": "2020-03-31", "HandshakeId": SEED_HANDSHAKE_ID}
AO = {"Action": "GetJoinPermissionAuthOrder", "Version": "2018-12-30",
      "OrderId": SEED_ORDER_ID}


# -- ACS3 ----------------------------------------------------------------------------


def test_acs3_request_is_answered_with_the_object(emu: Emulator) -> None:
    status, ctype, body = acs3(emu)
    assert status == 200 and ctype.startswith("application/json")
    assert json.loads(body)["Handshake"] == SEED_HANDSHAKE
    assert emu.requests[-1].action == "GetHandshake"


def test_acs3_get_with_the_id_in_the_query_and_a_form_body(emu: Emulator) -> None:
    assert acs3(emu, method="GET")[0] == 200
    status, _, body = acs3(emu, query={}, body=f"HandshakeId={SEED_HANDSHAKE_ID}".encode())
    assert status == 200, body
    assert json.loads(body)["Handshake"]["HandshakeId"] == SEED_HANDSHAKE_ID


def test_acs3_wrong_secret_is_signature_does_not_match(emu: Emulator) -> None:
    status, _, body = acs3(emu, secret="wrong")
    assert status == 400
    answer = json.loads(body)
    assert answer["Code"] == "SignatureDoesNotMatch"
    assert "server string to sign is:ACS3-HMAC-SHA256\n" in answer["Message"]


@pytest.mark.parametrize("case,code", [
    ({"key": "LTAI5tNoSuchKey"}, "InvalidAccessKeyId.NotFound"),
    ({"drop": ("x-acs-date",)}, "MissingParameter"),
    ({"drop": ("x-acs-signature-nonce",)}, "MissingParameter"),
    ({"drop": ("x-acs-content-sha256",)}, "MissingParameter"),
    ({"drop": ("x-acs-version",)}, "MissingParameter"),
    ({"unsigned": ("x-acs-signature-nonce",)}, "IncompleteSignature"),
    ({"unsigned": ("host",)}, "IncompleteSignature"),
    ({"algorithm": "ACS3-HMAC-SM3"}, "IncompleteSignature"),
    ({"content_sha": hashlib.sha256(b"other").hexdigest()}, "SignatureDoesNotMatch"),
    ({"date": "2026-13-40T00:00:00Z"}, "InvalidTimeStamp.Format"),
    ({"date": "yesterday"}, "InvalidTimeStamp.Format"),
    ({"date": (datetime.now(timezone.utc) - timedelta(minutes=20)
               ).strftime("%Y-%m-%dT%H:%M:%SZ")}, "InvalidTimeStamp.Expired"),
    ({"version": "2019-01-01"}, "InvalidVersion"),
    ({"action": "DeleteHandshake"}, "InvalidAction.NotFound"),
])
def test_acs3_gateway_refusals(emu: Emulator, case: dict[str, Any], code: str) -> None:
    status, _, body = acs3(emu, **case)
    assert status >= 400 and code_of(body) == code


def test_acs3_missing_header_is_named(emu: Emulator) -> None:
    _, _, body = acs3(emu, drop=("x-acs-signature-nonce",))
    assert '"x-acs-signature-nonce"' in json.loads(body)["Message"]


def test_acs3_body_not_matching_its_content_sha256(emu: Emulator) -> None:
    """The hash is signed, so a body changed in flight is caught."""
    digest = hashlib.sha256(b"HandshakeId=h-0000000000000000").hexdigest()
    status, _, body = acs3(emu, query={}, body=f"HandshakeId={SEED_HANDSHAKE_ID}".encode(),
                           content_sha=digest)
    assert status == 400 and code_of(body) == "SignatureDoesNotMatch"
    assert "x-acs-content-sha256" in json.loads(body)["Message"]


def test_acs3_nonce_reuse_is_refused(emu: Emulator) -> None:
    nonce = uuid.uuid4().hex
    assert acs3(emu, nonce=nonce)[0] == 200
    status, _, body = acs3(emu, nonce=nonce)
    assert status == 400 and code_of(body) == "SignatureNonceUsed"


def test_acs3_sts_token(emu: Emulator) -> None:
    sts = {"key": STS_ACCESS_KEY_ID, "secret": STS_ACCESS_KEY_SECRET}
    assert acs3(emu, token=STS_TOKEN, **sts)[0] == 200
    assert code_of(acs3(emu, **sts)[2]) == "MissingSecurityToken"
    assert code_of(acs3(emu, token="CAISother", **sts)[2]) == \
        "InvalidSecurityToken.MismatchWithAccessKey"
    emu.expire_token(STS_ACCESS_KEY_ID)
    assert code_of(acs3(emu, token=STS_TOKEN, **sts)[2]) == "InvalidSecurityToken.Expired"


def test_acs3_token_must_be_signed(emu: Emulator) -> None:
    status, _, body = acs3(emu, key=STS_ACCESS_KEY_ID, secret=STS_ACCESS_KEY_SECRET,
                           token=STS_TOKEN, unsigned=("x-acs-security-token",))
    assert status == 400 and code_of(body) == "IncompleteSignature"


def test_acs3_auth_order(emu: Emulator) -> None:
    status, _, body = acs3(emu, "GetJoinPermissionAuthOrder", "2018-12-30",
                           {"OrderId": SEED_ORDER_ID})
    assert status == 200 and json.loads(body)["Data"]["OrderId"] == SEED_ORDER_ID


# -- Format --------------------------------------------------------------------------


def test_format_xml_is_the_reference_pages_xml_for_the_handshake(emu: Emulator) -> None:
    status, ctype, body = rpc(emu, HS, fmt="XML")
    assert status == 200 and "xml" in ctype
    root = ET.fromstring(body)
    assert root.tag == "GetHandshakeResponse"
    assert root.findtext("RequestId")
    assert {child.tag: child.text for child in root.find("Handshake")} == SEED_HANDSHAKE


def test_format_xml_is_the_reference_pages_xml_for_the_auth_order(emu: Emulator) -> None:
    status, _, body = rpc(emu, AO, fmt="xml")  # the value is case-insensitive
    assert status == 200
    root = ET.fromstring(body)
    assert root.tag == "GetJoinPermissionAuthOrderResponse"
    assert {child.tag: child.text for child in root.find("Data")} == SEED_ORDER_XML
    assert root.findtext("Success") == "true"


def test_format_xml_errors_are_xml(emu: Emulator) -> None:
    status, ctype, body = rpc(emu, {**HS, "HandshakeId": "h-0000000000000000"}, fmt="XML")
    assert status == 404 and "xml" in ctype
    root = ET.fromstring(body)
    assert root.tag == "Error"
    assert root.findtext("Code") == "EntityNotExists.Handshake"
    assert root.findtext("RequestId") and root.findtext("Message")


def test_format_json_is_json(emu: Emulator) -> None:
    status, ctype, body = rpc(emu, HS, fmt="json")
    assert status == 200 and ctype.startswith("application/json")
    assert json.loads(body)["Handshake"] == SEED_HANDSHAKE


@pytest.mark.parametrize("fmt", ["YAML", "", "JSONP"])
def test_other_format_values_are_refused(emu: Emulator, fmt: str) -> None:
    status, ctype, body = rpc(emu, HS, fmt=fmt)
    assert status == 400 and ctype.startswith("application/json")
    code = code_of(body)
    assert code == ("MissingParameter" if fmt == "" else "InvalidParameter")
    assert '"Format"' in json.loads(body)["Message"]


# -- the invited account's view ------------------------------------------------------


def test_invited_account_gets_409_once_the_invitation_is_accepted(emu: Emulator) -> None:
    invited = {"key": INVITED_ACCESS_KEY_ID, "secret": INVITED_ACCESS_KEY_SECRET}
    assert rpc(emu, HS, **invited)[0] == 200  # Pending: the invited account reads it
    emu.set_state(SEED_HANDSHAKE_ID, "Accepted")

    status, _, body = rpc(emu, HS, **invited)
    assert status == 409 and code_of(body) == "HandshakeStatusMismatch"
    assert json.loads(body)["Message"] == "The invitation is invalid."
    assert acs3(emu, **invited)[0] == 409  # both signature styles

    status, _, body = rpc(emu, HS)  # the management account still reads the status
    assert status == 200 and json.loads(body)["Handshake"]["Status"] == "Accepted"


def test_which_keys_are_the_invited_accounts_is_configurable() -> None:
    with Emulator(credentials={"LTAI5tMine": "s3cret", "LTAI5tTheirs": "s3cret2"},
                  invited_access_key_ids=["LTAI5tTheirs"]) as emu:
        emu.set_state(SEED_HANDSHAKE_ID, "Accepted")
        assert rpc(emu, HS, key="LTAI5tMine", secret="s3cret")[0] == 200
        assert rpc(emu, HS, key="LTAI5tTheirs", secret="s3cret2")[0] == 409
        emu.invited_access_key_ids.clear()
        assert rpc(emu, HS, key="LTAI5tTheirs", secret="s3cret2")[0] == 200


def test_unknown_invited_key_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="'LTAI5tNobody' is not an AccessKeyId"):
        Emulator(invited_access_key_ids=["LTAI5tNobody"])


@pytest.mark.parametrize("kwargs,what", [
    ({"port": 80000}, "port 80000 is not a TCP port, 0-65535"),
    ({"port": -1}, "port -1 is not a TCP port"),
    ({"latency": -3}, "latency -3 is not a number of seconds >= 0"),
])
def test_bad_port_or_latency_is_a_value_error(kwargs: dict[str, Any], what: str) -> None:
    with pytest.raises(ValueError) as caught:
        Emulator(**kwargs)
    assert what in str(caught.value)
