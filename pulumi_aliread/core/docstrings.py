"""Parameter and exception text shared by the public docstrings (one wording, kept in
one place), and each operation's field list (from ``apis``). ``documented`` fills a
docstring's ``{placeholder}`` lines with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from .results import FIELD_DOCS

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

REQUEST_ID = """\
request_id (str or None): the id of the API answer, for support requests."""

# The field lists of each operation's result and resource, generated from its spec:
# ``{handshake_fields}``, ``{auth_order_fields}``.
TEXT.update({f"{name.replace('-', '_')}_fields": text for name, text in FIELD_DOCS.items()})
TEXT["request_id"] = REQUEST_ID

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
