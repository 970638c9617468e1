"""Each operation this library reads, described once, as data.

An operation's entry names its product, action, versions, endpoint rule, request
parameters (an id, or paging), where its object(s) sit in the answer, every field (API
name, type, enum values, doc, who sees it), its final states and its error table. The
kinds are in ``spec``; what derives from these entries (marshmallow schemas, result
classes, the Pulumi functions and resources with their docstrings, the plugin's
``schema.json``, README's field tables) is built from them: at import (``schemas``) or
by ``python -m tools.codegen`` (committed files). This is
the only hand-written module that names a response field. Facts come from the API
reference pages (``shared/seeds/``; the list operations: ``shared/notes/
list-handshakes.md``), and are copied for the tests into ``tests/data``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .. import errors
from .spec import (
    ENUM,
    INVITED_ACCOUNT,
    LONG,
    STRING,
    TIME,
    ApiSpec,
    ErrorSpec,
    Field,
    ListSpec,
    Operation,
)


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
    pulumi_name="Handshake",
    product="ResourceManager",
    action="GetHandshake",
    version="2020-03-31",
    known_versions=("2020-03-31",),
    endpoint_template="resourcemanager.aliyuncs.com",
    default_region="cn-hangzhou",
    endpoint_setting="resourcemanagerEndpoint",
    endpoint_env="ALIREAD_RESOURCEMANAGER_ENDPOINT",
    success_flag=False,
    id_param="HandshakeId",
    id_keyword="handshake_id",
    # The reference page: "h-" and 16 digits or letters (InvalidParameter.HandshakeId).
    id_rule="an invitation id: 'h-' followed by 16 letters or digits, "
            "e.g. 'h-ycm4rp3z8b1xq9vk'",
    id_pattern=re.compile(r"h-[A-Za-z0-9]{16}", re.ASCII),
    id_max_length=64,
    response_key="Handshake",
    fields=(
        Field("HandshakeId", STRING, "The invitation id (`h-` followed by letters and "
              "digits).", required=True, example="h-ycm4rp3z8b1xq9vk"),
        Field("ResourceDirectoryId", STRING,
              "The resource directory the invitation belongs to.", example="rd-abcdef****"),
        Field("MasterAccountId", STRING, "The management account that sent the invitation."),
        Field("MasterAccountName", STRING, "The name of the management account."),
        Field("MasterAccountRealName", STRING, "The real name of the management account.",
              in_list=False, seen_by=INVITED_ACCOUNT),
        Field("InvitedAccountRealName", STRING, "The real name of the invited account.",
              in_list=False, seen_by=INVITED_ACCOUNT),
        Field("TargetEntity", STRING, "The invited account id or email address."),
        Field("TargetType", ENUM, "How the invited account is named: `Account` or `Email`.",
              values=("Account", "Email")),
        Field("Note", STRING, "The invitation's note."),
        # The page lists Pending..Expired; Terraform's and pulumi-alicloud's handshake
        # data sources also know Deleted.
        Field("Status", ENUM, "The invitation's status: Pending, Accepted, Declined, "
              "Cancelled, Expired or Deleted.", required=True,
              values=("Pending", "Accepted", "Declined", "Cancelled", "Expired", "Deleted")),
        Field("CreateTime", TIME, "When the invitation was created (UTC, ISO 8601)."),
        Field("ModifyTime", TIME, "When the invitation was last changed (UTC, ISO 8601)."),
        Field("ExpireTime", TIME, "When the invitation expires (UTC, ISO 8601)."),
    ),
    result_name="GetHandshakeResult",
    state_field="status",
    terminal_states=("Accepted", "Declined", "Cancelled", "Expired", "Deleted"),
    success_states=("Accepted",),
    expect_keyword="expected_status",
    common_errors=COMMON_ERRORS,
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
    pulumi_name="JoinPermissionAuthOrder",
    product="LinkWAN",
    action="GetJoinPermissionAuthOrder",
    version="2018-12-30",
    known_versions=("2018-12-30", "2019-03-01"),
    endpoint_template="linkwan.{region}.aliyuncs.com",
    default_region="cn-shanghai",
    endpoint_setting="linkwanEndpoint",
    endpoint_env="ALIREAD_LINKWAN_ENDPOINT",
    success_flag=True,
    id_param="OrderId",
    id_keyword="order_id",
    id_rule="an authorization order id: printable characters without spaces, e.g. '123'",
    id_pattern=re.compile(r"[!-~]+", re.ASCII),
    id_max_length=64,
    response_key="Data",
    fields=(
        Field("OrderId", STRING, "The authorization order id.", required=True,
              example="123"),
        Field("JoinPermissionId", STRING, "The join permission the order is for."),
        Field("OrderState", ENUM,
              "The order's state: APPLYING, ACCEPTED, REJECTED or CANCELED.", required=True,
              values=("APPLYING", "ACCEPTED", "REJECTED", "CANCELED")),
        Field("OwnerAliyunId", STRING,
              "The Alibaba Cloud account that owns the join permission."),
        Field("RenterAliyunId", STRING, "The Alibaba Cloud account that rents it."),
        Field("ApplyingMillis", LONG,
              "When the order was applied for (milliseconds since the epoch)."),
        Field("AcceptedMillis", LONG,
              "When the order was accepted (milliseconds since the epoch)."),
        Field("RejectedMillis", LONG,
              "When the order was rejected (milliseconds since the epoch)."),
        Field("CanceledMillis", LONG,
              "When the order was canceled (milliseconds since the epoch)."),
    ),
    result_name="GetJoinPermissionAuthOrderResult",
    state_field="order_state",
    terminal_states=("ACCEPTED", "REJECTED", "CANCELED"),
    success_states=("ACCEPTED",),
    expect_keyword="expected_state",
    common_errors=COMMON_ERRORS,
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

def _handshake_list(name: str, action: str, *, invited_view: bool) -> ListSpec:
    """ListHandshakesForResourceDirectory and ListHandshakesForAccount: the same
    request (PageNumber from 1; PageSize 1 to 100, default 10; no filter) and answer
    (``{"TotalCount": n, "Handshakes": {"Handshake": [...]}}``), rows without the
    real-name fields. The reference names no error code for an out-of-range page."""
    return ListSpec(
        name=name,
        title="resource-directory invitation",
        product="ResourceManager",
        action=action,
        version="2020-03-31",
        known_versions=("2020-03-31",),
        endpoint_template="resourcemanager.aliyuncs.com",
        default_region="cn-hangzhou",
        endpoint_setting="resourcemanagerEndpoint",
        endpoint_env="ALIREAD_RESOURCEMANAGER_ENDPOINT",
        success_flag=False,
        response_key="Handshakes",
        items_key="Handshake",
        total_key="TotalCount",
        page_number_param="PageNumber",
        page_size_param="PageSize",
        page_size_max=100,
        fields=HANDSHAKE.list_fields(),
        item=HANDSHAKE,
        result_name="GetHandshakesResult",
        pulumi_name="Handshakes",
        invited_view=invited_view,
        common_errors=COMMON_ERRORS,
        # Status and expiry first: which invitations still need someone, and until when.
        table_fields=("status", "expire_time", "handshake_id", "target_entity",
                      "master_account_name", "create_time"),
    )


# The invitations of the caller's resource directory: the management account's view.
LIST_HANDSHAKES = _handshake_list(
    "handshakes", "ListHandshakesForResourceDirectory", invited_view=False)
# The invitations sent to the calling account: the invited account's view.
LIST_HANDSHAKES_FOR_ACCOUNT = _handshake_list(
    "handshakes-for-account", "ListHandshakesForAccount", invited_view=True)

# The operations that read one object by id (the CLI's commands, the plugin's resources).
APIS: Mapping[str, ApiSpec] = {api.name: api for api in (HANDSHAKE, AUTH_ORDER)}
BY_ACTION: Mapping[str, ApiSpec] = {api.action: api for api in APIS.values()}
# The paged list operations.
LISTS: Mapping[str, ListSpec] = {
    spec.name: spec for spec in (LIST_HANDSHAKES, LIST_HANDSHAKES_FOR_ACCOUNT)
}
# Every operation, by action.
OPERATIONS: Mapping[str, Operation] = {
    **BY_ACTION, **{spec.action: spec for spec in LISTS.values()}
}

# Throttling as Alibaba Cloud gateways signal it (besides HTTP 429, whatever the code):
# Throttling, Throttling.User/.Api/.Resource..., TooManyRequests (the API gateway's, with
# x-acs-retry-after in milliseconds), RequestThrottled, Throttled, Request.Throttled.
THROTTLING_CODES = ("Throttling", "TooManyRequests", "RequestThrottled", "Throttled",
                    "Request.Throttled", "FlowControl")
# Codes whose meaning is "try again": retried by the client, whatever their HTTP status.
TRANSIENT_CODE_PREFIXES = (*THROTTLING_CODES, "ServiceUnavailable")
