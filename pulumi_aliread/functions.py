"""Invoke-style reads, in the shape of pulumi-alicloud's generated functions.

``get_handshake`` and ``get_join_permission_auth_order`` read now and return a frozen
result; the ``*_output`` variants (in ``outputs.py``) take Pulumi ``Input``s.

This module does not import Pulumi: plain Python and CI scripts use it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import client
from .apis import AUTH_ORDER, HANDSHAKE
from .results import GetHandshakeResult, GetJoinPermissionAuthOrderResult

if TYPE_CHECKING:
    import pulumi

States = str | Sequence[str] | None

TUNING = """Optional keywords of every read:
connect_timeout (s, default 5), read_timeout (s, default 10), max_attempts (default 5),
deadline (s, overall, default 60), backoff_base (s, default 0.2), backoff_cap (s, default 5),
allow_insecure_http (default False: an ``http://`` endpoint to a host that is not loopback
is refused with ``InvalidInputError`` before anything is sent; also Pulumi config
``aliread:allowInsecureHttp`` and ``ALIREAD_ALLOW_INSECURE_HTTP``).
``opts`` is accepted for compatibility with pulumi-alicloud's generated functions and
otherwise unused: these reads call the cloud API directly, not through the Pulumi engine.
"""


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
    opts: pulumi.InvokeOptions | None = None,
) -> GetHandshakeResult:
    """Read a resource-directory invitation (ResourceManager ``GetHandshake``).

    ``expected_status``: a status or a list of them; when the live status is not among
    them, ``ExpectationNotMetError`` is raised. Timeouts, retries and ``opts``: see
    ``TUNING``.
    """
    check_opts("get_handshake", opts)
    return client.read(
        HANDSHAKE,
        handshake_id,
        region=region,
        endpoint=endpoint,
        expected=expected_status,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
        deadline=deadline,
        backoff_base=backoff_base,
        backoff_cap=backoff_cap,
        allow_insecure_http=allow_insecure_http,
    )


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
    """Read a LinkWAN join-permission authorization order (``GetJoinPermissionAuthOrder``).

    ``expected_state``: a state or a list of them; when the live state is not among
    them, ``ExpectationNotMetError`` is raised. Timeouts, retries and ``opts``: see
    ``TUNING``.
    """
    check_opts("get_join_permission_auth_order", opts)
    return client.read(
        AUTH_ORDER,
        order_id,
        region=region,
        endpoint=endpoint,
        api_version=api_version,
        expected=expected_state,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
        deadline=deadline,
        backoff_base=backoff_base,
        backoff_cap=backoff_cap,
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
