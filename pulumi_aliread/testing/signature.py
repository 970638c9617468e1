"""Alibaba Cloud RPC signature, version 1.0, written from the public description.

The emulator verifies requests with this code; it deliberately shares nothing with
aliyunsdkcore's signer, so a bug in one is caught by the other.

Algorithm: sort every parameter except ``Signature`` by name, percent-encode names and
values per RFC 3986 (UTF-8, only ``A-Z a-z 0-9 - _ . ~`` left as is), join ``k=v`` with
``&``; string to sign = ``METHOD & percentEncode("/") & percentEncode(canonical)``;
signature = base64(HMAC(secret + "&", string to sign)).
"""

from __future__ import annotations

import base64
import hmac
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import quote

ALGORITHMS: Mapping[str, str] = {"HMAC-SHA1": "sha1", "HMAC-SHA256": "sha256"}


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding of ``value`` (UTF-8), as the RPC signature wants it."""
    return quote(value, safe="~", encoding="utf-8", errors="strict")


def canonicalized_query(params: Mapping[str, str]) -> str:
    """The sorted, encoded ``k=v&k=v`` string of every parameter but ``Signature``."""
    items = sorted((k, v) for k, v in params.items() if k != "Signature")
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in items)


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """The string the signature is computed over, for an HTTP ``method``."""
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def compute_signature(text: str, secret: str, algorithm: str = "HMAC-SHA1") -> str:
    """base64(HMAC(secret + "&", text)) with the digest named by ``algorithm``."""
    digest = ALGORITHMS.get(algorithm)
    if digest is None:
        raise ValueError(f"unsupported SignatureMethod {algorithm!r}")
    mac = hmac.new((secret + "&").encode("utf-8"), text.encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def verify(
    method: str, params: Mapping[str, str], secret: str, algorithm: str = "HMAC-SHA1"
) -> tuple[bool, str]:
    """Check ``params["Signature"]``; return (matches, the server's string to sign)."""
    text = string_to_sign(method, params)
    expected = compute_signature(text, secret, algorithm)
    given = params.get("Signature", "")
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8")), text


def utc_timestamp(when: datetime | None = None) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` for ``when`` (default: now)."""
    when = when or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_params(
    params: Mapping[str, str],
    access_key_id: str,
    secret: str,
    *,
    method: str = "GET",
    security_token: str | None = None,
    algorithm: str = "HMAC-SHA1",
    timestamp: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Add the common parameters and ``Signature`` to ``params`` (for tools and benchmarks)."""
    signed = {
        "Format": "JSON",
        "SignatureMethod": algorithm,
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "Timestamp": timestamp or utc_timestamp(),
        "AccessKeyId": access_key_id,
        **params,
    }
    if security_token is not None:
        signed["SecurityToken"] = security_token
    signed.pop("Signature", None)
    signed["Signature"] = compute_signature(string_to_sign(method, signed), secret, algorithm)
    return signed
