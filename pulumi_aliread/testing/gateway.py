"""The API gateway's checks, in the gateway's order, for both request styles:

- RPC signature v1 (the classic SDK; the Tea SDK with ``signature_algorithm='v2'``):
  common parameters in the query or form body, ``Signature`` over all of them;
- ACS3-HMAC-SHA256 (the Tea SDK's default): action and version in ``x-acs-action`` /
  ``x-acs-version``, ``x-acs-date``, ``x-acs-signature-nonce``, ``x-acs-content-sha256``,
  an ``Authorization`` header, the STS token in ``x-acs-security-token``.

Each check answers the gateway's error code (``SignatureDoesNotMatch`` for a wrong
secret, with the server's string to sign, as the gateway does); a request that passes
them all yields a ``Passed`` naming its AccessKeyId and the answer format it asked for.
"""

from __future__ import annotations

import calendar
import collections
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..core.apis import BY_ACTION, ApiSpec
from . import answers, signature
from .answers import FORMATS, Answer, ErrorSource
from .lists import LISTS, ListSpec

REQUIRED_PARAMS = (
    "Action",
    "Version",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Format",
)
# ACS3: headers every request carries (and signs).
REQUIRED_HEADERS = (
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
)
_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z", re.ASCII)
_MISMATCH = "Specified signature is not matched with our calculation. server string to sign is:"


@dataclass
class Request:
    """One HTTP request as the gateway sees it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    body: bytes
    headers: dict[str, str]  # as sent (first value of each name), for the records
    header_values: dict[str, list[str]] = field(default_factory=dict)  # lower-case names

    # Derived once in __post_init__ (read several times a request; the emulator's
    # capacity is measured by benchmarks/capacity.py).
    params: dict[str, str] = field(init=False)  # query and form together (form wins)
    acs3: bool = field(init=False)  # an ACS3-signed request (see __post_init__)
    action: str | None = field(init=False)  # Action, or x-acs-action for ACS3
    version: str = field(init=False)  # Version, or x-acs-version for ACS3
    api: ApiSpec | None = field(init=False)  # the API of ``action``, if known
    listing: ListSpec | None = field(init=False)  # the list action ``action``, if one
    host: str = field(init=False)  # the Host header

    def __post_init__(self) -> None:
        self.params = {**self.query, **self.form} if self.form else self.query
        # ACS3: an ACS3 Authorization header, or an x-acs-action header without a
        # Signature parameter (RPC v1 clients may send x-acs-action too: the Tea SDK's
        # "v2" does).
        self.acs3 = self.header("authorization").startswith("ACS3-") or (
            bool(self.header("x-acs-action")) and "Signature" not in self.params
        )
        if self.acs3:
            self.action = self.header("x-acs-action") or None
            self.version = self.header("x-acs-version")
        else:
            self.action = self.params.get("Action") or None
            self.version = self.params.get("Version") or ""
        self.api = BY_ACTION.get(self.action) if self.action else None
        self.listing = LISTS.get(self.action) if self.action else None
        self.host = self.header("host")

    @property
    def error_source(self) -> ErrorSource | None:
        """What an error answer to this request names (product, own codes)."""
        return self.api or self.listing

    def access_key_id(self) -> str | None:
        """The AccessKeyId the request claims (checked or not): for the request log."""
        if not self.acs3:
            return self.params.get("AccessKeyId") or None
        try:
            return signature.parse_acs3_authorization(self.header("authorization")
                                                      ).access_key_id or None
        except ValueError:
            return None

    def header(self, name: str) -> str:
        """The (first) value of header ``name`` (any case), or ``""``."""
        values = self.header_values.get(name.lower())
        return values[0] if values else ""


@dataclass(frozen=True)
class Passed:
    """A request that passed every gateway check."""

    access_key_id: str
    fmt: str  # "JSON" or "XML"


@dataclass
class Keys:
    """The credentials the gateway accepts: AccessKeyId -> secret, and STS AccessKeyId
    -> (secret, token); STS keys whose token has been expired."""

    credentials: Mapping[str, str]
    sts_credentials: Mapping[str, tuple[str, str]]
    expired_tokens: set[str]


class NonceBook:
    """Nonces seen within twice the timestamp window: a second use is refused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._expiry: collections.deque[tuple[float, str]] = collections.deque()

    def first_use(self, nonce: str, keep: float) -> bool:
        """Record ``nonce`` for ``keep`` seconds; False when it was used already."""
        now = time.monotonic()
        with self._lock:
            while self._expiry and self._expiry[0][0] < now:
                self._seen.discard(self._expiry.popleft()[1])
            if nonce in self._seen:
                return False
            self._seen.add(nonce)
            self._expiry.append((now + keep, nonce))
            return True


def check(request: Request, keys: Keys, nonces: NonceBook, window: float) -> Passed | Answer:
    """Run the gateway's checks on ``request``: the ``Passed`` view, or the error answer."""
    if request.acs3:
        return _check_acs3(request, keys, nonces, window)
    return _check_rpc(request, keys, nonces, window)


def _refuse(request: Request, code: str, *, message: str | None = None,
            fmt: str = "JSON") -> Answer:
    return answers.error(code, request.error_source, request.host, message=message, fmt=fmt)


def _missing(request: Request, name: str) -> Answer:
    message = answers.EXTRA_ERRORS["MissingParameter"][1].format(name)
    return _refuse(request, "MissingParameter", message=message)


