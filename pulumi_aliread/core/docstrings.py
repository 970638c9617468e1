"""Parameter and exception text shared by the public docstrings (one wording, kept in
one place). ``documented`` fills a docstring's ``{placeholder}`` lines with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

# Each entry: lines of "name (type, unit): meaning. Default: ..." with wrapped lines
# indented by four spaces; ``documented`` indents them as the placeholder is.
TEXT = {
    "region": """\
region (str, optional): region id such as ``cn-shanghai``. Default: Pulumi
    config ``aliread:region`` / ``alicloud:region``, then ``ALIBABA_CLOUD_REGION_ID``
    / ``ALICLOUD_REGION``, then ``cn-hangzhou`` (ResourceManager) / ``cn-shanghai``
    (LinkWAN).""",
    "rm_endpoint": """\
endpoint (str, optional): a host (https) or a URL such as ``http://127.0.0.1:8080``.
    Default: Pulumi config ``aliread:resourcemanagerEndpoint``, then
    ``ALIREAD_RESOURCEMANAGER_ENDPOINT``, then ``resourcemanager.aliyuncs.com``.""",
    "lw_endpoint": """\
endpoint (str, optional): a host (https) or a URL such as ``http://127.0.0.1:8080``.
    Default: Pulumi config ``aliread:linkwanEndpoint``, then
    ``ALIREAD_LINKWAN_ENDPOINT``, then ``linkwan.<region>.aliyuncs.com``.""",
    "api_version": """\
api_version (str, optional): the LinkWAN API version, ``2018-12-30`` (default) or
    ``2019-03-01``.""",
    "expected_status": """\
expected_status (str or list of str, optional): the statuses that count as
    success: ``Pending``, ``Accepted``, ``Declined``, ``Cancelled``, ``Expired``,
    ``Deleted`` (case-sensitive). Default: None, any status passes.""",
    "expected_state": """\
expected_state (str or list of str, optional): the states that count as success:
    ``APPLYING``, ``ACCEPTED``, ``REJECTED``, ``CANCELED`` (case-sensitive).
    Default: None, any state passes.""",
    "tuning": """\
connect_timeout (float, seconds, optional): per attempt. Default: 5.
read_timeout (float, seconds, optional): per attempt. Default: 10.
max_attempts (int, optional): attempts at a transient failure. Default: 5.
deadline (float, seconds, optional): one read, all its attempts. Default: 60.
backoff_base (float, seconds, optional): the first retry pause (full jitter).
    Default: 0.2.
backoff_cap (float, seconds, optional): the longest retry pause. Default: 5.""",
    "insecure_http": """\
allow_insecure_http (bool, optional): read an ``http://`` endpoint that is not
    loopback, which is refused otherwise (the signed request and any STS token
    would travel in clear text); also Pulumi config ``aliread:allowInsecureHttp``
    and ``ALIREAD_ALLOW_INSECURE_HTTP``. Default: None (off).""",
    "raises": """\
InvalidInputError: a malformed id or option (refused before any request), half
    a key pair, or a parameter the API refused.
NotFoundError: no such object, or these credentials cannot see it.
AccessDeniedError: wrong, unknown or expired credentials, or a missing RAM
    permission; ``NoCredentialsError`` (a subclass) when no source has any.
ConflictError: the API refused because of the object's state (HTTP 409).
ServiceUnavailableError: throttling, server or network errors after every retry.
ResponseValidationError: the answer does not match the API reference.
ExpectationNotMetError: the object was read, but its state is not an expected one.
ApiError: an error code this library does not classify.""",
}

HANDSHAKE_FIELDS = """\
handshake_id (str): the invitation id, e.g. ``h-ycm4rp3z8b1xq9vk``.
resource_directory_id (str or None): the resource directory, e.g. ``rd-abcdef****``.
master_account_id (str or None): the management account's id.
master_account_name (str or None): the management account's name.
master_account_real_name (str or None): its real-name information (shown to the
    invited account only).
invited_account_real_name (str or None): the invited account's real-name
    information (shown to the invited account only).
target_entity (str or None): the invited account's id or login email.
target_type (str or None): ``Account`` or ``Email``.
note (str or None): the invitation's note.
status (str): ``Pending``, ``Accepted``, ``Declined``, ``Cancelled``, ``Expired``
    or ``Deleted``.
create_time (str or None): when it was created, ISO 8601 in UTC
    (``2018-08-10T09:55:41Z``).
modify_time (str or None): when it last changed, ISO 8601 in UTC.
expire_time (str or None): when it expires, ISO 8601 in UTC."""

AUTH_ORDER_FIELDS = """\
order_id (str): the order id, e.g. ``123``.
join_permission_id (str or None): the join permission it authorizes.
order_state (str): ``APPLYING``, ``ACCEPTED``, ``REJECTED`` or ``CANCELED``.
owner_aliyun_id (str or None): the permission owner's Alibaba Cloud account.
renter_aliyun_id (str or None): the renter's Alibaba Cloud account.
applying_millis (int or None): when it was applied for, in milliseconds since the
    epoch (1970-01-01 UTC).
accepted_millis (int or None): when it was accepted, milliseconds since the epoch.
rejected_millis (int or None): when it was rejected, milliseconds since the epoch.
canceled_millis (int or None): when it was canceled, milliseconds since the epoch."""

REQUEST_ID = """\
request_id (str or None): the id of the API answer, for support requests."""

TEXT.update(handshake_fields=HANDSHAKE_FIELDS, auth_order_fields=AUTH_ORDER_FIELDS,
            request_id=REQUEST_ID)

_PLACEHOLDER = re.compile(r"^( *)\{(\w+)\}$", re.M)


def documented(obj: F) -> F:
    """Replace each line of ``obj.__doc__`` that is only ``{name}`` by ``TEXT[name]``,
    indented as that line."""
    if obj.__doc__:
        obj.__doc__ = _PLACEHOLDER.sub(
            lambda m: "\n".join(m.group(1) + line for line in TEXT[m.group(2)].splitlines()),
            obj.__doc__,
        )
    return obj
