"""The exceptions pulumi_aliread raises: one base class, one subclass per thing a user
acts on differently.

Every error carries ``code``, ``http_status`` and ``request_id`` (``None`` when the error
did not come from an API answer), and its message ends with what to do next. An error of
a read that reached the network also says how it ended: ``attempts`` (requests sent) and
``stop_reason`` (``"permanent"``: not retryable; ``"max_attempts"``: every attempt failed
transiently; ``"deadline"``: no retry fitted in the read's deadline).

An error's text (``message``, ``code``, ``request_id``) is made safe to print here, once,
whatever it came from (a server's code, message or request id, an id the user gave, an
OS error): a control character a terminal would act on (an escape sequence, a bidi
override) is kept as a visible escape (``\\x1b``, ``\\u202e``), not acted on.
"""

from __future__ import annotations

from typing import ClassVar

from .core.redaction import printable

#: The values of ``AlireadError.stop_reason``.
STOP_REASONS = ("permanent", "max_attempts", "deadline")


class AlireadError(Exception):
    """Base class of every error raised by pulumi_aliread.

    Attributes:
        message (str): the whole message (what went wrong, then what to do).
        code (str | None): the API's error code, or this library's (``NoCredentials``,
            ``ResponseValidationError``...); None when neither applies.
        http_status (int | None): the answer's HTTP status; None without an answer.
        request_id (str | None): the answer's request id, for Alibaba Cloud support.
        attempts (int | None): how many requests the read sent; None when it sent none
            (refused before any request).
        stop_reason (str | None): why the read stopped trying, one of ``STOP_REASONS``;
            None when it sent no request.
    """

    default_code: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
        attempts: int | None = None,
        stop_reason: str | None = None,
    ) -> None:
        message = printable(message)
        super().__init__(message)
        self.message = message
        code = code if code is not None else self.default_code
        self.code = None if code is None else printable(code)
        self.http_status = http_status
        self.request_id = None if request_id is None else printable(request_id)
        self.attempts = attempts
        self.stop_reason = stop_reason

    def __str__(self) -> str:
        return self.message

    def reword(self, message: str) -> AlireadError:
        """Give this error ``message`` instead (an entry point's words for the same error:
        the plugin's input names, the command's options, the page it failed on); returns
        the error."""
        message = printable(message)
        self.message = message
        self.args = (message,)
        return self


class InvalidInputError(AlireadError, ValueError):
    """An id or option is malformed (refused before any request), or the API said so.
    A locally refused input has the code ``InvalidInput`` (an API's refusal, its own)."""

    default_code = "InvalidInput"


class NotFoundError(AlireadError):
    """The object does not exist, or is not visible to these credentials."""


class AccessDeniedError(AlireadError):
    """The credentials are unknown, wrong, expired or lack the permission."""


class NoCredentialsError(AccessDeniedError):
    """No source of credentials had any: not the Pulumi config, not the environment,
    not the default credential chain (CLI profile, ECS RAM role, OIDC role).
    ``code`` is ``NoCredentials``."""

    default_code = "NoCredentials"


class ConflictError(AlireadError):
    """The API refused because of the object's state (HTTP 409)."""


class ServiceUnavailableError(AlireadError):
    """Throttled, a server error, or a network failure that outlived every retry."""


class TlsVerificationError(AlireadError):
    """The endpoint's TLS certificate did not verify: a wrong endpoint, an intercepting
    proxy, or a private CA missing from the CA bundle (``ALIBABA_CLOUD_CA_BUNDLE``).
    Permanent: the request is not retried."""


class ResponseValidationError(AlireadError):
    """The API answered, but the answer is not what its reference page specifies."""

    default_code = "ResponseValidationError"


class ExpectationNotMetError(AlireadError):
    """The object was read, but its state is not one of the expected ones."""


class ApiError(AlireadError):
    """An error answer from the API whose code this library does not classify."""


class NotReadError(AlireadError):
    """``aliread`` did not read this id: the run was refused for bad input elsewhere, or
    stopped after a credential error. ``code`` is ``NotRead``."""


class WaitTimeoutError(AlireadError):
    """``aliread --wait`` ran out of ``--timeout`` before the object reached an expected
    state. ``code`` is ``WaitTimeout``; ``request_id`` is that of the last read."""


__all__ = [
    "STOP_REASONS",
    "AlireadError",
    "InvalidInputError",
    "NotFoundError",
    "AccessDeniedError",
    "NoCredentialsError",
    "ConflictError",
    "ServiceUnavailableError",
    "TlsVerificationError",
    "ResponseValidationError",
    "ExpectationNotMetError",
    "ApiError",
    "NotReadError",
    "WaitTimeoutError",
]