def _format(request: Request) -> str | Answer:
    """The answer format asked for (default JSON), or the error for an unknown one."""
    value = request.params.get("Format")
    if value is None:
        return "JSON"
    if value.upper() in FORMATS:
        return value.upper()
    return _refuse(request, "InvalidParameter", message=(
        f'The specified parameter "Format" is not valid: {value!r} (use JSON or XML).'
    ))


def _check_rpc(request: Request, keys: Keys, nonces: NonceBook, window: float
               ) -> Passed | Answer:
    params = request.params
    for name in REQUIRED_PARAMS:
        if not params.get(name):
            return _missing(request, name)
    fmt = _format(request)
    if isinstance(fmt, Answer):
        return fmt
    algorithm = params["SignatureMethod"]
    if algorithm not in signature.ALGORITHMS or params["SignatureVersion"] != "1.0":
        return _refuse(request, "IncompleteSignature", fmt=fmt)
    refused = _check_time(request, params["Timestamp"], window, fmt)
    if refused is not None:
        return refused
    key_id = params["AccessKeyId"]
    secret = _secret(keys, key_id)
    if secret is None:
        return _refuse(request, "InvalidAccessKeyId.NotFound", fmt=fmt)
    ok, text = signature.verify(request.method, params, secret, algorithm)
    if not ok:
        return _refuse(request, "SignatureDoesNotMatch", message=_MISMATCH + text, fmt=fmt)
    return _check_token_and_nonce(request, keys, nonces, window, key_id,
                                  params.get("SecurityToken"), params["SignatureNonce"], fmt)


def _check_acs3(request: Request, keys: Keys, nonces: NonceBook, window: float
                ) -> Passed | Answer:
    value = request.header("authorization")
    if not value:
        return _missing(request, "Authorization")
    try:
        auth = signature.parse_acs3_authorization(value)
    except ValueError as exc:
        return _refuse(request, "IncompleteSignature", message=(
            f"The request signature does not conform to Aliyun standards: {exc}."))
    if auth.algorithm != signature.ACS3_ALGORITHM:
        return _refuse(request, "IncompleteSignature", message=(
            f"The request signature does not conform to Aliyun standards: unsupported "
            f"algorithm {auth.algorithm!r} (use {signature.ACS3_ALGORITHM})."))
    for name in REQUIRED_HEADERS:
        if not request.header(name):
            return _missing(request, name)
    fmt = _format(request)
    if isinstance(fmt, Answer):
        return fmt
    signed = {name.lower() for name in auth.signed_headers}
    unsigned = sorted(
        name for name in request.header_values
        if (name == "host" or name.startswith("x-acs-")) and name not in signed
    )
    if unsigned:
        return _refuse(request, "IncompleteSignature", fmt=fmt, message=(
            f"The request signature does not conform to Aliyun standards: header "
            f"{unsigned[0]!r} is not among SignedHeaders."))
    payload_hash = request.header("x-acs-content-sha256")
    if payload_hash.lower() != signature.content_sha256(request.body):
        return _refuse(request, "SignatureDoesNotMatch", fmt=fmt, message=(
            "Specified signature is not matched with our calculation: "
            "x-acs-content-sha256 is not the SHA-256 of the request body."))
    refused = _check_time(request, request.header("x-acs-date"), window, fmt)
    if refused is not None:
        return refused
    secret = _secret(keys, auth.access_key_id)
    if secret is None:
        return _refuse(request, "InvalidAccessKeyId.NotFound", fmt=fmt)
    ok, text = signature.acs3_verify(request.method, request.path, request.query,
                                     request.header_values, auth, payload_hash, secret)
    if not ok:
        return _refuse(request, "SignatureDoesNotMatch", message=_MISMATCH + text, fmt=fmt)
    token = request.header("x-acs-security-token") or None
    return _check_token_and_nonce(request, keys, nonces, window, auth.access_key_id, token,
                                  request.header("x-acs-signature-nonce"), fmt)


def _secret(keys: Keys, key_id: str) -> str | None:
    sts = keys.sts_credentials.get(key_id)
    return sts[0] if sts is not None else keys.credentials.get(key_id)


def _check_time(request: Request, value: str, window: float, fmt: str) -> Answer | None:
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return _refuse(request, "InvalidTimeStamp.Format", fmt=fmt)
    try:
        if not (1 <= int(match.group(2)) <= 12 and 1 <= int(match.group(3)) <= 31):
            raise ValueError
        when = calendar.timegm(tuple(int(g) for g in match.groups()) + (0, 0, 0))
    except (ValueError, OverflowError):
        return _refuse(request, "InvalidTimeStamp.Format", fmt=fmt)
    if abs(time.time() - when) > window:
        return _refuse(request, "InvalidTimeStamp.Expired", fmt=fmt)
    return None


def _check_token_and_nonce(
    request: Request, keys: Keys, nonces: NonceBook, window: float, key_id: str,
    token: str | None, nonce: str, fmt: str,
) -> Passed | Answer:
    sts = keys.sts_credentials.get(key_id)
    if sts is not None:
        if not token:
            return _refuse(request, "MissingSecurityToken", fmt=fmt)
        if token != sts[1]:
            return _refuse(request, "InvalidSecurityToken.MismatchWithAccessKey", fmt=fmt)
        if key_id in keys.expired_tokens:
            return _refuse(request, "InvalidSecurityToken.Expired", fmt=fmt)
    if not nonces.first_use(nonce, window * 2):
        return _refuse(request, "SignatureNonceUsed", fmt=fmt)
    return Passed(key_id, fmt)
