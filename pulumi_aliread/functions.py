"""Invoke-style reads, in the shape of pulumi-alicloud's generated functions.

``get_handshake`` and ``get_join_permission_auth_order`` read now and return a frozen
result; the ``*_output`` variants (in ``outputs.py``) take Pulumi ``Input``s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import client
from .apis import AUTH_ORDER, HANDSHAKE
from .results import GetHandshakeResult, GetJoinPermissionAuthOrderResult

States = str | Sequence[str] | None

TUNING = """Optional keywords of every read:
connect_timeout (s, default 5), read_timeout (s, default 10), max_attempts (default 5),
deadline (s, overall, default 60), backoff_base (s, default 0.2), backoff_cap (s, default 5).
"""


def get_handshake(
    handshake_id: str,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    expected_status: States = None,
    **tuning: Any,
) -> GetHandshakeResult:
    """Read a resource-directory invitation (ResourceManager ``GetHandshake``).

    ``expected_status``: a status or a list of them; when the live status is not among
    them, ``ExpectationNotMetError`` is raised. ``tuning``: see ``TUNING``.
    """
    return client.read(
        HANDSHAKE,
        handshake_id,
        region=region,
        endpoint=endpoint,
        expected=expected_status,
        **tuning,
    )


def get_join_permission_auth_order(
    order_id: str,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    api_version: str | None = None,
    expected_state: States = None,
    **tuning: Any,
) -> GetJoinPermissionAuthOrderResult:
    """Read a LinkWAN join-permission authorization order (``GetJoinPermissionAuthOrder``).

    ``expected_state``: a state or a list of them; when the live state is not among
    them, ``ExpectationNotMetError`` is raised. ``tuning``: see ``TUNING``.
    """
    return client.read(
        AUTH_ORDER,
        order_id,
        region=region,
        endpoint=endpoint,
        api_version=api_version,
        expected=expected_state,
        **tuning,
    )
