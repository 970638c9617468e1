"""The one call path: validated input -> signed request -> retries -> errors -> result.

Requests are signed by aliyun-python-sdk-core's RPC signer (HMAC-SHA1) with exactly the
keys resolved by ``settings``; the SDK's client is not used, so its environment
override (``ALIYUN_ACCESS_KEY_ID``), ECS-only retries and DEBUG parameter logging do not
apply. Transient failures are retried as ``retries.RetryPolicy`` decides (exponential
backoff with full jitter, retry-after hints, attempt limit, deadline).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aliyunsdkcore.auth.algorithm import sha_hmac1
from aliyunsdkcore.auth.composer import rpc_signature_composer

from . import errors, redaction, schemas
from .apis import THROTTLING_CODES, TRANSIENT_CODE_PREFIXES, ApiSpec, ErrorSpec
from .bodies import BodyTooLarge, UndecodableBody
from .options import ReadOptions
from .retries import RetryPolicy
from .settings import CallSettings, ConfigLookup, Credentials, resolve, resolve_credentials
from .transport import Answer, TransportFailure, transport_for
from .validation import validate_id, validate_mismatch_means_accepted, validate_states

log = logging.getLogger("pulumi_aliread")
redaction.protect_logger("pulumi_aliread")


@dataclass
class RetryMetrics:
    """Process-wide counters, for the reliability report and benchmarks."""

    requests: int = 0
    retries: int = 0
    backoff_seconds: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, requests: int = 0, retries: int = 0, backoff: float = 0.0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.backoff_seconds += backoff

    def reset(self) -> None:
        with self._lock:
            self.requests, self.retries, self.backoff_seconds = 0, 0, 0.0


METRICS = RetryMetrics()


class _Transient(Exception):
    """One attempt failed in a way a retry may cure; ``error`` is what users get if not.
    ``retry_after``: seconds the server asked to wait (a throttling hint), or None."""

    def __init__(self, error: errors.AlireadError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


def read(
    api: ApiSpec,
    object_id: object,
    *,
    expected: object = None,
    config: ConfigLookup | None = None,
    mismatch_means_accepted: bool | None = None,
    options: ReadOptions | None = None,
    **keywords: Any,
) -> Any:
    """Read one object of ``api``; validate everything before the first request.

    ``options``: the timeouts and retry knobs (default ``ReadOptions()``). ``keywords``
    are those of ``settings.resolve``: region, endpoint, api_version,
    allow_insecure_http, and (overriding ``options``' fields) ``connect_timeout=``...
    ``mismatch_means_accepted``: see ``invited_view``.
    """
    object_id = validate_id(api, object_id)
    expected_states = validate_states(api, expected)
    accept_mismatch = validate_mismatch_means_accepted(api, mismatch_means_accepted)
    settings = resolve(api, config=config, options=options, **keywords)
    try:
        result = fetch(api, object_id, settings, resolve_credentials(config))
    except errors.ConflictError as error:
        result = invited_view(api, object_id, error) if accept_mismatch else None
        if result is None:
            raise
    check_expectation(api, result, expected_states)
    return result


def invited_view(api: ApiSpec, object_id: str, error: errors.AlireadError) -> Any | None:
    """What a gate run by the invited account counts ``error`` as: for the answer that
    means "accepted" to that account (GetHandshake: HTTP 409 HandshakeStatusMismatch), a
    result in ``api``'s first success state carrying only the id, the state and the
    answer's request id (every other field None: the API did not send them); None for
    any other error."""
    if api.invited_accepted_code is None or error.code != api.invited_accepted_code:
        return None
    return api.result_type(**{  # type: ignore[call-arg]
        api.id_keyword: object_id,
        api.state_field: api.success_states[0],
        "request_id": error.request_id,
    })


def check_expectation(api: ApiSpec, result: Any, expected: Iterable[str], *,
                      command_line: bool = False) -> None:
    """Raise ExpectationNotMetError when ``result``'s state is not among ``expected``.

    The advice fits the state: a final state will not change (create a new object, or
    change the expectation); another one may (wait). ``command_line`` names the
    ``aliread`` options (``--wait``, ``--expect``) instead of the Python keyword.
    """
    expected = tuple(expected)
    state = getattr(result, api.state_field)
    if expected and state not in expected:
        wanted = " or ".join(expected)
        change = "--expect" if command_line else f"{api.expect_keyword}="
        if state in api.terminal_states:
            situation = " (a final state: it will not change)"
            advice = f"Create a new {api.title}, or change the expectation ({change})."
        else:
            situation = ""
            wait = " (--wait)" if command_line else ""
            advice = f"Wait until it is {wanted}{wait}, or change the expectation ({change})."
        error = errors.ExpectationNotMetError(
            f"{api.title} {result.id} is {state}{situation}, expected {wanted} "
            f"({api.action}, request id {result.request_id}). {advice}",
            code="ExpectationNotMet",
            http_status=200,  # the answer itself was a good one
            request_id=result.request_id,
        )
        error.result = result  # type: ignore[attr-defined]
        error.state = state  # type: ignore[attr-defined]
        error.expected = expected  # type: ignore[attr-defined]
        raise error


def fetch(api: ApiSpec, object_id: str, settings: CallSettings, creds: Credentials) -> Any:
    """Send the signed request, retrying transient failures; return the result object.

    Raises the ``AlireadError`` of the last attempt. It is raised from this small frame,
    with no traceback or context from the attempts: an error kept by the caller (the CLI
    keeps one per id) holds no frame of the attempt loop, whose locals (request, answer,
    retry state) would cost ~10 KB per failed read (measured: 10 000 ids not found took
    155 MB against 39 MB found).
    """
    outcome = _fetch(api, object_id, settings, creds)
    if isinstance(outcome, _Failed):
        raise _bare(outcome.error)
    return outcome


class _Failed:
    """A read that failed: its error, not raised yet."""

    __slots__ = ("error",)

    def __init__(self, error: errors.AlireadError) -> None:
        self.error = error


def _fetch(api: ApiSpec, object_id: str, settings: CallSettings, creds: Credentials) -> Any:
    transport = transport_for(settings.base_url, settings.ca_bundle)
    policy = RetryPolicy(settings.options)
    started = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        request = _Request(api, object_id, settings, creds, started)
        try:
            try:
                answer = transport.get(request.path, request.connect_timeout,
                                       request.read_timeout, request.deadline_at)
            except (TransportFailure, BodyTooLarge, UndecodableBody) as failed:
                raise request.failed(failed) from None
            return request.interpret(answer)
        except _Transient as transient:
            pause = policy.pause(attempts, started, transient.retry_after)
            if pause is None:
                return _Failed(_gave_up(transient.error, attempts, started))
        except errors.AlireadError as error:
            return _Failed(error)
        METRICS.add(retries=1, backoff=pause)
        time.sleep(pause)


async def fetch_async(
    api: ApiSpec, object_id: str, settings: CallSettings, creds: Credentials
) -> Any:
    """``fetch`` on the running event loop (no thread): the same signing, retries, errors
    and validation, over ``async_transport`` (direct connections; callers send reads that
    go through a proxy to ``fetch`` on a thread)."""
    outcome = await _fetch_async(api, object_id, settings, creds)
    if isinstance(outcome, _Failed):
        raise _bare(outcome.error)
    return outcome


async def _fetch_async(
    api: ApiSpec, object_id: str, settings: CallSettings, creds: Credentials
) -> Any:
    # Imported here: the CLI and blocking reads never load asyncio (~25 ms).
    import asyncio

    from .async_transport import async_transport_for

    transport = async_transport_for(settings.base_url, settings.ca_bundle)
    policy = RetryPolicy(settings.options)
    started = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        request = _Request(api, object_id, settings, creds, started)
        try:
            try:
                answer = await transport.get(request.path, request.connect_timeout,
                                             request.read_timeout, request.deadline_at)
            except (TransportFailure, BodyTooLarge, UndecodableBody) as failed:
                raise request.failed(failed) from None
            return request.interpret(answer)
        except _Transient as transient:
            pause = policy.pause(attempts, started, transient.retry_after)
            if pause is None:
                return _Failed(_gave_up(transient.error, attempts, started))
        except errors.AlireadError as error:
            return _Failed(error)
        METRICS.add(retries=1, backoff=pause)
        await asyncio.sleep(pause)


def _bare(error: errors.AlireadError) -> errors.AlireadError:
    """``error`` without the traceback and context it was caught with."""
    error.__context__ = error.__cause__ = None
    error.__suppress_context__ = True
    return error.with_traceback(None)


def _gave_up(error: errors.AlireadError, attempts: int, started: float) -> errors.AlireadError:
    error.message = (
        f"{error.message} Gave up after {attempts} attempt(s) in "
        f"{time.monotonic() - started:.1f} s."
    )
    error.args = (error.message,)
    return error


class _Request:
    """One attempt: the signed path and timeouts going out, the answer's meaning coming
    back (the same for the blocking and the asyncio transport)."""

    def __init__(self, api: ApiSpec, object_id: str, settings: CallSettings,
                 creds: Credentials, started: float) -> None:
        self.api, self.object_id, self.settings, self.creds = api, object_id, settings, creds
        self.path, self.string_to_sign = _signed_path(api, object_id, settings, creds)
        METRICS.add(requests=1)
        # Every attempt ends by the read's deadline, connecting and reading included.
        options = settings.options
        self.deadline_at = started + options.deadline
        remaining = self.deadline_at - time.monotonic()
        self.read_timeout = max(0.05, min(options.read_timeout, remaining))
        self.connect_timeout = max(0.05, min(options.connect_timeout, remaining))
        self.sent = time.perf_counter()

    def failed(self, failure: TransportFailure | BodyTooLarge | UndecodableBody) -> Exception:
        """The exception for an attempt that got no usable answer."""
        api, object_id = self.api, self.object_id
        if isinstance(failure, BodyTooLarge):
            return errors.ResponseValidationError(
                f"{api.action} {object_id}: the answer is larger than 4 MiB (on the wire or "
                "decompressed), which no answer of this API is; nothing was returned. Check "
                "the endpoint setting."
            )
        if isinstance(failure, UndecodableBody):
            return errors.ResponseValidationError(
                f"{api.action} {object_id}: {redaction.scrub(str(failure))}, which this "
                "client did not ask for (it sends Accept-Encoding: identity) and cannot "
                f"decode; nothing was returned. Check the endpoint setting "
                f"({self.settings.base_url}) and any proxy or gateway that re-encodes answers."
            )
        if failure.permanent:
            return errors.TlsVerificationError(
                f"{api.action} {object_id}: could not connect securely to "
                f"{self.settings.base_url}: {failure.detail}. Nothing was sent; not retried.",
                code=failure.kind,
            )
        log.debug("%s %s: %s", api.action, object_id, failure)
        return _Transient(
            errors.ServiceUnavailableError(
                f"{api.action} {object_id}: could not get an answer from "
                f"{self.settings.base_url}: {failure.detail}. Check the network and the "
                "endpoint setting, or raise the timeouts.",
                code=failure.kind,
            )
        )

    def interpret(self, answer: Answer) -> Any:
        """The validated result of a good answer; raise for any other."""
        api, object_id = self.api, self.object_id
        log.debug(
            "%s %s -> HTTP %s in %.1f ms",
            api.action, object_id, answer.status, (time.perf_counter() - self.sent) * 1000,
        )
        if 200 <= answer.status < 300:
            payload = schemas.decode_body(answer.body, action=api.action,
                                          http_status=answer.status)
            if not (isinstance(payload, dict) and "Code" in payload
                    and api.response_key not in payload):
                return schemas.load_response(api, payload, requested_id=object_id)
        raise _api_error(api, object_id, answer, self.settings.base_url,
                         self.string_to_sign, self.creds)


def _signed_path(
    api: ApiSpec, object_id: str, settings: CallSettings, creds: Credentials
) -> tuple[str, str]:
    """The signed ``/?...`` path and the string that was signed.

    The parameters are those ``RpcRequest.get_url`` would sign; the SDK's RPC signer is
    called directly, since importing ``aliyunsdkcore.request`` also loads the SDK's
    vendored ``requests`` (20 ms on a program's first read, which no read here uses).
    """
    params = {api.id_param: object_id}
    if creds.security_token:
        params["SecurityToken"] = creds.security_token
    params.update(Version=settings.api_version, Action=api.action, Format="JSON",
                  RegionId=settings.region)
    path, string_to_sign = rpc_signature_composer.get_signed_url(
        params, creds.access_key_id, creds.access_key_secret, "JSON", "GET", {}, sha_hmac1
    )
    return path, string_to_sign


def _api_error(
    api: ApiSpec,
    object_id: str,
    answer: Answer,
    base_url: str,
    string_to_sign: str,
    creds: Credentials,
) -> errors.AlireadError | _Transient:
    """Turn an error answer into the right exception (wrapped in _Transient if retryable).

    Only what came from outside (the server's code, message and request id) is scrubbed
    of secrets: a secret that happens to be a word of the advice, or part of the
    AccessKeyId, must not blank them out.
    """
    status = answer.status
    payload: Any = None
    with contextlib.suppress(ValueError, RecursionError):
        payload = json.loads(answer.body.decode("utf-8"))
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
    spec = api.error(code)
    throttled = _is_throttling(code, status)
    kind = spec.kind if spec else _kind_by_status(code, status)
    text = spec.message if spec else (redaction.scrub(server_message) or "no message")
    advice = spec.advice if spec else _advice_by_kind(kind)
    if throttled and not spec:
        kind, advice = errors.ServiceUnavailableError, _THROTTLED_ADVICE
    who = ""
    if kind is errors.AccessDeniedError or code == api.invited_accepted_code:
        who = f" AccessKeyId {creds.access_key_id} (from {creds.source})."
    shown_code, shown_id = redaction.scrub(code), redaction.scrub(request_id or "none")
    message = (
        f"{api.action} {api.id_param}={object_id} failed: {shown_code} (HTTP {status}, "
        f"request id {shown_id}): {text.rstrip('.')}.{who} To fix: {advice}."
    )
    error = kind(message, code=code, http_status=status, request_id=request_id)
    if throttled or _is_transient(spec, code, status):
        return _Transient(error, answer.retry_after)
    return error


_THROTTLED_ADVICE = "lower the request rate (--concurrency) and retry later"


def _foreign_answer(api: ApiSpec, object_id: str, answer: Answer,
                    base_url: str) -> errors.AlireadError | _Transient:
    """An answer that is not an Alibaba Cloud error body: a proxy's, a load balancer's,
    a web server's, a redirect. Name the endpoint and the status, never blame the id."""
    status = answer.status
    what = f"{api.action} {object_id}: {base_url} answered HTTP {status}"
    if 300 <= status < 400:
        where = redaction.scrub(answer.location) if answer.location else "no Location"
        return errors.ApiError(
            f"{what}, a redirect to {where}, which is not followed (a signed request is "
            "only sent where it was meant to go). Check the endpoint setting: set it to "
            "the API's own address (https://host).",
            code=f"HTTP{status}", http_status=status, request_id=answer.request_id,
        )
    detail = f"{what} without an Alibaba Cloud error body (no JSON \"Code\")"
    if status == 429 or status >= 500:
        error = errors.ServiceUnavailableError(
            f"{detail}: the service or a gateway in front of it is busy or failing. Retry "
            "later; if it persists, check the endpoint setting.",
            code=f"HTTP{status}", http_status=status, request_id=answer.request_id,
        )
        return _Transient(error, answer.retry_after)
    return errors.ApiError(
        f"{detail}: this is not the API's own answer (a proxy, a gateway or a web server "
        "at that address). Check the endpoint setting and any proxy in between.",
        code=f"HTTP{status}", http_status=status, request_id=answer.request_id,
    )


def _is_throttling(code: str, status: int) -> bool:
    """Every throttling signal of Alibaba Cloud gateways: HTTP 429 or a throttling code."""
    return status == 429 or code.startswith(THROTTLING_CODES)


def _is_transient(spec: ErrorSpec | None, code: str, status: int) -> bool:
    if spec is not None:
        return spec.transient
    return status >= 500 or code.startswith(TRANSIENT_CODE_PREFIXES)


def _kind_by_status(code: str, status: int) -> type[errors.AlireadError]:
    if status >= 500 or code.startswith(TRANSIENT_CODE_PREFIXES):
        return errors.ServiceUnavailableError
    if code.startswith(("Forbidden", "NoPermission", "InvalidAccessKey", "InvalidSecurityToken")):
        return errors.AccessDeniedError
    if code.startswith(("InvalidParameter", "MissingParameter")):
        return errors.InvalidInputError
    return {
        403: errors.AccessDeniedError,
        404: errors.NotFoundError,
        409: errors.ConflictError,
    }.get(status, errors.ApiError)


def _advice_by_kind(kind: type[errors.AlireadError]) -> str:
    return {
        errors.ServiceUnavailableError: "retry later",
        errors.AccessDeniedError: "check the credentials and their RAM permissions",
        errors.NotFoundError: "check the id, the region and the account",
        errors.InvalidInputError: "check the id and options",
        errors.ConflictError: "check the object's state in the console",
    }.get(kind, "see the API's error center page for this code, with the request id")
