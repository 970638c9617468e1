"""Invoke-style reads, in the shape of pulumi-alicloud's generated functions.

``get_handshake`` and ``get_join_permission_auth_order`` read now and return a frozen
result; the ``*_output`` variants (in ``outputs.py``) take Pulumi ``Input``s.

This module does not import Pulumi: plain Python and CI scripts use it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core import client
from ..core.apis import AUTH_ORDER, HANDSHAKE
from ..core.docstrings import documented
from ..core.options import ReadOptions
from ..core.results import GetHandshakeResult, GetJoinPermissionAuthOrderResult

if TYPE_CHECKING:
    import pulumi

States = str | Sequence[str] | None


@documented
def get_handshake(
    handshake_id: str,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    expected_status: States = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    allow_insecure_http: bool | None = None,
    mismatch_means_accepted: bool | None = None,
    opts: pulumi.InvokeOptions | None = None,
) -> GetHandshakeResult:
    """Read a resource-directory invitation now (ResourceManager ``GetHandshake``).

    Args:
        handshake_id (str): the invitation id: ``h-`` followed by 16 letters or digits,
            e.g. ``h-ycm4rp3z8b1xq9vk``.
        {region}
        {rm_endpoint}
        {expected_status}
        {tuning}
        {insecure_http}
        mismatch_means_accepted (bool, optional): for a gate run with the *invited*
            account's credentials. Once an invitation is accepted, GetHandshake answers
            that account HTTP 409 ``HandshakeStatusMismatch`` (``ConflictError``); with
            True, that answer counts as ``Accepted``: the result has
            ``status="Accepted"``, the id and the request id, every other field None.
            Leave it off with the management account's credentials, for which the answer
            means declined, cancelled or expired. Default: None (off).
        opts (pulumi.InvokeOptions, optional): accepted as in pulumi-alicloud, unused
            (the read calls the cloud API directly). Default: None.

    Returns:
        GetHandshakeResult: the invitation's fields and the answer's ``request_id``.

    Raises:
        {raises}
        TypeError: ``opts`` is not a ``pulumi.InvokeOptions``.
    """
    check_opts("get_handshake", opts)
    return client.read(
        HANDSHAKE,
        handshake_id,
        region=region,
        endpoint=endpoint,
        expected=expected_status,
        mismatch_means_accepted=mismatch_means_accepted,
        options=ReadOptions.of(
            connect_timeout=connect_timeout, read_timeout=read_timeout, deadline=deadline,
            max_attempts=max_attempts, backoff_base=backoff_base, backoff_cap=backoff_cap,
        ),
        allow_insecure_http=allow_insecure_http,
    )


@documented
def get_join_permission_auth_order(
    order_id: str,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    api_version: str | None = None,
    expected_state: States = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    allow_insecure_http: bool | None = None,
    opts: pulumi.InvokeOptions | None = None,
) -> GetJoinPermissionAuthOrderResult:
    """Read a LinkWAN join-permission authorization order now
    (``GetJoinPermissionAuthOrder``).

    Args:
        order_id (str): the order id, digits, e.g. ``123``.
        {region}
        {lw_endpoint}
        {api_version}
        {expected_state}
        {tuning}
        {insecure_http}
        opts (pulumi.InvokeOptions, optional): accepted as in pulumi-alicloud, unused
            (the read calls the cloud API directly). Default: None.

    Returns:
        GetJoinPermissionAuthOrderResult: the order's fields and the answer's
        ``request_id``.

    Raises:
        {raises}
        TypeError: ``opts`` is not a ``pulumi.InvokeOptions``.
    """
    check_opts("get_join_permission_auth_order", opts)
    return client.read(
        AUTH_ORDER,
        order_id,
        region=region,
        endpoint=endpoint,
        api_version=api_version,
        expected=expected_state,
        options=ReadOptions.of(
            connect_timeout=connect_timeout, read_timeout=read_timeout, deadline=deadline,
            max_attempts=max_attempts, backoff_base=backoff_base, backoff_cap=backoff_cap,
        ),
        allow_insecure_http=allow_insecure_http,
    )


def check_opts(function: str, opts: Any) -> None:
    """Refuse an ``opts`` that is not a ``pulumi.InvokeOptions`` (or a subclass such as
    ``InvokeOutputOptions``). Pulumi is imported only when ``opts`` is given."""
    if opts is None:
        return
    import pulumi

    if not isinstance(opts, pulumi.InvokeOptions):
        raise TypeError(
            f"{function}() opts must be a pulumi.InvokeOptions or None, "
            f"not {type(opts).__name__}"
        )
