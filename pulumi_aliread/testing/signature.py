"""Alibaba Cloud's two request signatures, written from their public descriptions: RPC
signature version 1.0 (the classic SDK, and the Tea SDK's ``signature_algorithm='v2'``)
and ACS3-HMAC-SHA256 (the Tea SDK's default).

The emulator verifies requests with this code; it deliberately shares nothing with the
SDKs' signers, so a bug in one is caught by the other.

RPC v1: sort every parameter except ``Signature`` by name, percent-encode names and
values per RFC 3986 (UTF-8, only ``A-Z a-z 0-9 - _ . ~`` left as is), join ``k=v`` with
``&``; string to sign = ``METHOD & percentEncode("/") & percentEncode(canonical)``;
signature = base64(HMAC(secret + "&", string to sign)).

ACS3-HMAC-SHA256: canonical request = METHOD, the path, the canonical query (names and
values percent-encoded as above, sorted, ``k=v`` joined by ``&``), the signed headers as
``name:trimmed value`` lines (lower-case names, sorted), the ``;``-joined signed header
names, and hex(SHA-256(body)) (also sent as ``x-acs-content-sha256``), joined by
newlines; string to sign = ``ACS3-HMAC-SHA256\n`` + hex(SHA-256(canonical request));
signature = hex(HMAC-SHA256(secret, string to sign)), sent as
``Authorization: ACS3-HMAC-SHA256 Credential=KEY_ID,SignedHeaders=a;b,Signature=HEX``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


# ----------------------------------------------------------------------------- ACS3

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"


@dataclass(frozen=True)
class Acs3Authorization:
    """The parts of an ``Authorization: ACS3-HMAC-SHA256 ...`` header."""

    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_acs3_authorization(value: str) -> Acs3Authorization:
    """Split an ACS3 ``Authorization`` header; ValueError saying what is missing."""
    algorithm, _, rest = value.strip().partition(" ")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, content = item.strip().partition("=")
        if sep:
            parts[name] = content
    missing = [name for name in ("Credential", "SignedHeaders", "Signature")
               if not parts.get(name)]
    if missing:
        raise ValueError(f"the Authorization header has no {missing[0]}")
    return Acs3Authorization(
        algorithm,
        parts["Credential"],
        tuple(parts["SignedHeaders"].split(";")),
        parts["Signature"],
    )


def content_sha256(body: bytes) -> str:
    """hex(SHA-256(body)), the value of ``x-acs-content-sha256``."""
    return hashlib.sha256(body).hexdigest()


def acs3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, Sequence[str]],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """The canonical request; ``headers`` maps lower-case names to their values."""
    canonical_query = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(query.items())
    )
    names = sorted(name.lower() for name in signed_headers)
    lines = "".join(
        f"{name}:{','.join(sorted(v.strip() for v in headers.get(name, ())))}\n"
        for name in names
    )
    return "\n".join([method.upper(), path or "/", canonical_query, lines, ";".join(names),
                      payload_hash])


def acs3_string_to_sign(canonical_request: str) -> str:
    """``ACS3-HMAC-SHA256`` + newline + hex(SHA-256(canonical request))."""
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ACS3_ALGORITHM}\n{digest}"


def acs3_signature(secret: str, text: str) -> str:
    """hex(HMAC-SHA256(secret, text))."""
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def acs3_verify(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, Sequence[str]],
    authorization: Acs3Authorization,
    payload_hash: str,
    secret: str,
) -> tuple[bool, str]:
    """Check an ACS3 signature; return (matches, the server's string to sign)."""
    canonical = acs3_canonical_request(method, path, query, headers,
                                       authorization.signed_headers, payload_hash)
    text = acs3_string_to_sign(canonical)
    expected = acs3_signature(secret, text)
    return hmac.compare_digest(expected.encode("ascii"),
                               authorization.signature.encode("utf-8")), text


def acs3_sign_headers(
    method: str,
    host: str,
    action: str,
    version: str,
    query: Mapping[str, str],
    body: bytes,
    access_key_id: str,
    secret: str,
    *,
    security_token: str | None = None,
    date: str | None = None,
    nonce: str | None = None,
    content_type: str | None = None,
) -> dict[str, str]:
    """The headers of an ACS3-signed request (for tools and tests), Authorization included."""
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date or utc_timestamp(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": content_sha256(body),
    }
    if content_type:
        headers["content-type"] = content_type
    if security_token is not None:
        headers["x-acs-security-token"] = security_token
    names = sorted(headers)
    canonical = acs3_canonical_request(method, "/", query,
                                       {k: [v] for k, v in headers.items()}, names,
                                       headers["x-acs-content-sha256"])
    signature = acs3_signature(secret, acs3_string_to_sign(canonical))
    headers["Authorization"] = (f"{ACS3_ALGORITHM} Credential={access_key_id},"
                                f"SignedHeaders={';'.join(names)},Signature={signature}")
    return headers
