"""A second, independent fake of both APIs accepts the library's requests.

Its signature check is written from Alibaba Cloud's published algorithm (RPC signature
v1) with a different canonicalization than the emulator's, so a bug shared by the
library's signer and the emulator's verifier cannot hide.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

import pulumi_aliread as aliread

KEY_ID, SECRET, TOKEN = "LTAI-independent", "independent secret ~*+/", "tok en/+=~*é"


def _expected_signature(params: dict[str, str], method: str, secret: str) -> str:
    unsigned = sorted((k, v) for k, v in params.items() if k != "Signature")
    # urlencode with quote_via=quote and safe='~' is RFC 3986 percent-encoding.
    canonical = urlencode(unsigned, safe="~", quote_via=_quote)
    string_to_sign = f"{method}&{_quote('/', safe='~')}&{_quote(canonical, safe='~')}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _quote(text: str, safe: str = "~", encoding: str | None = None,
           errors: str | None = None) -> str:
    from urllib.parse import quote

    return quote(text, safe=safe, encoding=encoding or "utf-8", errors=errors or "strict")


class _Fake(BaseHTTPRequestHandler):
    accepted: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        good = (
            params.get("AccessKeyId") == KEY_ID
            and params.get("SecurityToken") == TOKEN
            and params.get("SignatureVersion") == "1.0"
            and hmac.compare_digest(
                params.get("Signature", ""), _expected_signature(params, "GET", SECRET)
            )
        )
        if not good:
            return self._send(400, {"RequestId": "F-0", "Code": "SignatureDoesNotMatch",
                                    "Message": "independent fake: signature refused"})
        self.accepted.append(params)
        if params["Action"] == "GetHandshake":
            body = {"RequestId": "F-1", "Handshake": {
                "HandshakeId": params["HandshakeId"], "Status": "Accepted"}}
        else:
            body = {"RequestId": "F-2", "Success": True, "Data": {
                "OrderId": params["OrderId"], "OrderState": "APPLYING"}}
        self._send(200, body)

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)
    _Fake.accepted = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_independent_fake_accepts_both_reads(fake_url):
    handshake = aliread.get_handshake("h-AbC0123456789xYz", endpoint=fake_url)
    order = aliread.get_join_permission_auth_order("order-7~x*", endpoint=fake_url)
    assert (handshake.status, order.order_state) == ("Accepted", "APPLYING")
    assert len(_Fake.accepted) == 2


def test_independent_fake_refuses_a_wrong_secret(fake_url, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not the secret")
    with pytest.raises(aliread.AccessDeniedError):
        aliread.get_handshake("h-AbC0123456789xYz", endpoint=fake_url)
    assert _Fake.accepted == []
