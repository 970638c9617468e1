"""Each API this library reads, described once, as data.

Everything else (client, schemas, Pulumi resources, functions, CLI, emulator) works from
these descriptions; adding a third API is one more ``ApiSpec`` plus its schema.
Facts here come from the API reference pages in ``shared/seeds/``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import errors
from .results import GetHandshakeResult, GetJoinPermissionAuthOrderResult, Result
from .states import AUTH_ORDER_STATES, HANDSHAKE_STATUSES

if TYPE_CHECKING:
    from . import schemas

# Mapping from an error class to whether a retry may help.
_TRANSIENT = (errors.ServiceUnavailableError,)


@dataclass(frozen=True)
class ErrorSpec:
    """One error code an API may answer with: its HTTP status, message and meaning."""

    code: str
    http_status: int
    message: str
    kind: type[errors.AlireadError]
    advice: str
    # True when every read with the same credentials would fail the same way (a wrong or
    # expired key, a missing RAM permission for the action), not just this object's.
    credentials_wide: bool = False

    @property
    def transient(self) -> bool:
        return issubclass(self.kind, _TRANSIENT)


@dataclass(frozen=True)
class ApiSpec:
    """One read-only RPC API: where it lives, what it takes, what it answers."""

    name: str  # the CLI's word for it
    title: str  # how messages name the object
    product: str
    action: str
    version: str
    known_versions: tuple[str, ...]
    endpoint_template: str  # "{region}" is replaced by the region
    default_region: str
    id_param: str  # the request parameter
    id_keyword: str  # the Python keyword
    id_rule: str  # said to users when an id is refused
    id_pattern: re.Pattern[str]
    id_max_length: int
    response_key: str  # the object inside the envelope
    # The marshmallow schema class's name in schemas.py: imported on first use (``schema``),
    # since marshmallow's import (~60 ms) is not needed to parse a command line.
    schema_name: str
    result_type: type[Result]
    state_field: str  # attribute of the result holding the state
    states: tuple[str, ...]
    terminal_states: tuple[str, ...]  # states an object never leaves
    success_states: tuple[str, ...]
    expect_keyword: str
    endpoint_setting: str  # aliread:<key> and the env variable's stem
    endpoint_env: str
    success_flag: bool  # the envelope carries "Success"
    error_table: Mapping[str, ErrorSpec] = field(default_factory=dict)
    # An error code that, answered to the invited account, means the object reached its
    # first success state (GetHandshake: 409 HandshakeStatusMismatch once accepted).
    invited_accepted_code: str | None = None
    # Result fields a table shows between the id and the state (``aliread -o table``);
    # empty: the first three fields of the result other than id, state and request id.
    summary_fields: tuple[str, ...] = ()

    @property
    def schema(self) -> type[schemas.ObjectSchema]:
        """The marshmallow schema class of the object in the answer."""
        from . import schemas

        schema: type[schemas.ObjectSchema] = getattr(schemas, self.schema_name)
        return schema

    @property
    def id_field(self) -> str:
        return self.id_keyword

    def endpoint_for(self, region: str) -> str:
        return self.endpoint_template.format(region=region)

    def error(self, code: str) -> ErrorSpec | None:
        return self.error_table.get(code) or COMMON_ERRORS.get(code)

    def validate_id(self, value: object) -> str:
        """Return ``value`` if it can be an id of this API, else raise InvalidInputError."""
        what = f"{self.id_keyword} for {self.action}"
        if value is None:
            raise errors.InvalidInputError(f"{what} is missing: pass {self.id_rule}.")
        if not isinstance(value, str):
            raise errors.InvalidInputError(
                f"{what} must be a string, got {type(value).__name__}: pass {self.id_rule}."
            )
        if value == "":
            raise errors.InvalidInputError(f"{what} is empty: pass {self.id_rule}.")
        if len(value) > self.id_max_length:
            raise errors.InvalidInputError(
                f"{what} is {len(value)} characters long, more than {self.id_max_length}: "
                f"pass {self.id_rule}."
            )
        if not self.id_pattern.fullmatch(value):
            raise errors.InvalidInputError(
                f"{what} {_shown(value)} is not a valid id: pass {self.id_rule}."
            )
        return value

    def validate_states(self, expected: object) -> tuple[str, ...]:
        """Normalize an expectation (one state or several) and refuse unknown states."""
        if expected is None:
            return ()
        values = [expected] if isinstance(expected, str) else expected
        try:
            values = list(values)  # type: ignore[call-overload]
        except TypeError:
            raise errors.InvalidInputError(
                f"{self.expect_keyword} must be a state or a list of states, "
                f"got {type(expected).__name__}: use {_one_of(self.states)}."
            ) from None
        if not values:
            raise errors.InvalidInputError(
                f"{self.expect_keyword} is an empty list: give at least one of "
                f"{_one_of(self.states)}, or leave it out."
            )
        for value in values:
            if value not in self.states:
                hint = _case_hint(value, self.states)
                raise errors.InvalidInputError(
                    f"{self.expect_keyword} {_shown(value)} is not a state of the "
                    f"{self.title}: use {_one_of(self.states)}{hint}."
                )
        return tuple(dict.fromkeys(values))

    def validate_version(self, version: object) -> str:
        if version is None:
            return self.version
        if version not in self.known_versions:
            raise errors.InvalidInputError(
                f"api_version {_shown(version)} is not a known {self.product} API version: "
                f"use {_one_of(self.known_versions)}."
            )
        return str(version)


def _shown(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


def _one_of(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]


def _case_hint(value: object, states: tuple[str, ...]) -> str:
    if isinstance(value, str):
        for state in states:
            if state.lower() == value.lower():
                return f" (states are case-sensitive: did you mean {state!r}?)"
    return ""


def _errors(*specs: ErrorSpec) -> dict[str, ErrorSpec]:
    return {spec.code: spec for spec in specs}


E = ErrorSpec
_CHECK_KEYS = (
    "check the AccessKey pair (alicloud:accessKey / ALIBABA_CLOUD_ACCESS_KEY_ID and its secret)"
)

# Answers of Alibaba Cloud's API gateway, common to every RPC product.
COMMON_ERRORS: Mapping[str, ErrorSpec] = _errors(
    E("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found.",
      errors.AccessDeniedError, f"the AccessKeyId is unknown: {_CHECK_KEYS}",
      credentials_wide=True),
    E("InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled.",
      errors.AccessDeniedError, "the AccessKey is disabled: enable it in the RAM console "
      "or use another", credentials_wide=True),
    E("InvalidAccessKeySecret", 400, "The AccessKeySecret is incorrect.",
      errors.AccessDeniedError, f"the AccessKey secret is wrong for this AccessKeyId: "
      f"{_CHECK_KEYS}", credentials_wide=True),
    E("SignatureDoesNotMatch", 400,
      "Specified signature is not matched with our calculation.",
      errors.AccessDeniedError, f"the request signature was refused: {_CHECK_KEYS}",
      credentials_wide=True),
    E("IncompleteSignature", 400, "The request signature does not conform to Aliyun standards.",
      errors.AccessDeniedError, "the request was not signed as the API expects: report this "
      "as a bug of pulumi-aliread", credentials_wide=True),
    E("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired.",
      errors.AccessDeniedError, "this machine's clock is more than 15 minutes off: "
      "synchronize it (NTP)", credentials_wide=True),
    E("SignatureNonceUsed", 400, "Specified signature nonce was used already.",
      errors.ServiceUnavailableError, "retry the read"),
    E("MissingSecurityToken", 400, "SecurityToken is mandatory for this action.",
      errors.AccessDeniedError, "this AccessKeyId is an STS key: also set the STS token "
      "(alicloud:securityToken / ALIBABA_CLOUD_SECURITY_TOKEN)", credentials_wide=True),
    E("InvalidSecurityToken.Expired", 400, "Specified SecurityToken is expired.",
      errors.AccessDeniedError, "the STS token has expired: fetch a new one (AssumeRole) "
      "and set it with its AccessKey pair", credentials_wide=True),
    E("InvalidSecurityToken.Malformed", 400, "Specified SecurityToken is malformed.",
      errors.AccessDeniedError, "the STS token is not a valid token: set the whole token "
      "returned by AssumeRole", credentials_wide=True),
    E("InvalidSecurityToken.MismatchWithAccessKey", 400,
      "Specified SecurityToken mismatch with the AccessKey.",
      errors.AccessDeniedError, "the STS token belongs to another AccessKey pair: set the "
      "pair and token returned by the same AssumeRole call", credentials_wide=True),
    E("Forbidden.RAM", 403, "User not authorized to operate on the specified resource.",
      errors.AccessDeniedError, "grant the RAM identity permission for this action",
      credentials_wide=True),
    E("NoPermission", 403, "You are not authorized to do this action.",
      errors.AccessDeniedError, "grant the RAM identity permission for this action",
      credentials_wide=True),
    E("InvalidVersion", 400, "Specified parameter Version is not valid.",
      errors.InvalidInputError, "use a known api_version"),
    E("InvalidAction.NotFound", 404, "Specified api is not found, please check your url "
      "and method.", errors.InvalidInputError, "check api_version and the endpoint: this "
      "endpoint does not serve the action"),
    E("Throttling", 400, "Request was denied due to request throttling.",
      errors.ServiceUnavailableError, "lower the request rate (--concurrency) and retry later"),
    E("Throttling.User", 400, "Request was denied due to user flow control.",
      errors.ServiceUnavailableError, "lower the request rate (--concurrency) and retry later"),
    E("Throttling.Api", 400, "Request was denied due to api flow control.",
      errors.ServiceUnavailableError, "lower the request rate (--concurrency) and retry later"),
    E("ServiceUnavailable", 503, "The request has failed due to a temporary failure of "
      "the server.", errors.ServiceUnavailableError, "retry later"),
    E("InternalError", 500, "The request processing has failed due to some unknown error.",
      errors.ServiceUnavailableError, "retry later; if it persists, open a ticket with the "
      "request id"),
    E("UnknownError", 500, "The request processing has failed due to some unknown error.",
      errors.ServiceUnavailableError, "retry later; if it persists, open a ticket with the "
      "request id"),
)

HANDSHAKE = ApiSpec(
    name="handshake",
    title="resource-directory invitation",
    product="ResourceManager",
    action="GetHandshake",
    version="2020-03-31",
    known_versions=("2020-03-31",),
    endpoint_template="resourcemanager.aliyuncs.com",
    default_region="cn-hangzhou",
    id_param="HandshakeId",
    id_keyword="handshake_id",
    # The reference page: "h-" and 16 digits or letters (InvalidParameter.HandshakeId).
    id_rule="an invitation id: 'h-' followed by 16 letters or digits, "
            "e.g. 'h-ycm4rp3z8b1xq9vk'",
    id_pattern=re.compile(r"h-[A-Za-z0-9]{16}", re.ASCII),
    id_max_length=64,
    response_key="Handshake",
    schema_name="HandshakeSchema",
    result_type=GetHandshakeResult,
    state_field="status",
    states=HANDSHAKE_STATUSES,
    terminal_states=("Accepted", "Declined", "Cancelled", "Expired", "Deleted"),
    success_states=("Accepted",),
    expect_keyword="expected_status",
    endpoint_setting="resourcemanagerEndpoint",
    endpoint_env="ALIREAD_RESOURCEMANAGER_ENDPOINT",
    success_flag=False,
    error_table=_errors(
        E("MissingParameter.HandshakeId", 400, "You must specify HandshakeId.",
          errors.InvalidInputError, "pass the invitation id (handshake_id)"),
        E("InvalidParameter.HandshakeId", 400, "The HandshakeId is invalid.",
          errors.InvalidInputError, "an invitation id is 'h-' followed by 16 letters or "
          "digits: copy it from the Resource Management console"),
        E("EntityNotExists.Handshake", 404, "The specified handshake does not exist.",
          errors.NotFoundError, "check the id, and that the credentials belong to the "
          "management account that sent the invitation or to the invited account"),
        E("HandshakeStatusMismatch", 409, "The invitation is invalid.",
          errors.ConflictError, "the invitation is no longer Pending. If these are the "
          "invited account's credentials, this is how the API answers an accepted "
          "invitation (the invited account can no longer read it); otherwise it was "
          "declined, cancelled or has expired. To tell which, read it with the "
          "management account's credentials, which still see its status. A gate run by "
          "the invited account can count this answer as accepted "
          "(mismatch_means_accepted=True in Python, --invited-account on the command "
          "line)"),
        E("MissingAccountRealName", 409, "The name of the invited account is not specified.",
          errors.ConflictError, "the invited account has no name: complete its account "
          "information"),
        E("NoRealNameAuthentication", 409,
          "The account invited has not passed real-name authentication.",
          errors.ConflictError, "the invited account must pass real-name authentication "
          "first"),
    ),
    invited_accepted_code="HandshakeStatusMismatch",
    summary_fields=("target_entity", "master_account_name", "expire_time"),
)

AUTH_ORDER = ApiSpec(
    name="auth-order",
    title="LinkWAN join-permission authorization order",
    product="LinkWAN",
    action="GetJoinPermissionAuthOrder",
    version="2018-12-30",
    known_versions=("2018-12-30", "2019-03-01"),
    endpoint_template="linkwan.{region}.aliyuncs.com",
    default_region="cn-shanghai",
    id_param="OrderId",
    id_keyword="order_id",
    id_rule="an authorization order id: printable characters without spaces, e.g. '123'",
    id_pattern=re.compile(r"[!-~]+", re.ASCII),
    id_max_length=64,
    response_key="Data",
    schema_name="AuthOrderSchema",
    result_type=GetJoinPermissionAuthOrderResult,
    state_field="order_state",
    states=AUTH_ORDER_STATES,
    terminal_states=("ACCEPTED", "REJECTED", "CANCELED"),
    success_states=("ACCEPTED",),
    expect_keyword="expected_state",
    endpoint_setting="linkwanEndpoint",
    endpoint_env="ALIREAD_LINKWAN_ENDPOINT",
    success_flag=True,
    error_table=_errors(
        E("ForbiddenByRam", 400, "User not authorized to operate on the specified resource, "
          "or this API does not support RAM.", errors.AccessDeniedError,
          "grant the RAM identity linkwan:GetJoinPermissionAuthOrder", credentials_wide=True),
        E("ForbiddenByRiskControl", 400,
          "This operation cannot be performed because of security risks.",
          errors.AccessDeniedError, "the account is held by risk control: contact Alibaba "
          "Cloud support"),
        E("InternalError", 400, "The request processing has failed due to some unknown "
          "error, exception or failure.", errors.ServiceUnavailableError,
          "retry later; if it persists, open a ticket with the request id"),
        E("NonExistent", 400, "The specified resource does not exist.",
          errors.NotFoundError, "check the order id and the region (the order lives in "
          "one LinkWAN region)"),
        E("NotResourceOwner", 400, "You are not authorized to use this resource.",
          errors.AccessDeniedError, "read the order with the credentials of its owner or "
          "its renter"),
    ),
    summary_fields=("join_permission_id", "owner_aliyun_id", "renter_aliyun_id"),
)

APIS: Mapping[str, ApiSpec] = {api.name: api for api in (HANDSHAKE, AUTH_ORDER)}
BY_ACTION: Mapping[str, ApiSpec] = {api.action: api for api in APIS.values()}

# Throttling as Alibaba Cloud gateways signal it (besides HTTP 429, whatever the code):
# Throttling, Throttling.User/.Api/.Resource..., TooManyRequests (the API gateway's, with
# x-acs-retry-after in milliseconds), RequestThrottled, Throttled, Request.Throttled.
THROTTLING_CODES = ("Throttling", "TooManyRequests", "RequestThrottled", "Throttled",
                    "Request.Throttled", "FlowControl")
# Codes whose meaning is "try again": retried by the client, whatever their HTTP status.
TRANSIENT_CODE_PREFIXES = (*THROTTLING_CODES, "ServiceUnavailable")
