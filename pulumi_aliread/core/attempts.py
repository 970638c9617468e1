"""One request's attempts: sign, send, interpret the answer, try again as
``RetryPolicy`` decides, and build the error of a request that failed, once, with how it
ended.

Requests are signed by aliyun-python-sdk-core's RPC signer (HMAC-SHA1) with exactly the
keys resolved by ``settings``; the SDK's client is not used, so its environment
override (``ALIYUN_ACCESS_KEY_ID``), ECS-only retries and DEBUG parameter logging do not
apply. ``attempt`` is the one attempt loop (a coroutine on the client's event loop).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from aliyunsdkcore.auth.algorithm import sha_hmac1
from aliyunsdkcore.auth.composer import rpc_signature_composer

from .. import errors
from . import redaction, schemas
from .apis import COMMON_ERRORS, THROTTLING_CODES, TRANSIENT_CODE_PREFIXES
from .bodies import BodyTooLarge, UndecodableBody
from .http import Answer, Http, TransportFailure
from .retries import RetryPolicy
from .settings import CallSettings, Credentials
from .spec import ErrorSpec, Operation

log = logging.getLogger("pulumi_aliread")
redaction.protect_logger("pulumi_aliread")


@dataclass
class RetryMetrics:
    """Counters of one ``Client``, for the reliability report and benchmarks.

    Attributes:
        requests (int): requests sent (every attempt).
        retries (int): attempts that were followed by another one.
        backoff_seconds (float): seconds paused between attempts, in all.
    """

    requests: int = 0
    retries: int = 0
    backoff_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, requests: int = 0, retries: int = 0, backoff: float = 0.0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.backoff_seconds += backoff

    def reset(self) -> None:
        with self._lock:
            self.requests, self.retries, self.backoff_seconds = 0, 0, 0.0


@dataclass(slots=True)
class Failure:
    """One attempt's failure: what its error will say and carry, and whether a retry may
    cure it. The error itself is built once, by ``error``, when the read stops."""

    kind: type[errors.AlireadError]
    message: str
    code: str | None = None
    http_status: int | None = None
    request_id: str | None = None
    transient: bool = False
    retry_after: float | None = None  # seconds the server asked to wait (throttling)

    def error(self, attempts: int, started: float, stop_reason: str) -> errors.AlireadError:
        """The error of a read that stopped after ``attempts`` requests, begun at
        ``started`` (``time.monotonic()``), for ``stop_reason`` (``errors.STOP_REASONS``).
        A read that gave up on a transient failure says so in its message."""
        message = self.message
        if stop_reason != "permanent":
            message = (f"{message} Gave up after {attempts} attempt(s) in "
                       f"{time.monotonic() - started:.1f} s.")
        # The code and request id are the server's words: a broken or hostile endpoint
        # may echo the STS token in them (the message is scrubbed where it is built).
        code = None if self.code is None else redaction.scrub(self.code)
        request_id = None if self.request_id is None else redaction.scrub(self.request_id)
        return self.kind(message, code=code, http_status=self.http_status,
                         request_id=request_id, attempts=attempts, stop_reason=stop_reason)


async def attempt(api: Operation, params: Mapping[str, str], settings: CallSettings,
                  creds: Credentials, http: Http, proxy: str | None, metrics: RetryMetrics,
                  deadline_at: float | None = None) -> Any:
    """One signed request of ``api`` with its own query ``params``, sent by ``http``
    (through ``proxy``, a URL or None) and retried as ``RetryPolicy`` decides, within
    ``settings.options.deadline`` (and ``deadline_at``, ``time.monotonic()`` seconds, if
    sooner).

    Returns what ``schemas.load_response`` makes of the answer, or (not raised) the
    ``AlireadError`` of a request that failed: the caller raises it from its own frame,
    so that an error kept by the caller (the CLI keeps one per id) holds no frame of this
    loop, whose locals would cost ~10 KB per failed read (measured: 10 000 ids not found
    took 155 MB against 39 MB found).
    """
    import asyncio  # not at import: --help never loads it

    options, base_url = settings.options, settings.base_url
    policy = RetryPolicy(options)
    started = time.monotonic()
    # Every attempt ends by the read's deadline, connecting and reading included.
    ends = started + options.deadline if deadline_at is None \
        else min(started + options.deadline, deadline_at)
    # How messages name what was asked for: the object's id, else the parameters.
    id_param = getattr(api, "id_param", None)
    requested_id = params.get(id_param) if id_param else None
    object_id = requested_id or " ".join(f"{name}={value}" for name, value in params.items())
    attempts = 0
    while True:
        attempts += 1
        path, string_to_sign = _signed_path(api, params, settings, creds)
        metrics.add(requests=1)
        remaining = ends - time.monotonic()
        sent = time.perf_counter()
        try:
            answer = await http.request(
                "GET", base_url + path, proxy=proxy, ca_bundle=settings.ca_bundle,
                connect_timeout=max(0.05, min(options.connect_timeout, remaining)),
                read_timeout=max(0.05, min(options.read_timeout, remaining)), deadline_at=ends)
        except (TransportFailure, BodyTooLarge, UndecodableBody) as failed:
            outcome: Any = _failed(api, object_id, base_url, failed, options.deadline)
        else:
            log.debug("%s %s -> HTTP %s in %.1f ms", api.action, object_id, answer.status,
                      (time.perf_counter() - sent) * 1000)
            outcome = _interpret(api, object_id, requested_id, answer, base_url,
                                 string_to_sign, creds)
        if not isinstance(outcome, Failure):
            return outcome
        pause, stop_reason = policy.decide(attempts, started, outcome.retry_after) \
            if outcome.transient else (None, "permanent")
        if pause is not None and deadline_at is not None \
                and time.monotonic() + pause >= deadline_at:
            pause, stop_reason = None, "deadline"
        if pause is None:
            return outcome.error(attempts, started, stop_reason or "permanent")
        metrics.add(retries=1, backoff=pause)
        await asyncio.sleep(pause)


def _failed(api: Operation, object_id: str, base_url: str,
            failure: TransportFailure | BodyTooLarge | UndecodableBody,
            deadline: float) -> Failure:
    """The failure of an attempt that got no usable answer (``deadline``: the read's, in
    seconds, named when it is what ended the attempt)."""
    if isinstance(failure, BodyTooLarge):
        return Failure(
            errors.ResponseValidationError,
            f"{api.action} {object_id}: the answer is larger than 4 MiB (on the wire or "
            "decompressed), which no answer of this API is; nothing was returned. Check "
            "the endpoint setting.",
            code=errors.ResponseValidationError.default_code,
        )
    if isinstance(failure, UndecodableBody):
        return Failure(
            errors.ResponseValidationError,
            f"{api.action} {object_id}: {redaction.scrub(str(failure))}, which this "
            "client did not ask for (it sends Accept-Encoding: identity) and cannot "
            f"decode; nothing was returned. Check the endpoint setting "
            f"({base_url}) and any proxy or gateway that re-encodes answers.",
            code=errors.ResponseValidationError.default_code,
        )
    if failure.permanent and failure.kind.startswith("Proxy"):
        return Failure(  # the proxy refused the tunnel: the same answer next time
            errors.ApiError,
            f"{api.action} {object_id}: could not reach {base_url}: "
            f"{failure.detail}. Nothing was sent to the endpoint; not retried.",
            code=failure.kind,
        )
    if failure.permanent:
        return Failure(
            errors.TlsVerificationError,
            f"{api.action} {object_id}: could not connect securely to "
            f"{base_url}: {failure.detail}. Nothing was sent; not retried.",
            code=failure.kind,
        )
    log.debug("%s %s: %s", api.action, object_id, failure)
    advice = "Check the network and the endpoint setting, or raise the timeouts."
    if failure.at_deadline:  # the deadline, not a timeout, ended it: name it
        advice = (f"The read's deadline was {deadline:g} s: check the network and the "
                  "endpoint setting, or raise the deadline (deadline=, --deadline on the "
                  "command line).")
    return Failure(
        errors.ServiceUnavailableError,
        f"{api.action} {object_id}: could not get an answer from "
        f"{base_url}: {failure.detail}. {advice}",
        code=failure.kind, transient=True,
    )


def _interpret(api: Operation, object_id: str, requested_id: str | None, answer: Answer,
               base_url: str, string_to_sign: str, creds: Credentials) -> Any:
    """The validated result of a good answer; the ``Failure`` of any other."""
    if 200 <= answer.status < 300:
        try:
            payload = schemas.decode_body(answer.body, action=api.action,
                                          http_status=answer.status)
            if not (isinstance(payload, dict) and "Code" in payload
                    and api.response_key not in payload):
                return schemas.load_response(api, payload, requested_id=requested_id)
        except errors.AlireadError as invalid:
            return Failure(type(invalid), invalid.message, invalid.code, invalid.http_status,
                           invalid.request_id)
    return _api_error(api, object_id, answer, base_url, string_to_sign, creds)


def _signed_path(
    api: Operation, params: Mapping[str, str], settings: CallSettings, creds: Credentials
) -> tuple[str, str]:
    """The signed ``/?...`` path and the string that was signed: ``params`` (the
    operation's own) plus the common ones (Action, Version, Format, RegionId,
    SecurityToken).

    The parameters are those ``RpcRequest.get_url`` would sign; the SDK's RPC signer is
    called directly, since importing ``aliyunsdkcore.request`` also loads the SDK's
    vendored ``requests`` (20 ms on a program's first read, which no read here uses).
    """
    params = dict(params)
    if creds.security_token:
        params["SecurityToken"] = creds.security_token
    params.update(Version=settings.api_version, Action=api.action, Format="JSON",
                  RegionId=settings.region)
    path, string_to_sign = rpc_signature_composer.get_signed_url(
        params, creds.access_key_id, creds.access_key_secret, "JSON", "GET", {}, sha_hmac1
    )
    return path, string_to_sign


def _api_error(
    api: Operation,
    object_id: str,
    answer: Answer,
    base_url: str,
    string_to_sign: str,
    creds: Credentials,
) -> Failure:
    """The failure an error answer stands for: its kind, message, and whether a retry
    may cure it.

    Only what came from outside (the server's code, message and request id) is scrubbed
    of secrets: a secret that happens to be a word of the advice, or part of the
    AccessKeyId, must not blank them out.
    """
    status = answer.status
    payload: Any = None
    with contextlib.suppress(ValueError, RecursionError):
        payload = schemas.loads(answer.body.decode("utf-8"))
    if not isinstance(payload, dict) or not isinstance(payload.get("Code"), str):
        return _foreign_answer(api, object_id, answer, base_url)
    code = payload["Code"]
    message = payload.get("Message")
    server_message = message if isinstance(message, str) else ""
    request_id = payload.get("RequestId") if isinstance(payload.get("RequestId"), str) else None
    request_id = request_id or answer.request_id
    if code == "SignatureDoesNotMatch":
        _, marker, server_string = server_message.rpartition("string to sign is:")
        if marker and server_string.strip() == string_to_sign:
            code = "InvalidAccessKeySecret"  # same string signed: only the secret differs
    # Every throttling signal of Alibaba Cloud gateways: HTTP 429, a throttling code, or
    # any code with ``Throttling`` in it (``Concurrency.Throttling``...), as
    # terraform-provider-alicloud's ``NeedRetry`` reads them.
    throttled = status == 429 or "Throttling" in code or code.startswith(THROTTLING_CODES)
    spec = api.error(code) or _unlisted(code, status, throttled,
                                        redaction.scrub(server_message) or "no message")
    who = ""
    if spec.kind is errors.AccessDeniedError \
            or code == getattr(api, "invited_accepted_code", None):
        who = f" AccessKeyId {creds.access_key_id} (from {creds.source})."
    shown_code, shown_id = redaction.scrub(code), redaction.scrub(request_id or "none")
    message = (
        f"{api.action} {_asked(api, object_id)} failed: {shown_code} (HTTP {status}, "
        f"request id {shown_id}): {spec.message.rstrip('.')}.{who} To fix: {spec.advice}."
    )
    transient = throttled or spec.transient
    return Failure(spec.kind, message, code, status, request_id, transient,
                   answer.retry_after if transient else None)


def _unlisted(code: str, status: int, throttled: bool, text: str) -> ErrorSpec:
    """How a code no error table lists reads (``text``: the server's message): a
    throttling signal is the gateway's ``Throttling``; a 5xx or another transient code
    is unavailable; else the code's prefix, then the HTTP status, tell the kind."""
    if throttled:
        return replace(COMMON_ERRORS["Throttling"], code=code, http_status=status,
                       message=text)
    if status >= 500 or code.startswith(TRANSIENT_CODE_PREFIXES):
        kind: type[errors.AlireadError] = errors.ServiceUnavailableError
    elif code.startswith(("Forbidden", "NoPermission", "InvalidAccessKey",
                          "InvalidSecurityToken")):
        kind = errors.AccessDeniedError
    elif code.startswith(("InvalidParameter", "MissingParameter")):
        kind = errors.InvalidInputError
    else:
        kind = {403: errors.AccessDeniedError, 404: errors.NotFoundError,
                409: errors.ConflictError}.get(status, errors.ApiError)
    return ErrorSpec(code, status, text, kind, {
        errors.ServiceUnavailableError: "retry later",
        errors.AccessDeniedError: "check the credentials and their RAM permissions",
        errors.NotFoundError: "check the id, the region and the account",
        errors.InvalidInputError: "check the id and options",
        errors.ConflictError: "check the object's state in the console",
    }.get(kind, "see the API's error center page for this code, with the request id"))


def _asked(api: Operation, object_id: str) -> str:
    """What was asked for, as messages name it: ``<id_param>=<id>``, or a list's
    parameters (``<name>=<value> ...``)."""
    id_param = getattr(api, "id_param", None)
    return f"{id_param}={object_id}" if id_param else object_id


def _foreign_answer(api: Operation, object_id: str, answer: Answer,
                    base_url: str) -> Failure:
    """An answer that is not an Alibaba Cloud error body: a proxy's, a load balancer's,
    a web server's, a redirect. Name the endpoint and the status, never blame the id."""
    status = answer.status
    what = f"{api.action} {object_id}: {base_url} answered HTTP {status}"
    if 300 <= status < 400:
        where = redaction.scrub(answer.location) if answer.location else "no Location"
        return Failure(
            errors.ApiError,
            f"{what}, a redirect to {where}, which is not followed (a signed request is "
            "only sent where it was meant to go). Check the endpoint setting: set it to "
            "the API's own address (https://host).",
            f"HTTP{status}", status, answer.request_id,
        )
    detail = f"{what} without an Alibaba Cloud error body (no JSON \"Code\")"
    if status == 429 or status >= 500:
        return Failure(
            errors.ServiceUnavailableError,
            f"{detail}: the service or a gateway in front of it is busy or failing. Retry "
            "later; if it persists, check the endpoint setting.",
            f"HTTP{status}", status, answer.request_id, True, answer.retry_after,
        )
    return Failure(
        errors.ApiError,
        f"{detail}: this is not the API's own answer (a proxy, a gateway or a web server "
        "at that address). Check the endpoint setting and any proxy in between.",
        f"HTTP{status}", status, answer.request_id,
    )
