"""Invoke-style reads, in the shape of pulumi-alicloud's generated functions.

``get_handshake`` and ``get_join_permission_auth_order`` read now and return a frozen
result; the ``*_output`` variants (in ``outputs.py``) take Pulumi ``Input``s.

This module does not import Pulumi: plain Python and CI scripts use it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core import client, paging
from ..core.apis import AUTH_ORDER, HANDSHAKE, LIST_HANDSHAKES, LISTS
from ..core.docstrings import documented
from ..core.options import ReadOptions
from ..core.results import (
    GetHandshakeResult,
    GetHandshakesResult,
    GetJoinPermissionAuthOrderResult,
)
from ..core.settings import ConfigLookup

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


@documented
def get_handshakes(
    status: States = None,
    ids: States = None,
    target_entity: str | None = None,
    invited_account: bool = False,
    with_details: bool = False,
    expected_status: States = None,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    max_items: int = paging.MAX_ITEMS,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    allow_insecure_http: bool | None = None,
    opts: pulumi.InvokeOptions | None = None,
) -> GetHandshakesResult:
    """List resource-directory invitations now (ResourceManager
    ``ListHandshakesForResourceDirectory``, or ``ListHandshakesForAccount``), every
    page, then keep those that pass the filters.

    Pages of 100 (the most the API allows) are read until the total the API reports is
    in or a page comes back short, each through the retry policy, all within one
    ``deadline``. When that total moves between two pages (the list changed while it
    was read) the listing starts over, at most three times. Facts: the API reference
    pages of both actions (pages numbered from 1, 1 to 100 a page, no filter
    parameter).

    Args:
        status (str or list of str, optional): keep the invitations in one of these
            statuses (``Pending``, ``Accepted``, ``Declined``, ``Cancelled``,
            ``Expired``, ``Deleted``; case-sensitive). Default: None, any.
        ids (str or list of str, optional): keep these invitation ids (``h-`` followed by
            16 letters or digits). Default: None, any.
        target_entity (str, optional): keep the invitations sent to this account id or
            login email (exact match). Default: None, any.
        invited_account (bool, optional): list with ``ListHandshakesForAccount``, the
            invitations sent to the calling account (the invited account's own view, with
            its credentials). Default: False, ``ListHandshakesForResourceDirectory``, the
            management account's view of its resource directory.
        with_details (bool, optional): read each listed invitation (after the filters)
            with ``GetHandshake``, at most the client's ``max_concurrent_reads`` (32) at
            once, for the fields list answers lack (the real-name fields). In the invited
            view, an invitation the API hides from the invited account once accepted
            (HTTP 409 ``HandshakeStatusMismatch``) keeps its listed row. Default: False.
        {expected_status}
            Every listed invitation (after the filters) must be in one of them.
        {region}
        {rm_endpoint}
        max_items (int, optional): the most invitations this call reads; a list that
            reports more fails with ``ApiError`` (code ``TooManyItems``) after its first
            page. Default: 10 000 (100 pages).
        {tuning}
            ``deadline`` bounds the whole listing, every page and detail read included.
        {insecure_http}
        opts (pulumi.InvokeOptions, optional): accepted as in pulumi-alicloud, unused.
            Default: None.

    Returns:
        GetHandshakesResult: ``handshakes`` (tuple of ``GetHandshakeResult``, in the
        API's order; the real-name fields None unless ``with_details``), ``ids``,
        ``total_count`` (the API's total, before filtering) and ``request_ids``
        (one per page).

    Raises:
        {raises}
        ApiError: code ``TooManyItems``, more than ``max_items`` invitations.
        ServiceUnavailableError: also code ``ListChanging``, the list kept changing
            while it was read (four listings), or ``DeadlineExceeded``.
        ExpectationNotMetError: names every listed invitation not in an expected state.
        TypeError: ``opts`` is not a ``pulumi.InvokeOptions``.
    """
    check_opts("get_handshakes", opts)
    return list_handshakes(
        client.default_client(), status=status, ids=ids, target_entity=target_entity,
        invited_account=invited_account, with_details=with_details,
        expected_status=expected_status, max_items=max_items, region=region,
        endpoint=endpoint, allow_insecure_http=allow_insecure_http,
        options=ReadOptions.of(
            connect_timeout=connect_timeout, read_timeout=read_timeout, deadline=deadline,
            max_attempts=max_attempts, backoff_base=backoff_base, backoff_cap=backoff_cap,
        ),
    )


def list_handshakes(
    reader: client.Client, *, status: object = None, ids: object = None,
    target_entity: object = None, invited_account: object = False,
    with_details: object = False, expected_status: object = None, max_items: object = None,
    config: ConfigLookup | None = None, options: ReadOptions | None = None, **keywords: Any,
) -> GetHandshakesResult:
    """``get_handshakes`` with ``reader`` (and Pulumi ``config``): every input checked
    before the first request (InvalidInputError, ``paging.prepare``), then
    ``paging.read_list``."""
    request = paging.prepare(
        LIST_HANDSHAKES.views(LISTS), status=status, ids=ids, target_entity=target_entity,
        invited_account=invited_account, with_details=with_details,
        expected_status=expected_status, max_items=max_items)
    result: GetHandshakesResult = paging.read_list(
        reader, request.spec, filters=request.filters, with_details=request.with_details,
        max_items=request.max_items, config=config, options=options, **keywords,
    )
    return result


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
