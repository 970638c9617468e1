"""pulumi_aliread: read Alibaba Cloud resource-directory invitations and LinkWAN
join-permission authorization orders from Pulumi programs, Python and CI.

Names are imported on first use, so ``import pulumi_aliread`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    AccessDeniedError,
    AlireadError,
    ApiError,
    ConflictError,
    ExpectationNotMetError,
    InvalidInputError,
    NoCredentialsError,
    NotFoundError,
    NotReadError,
    ResponseValidationError,
    ServiceUnavailableError,
    TlsVerificationError,
    WaitTimeoutError,
)

_LAZY = {
    "Client": "core.client",
    "Handshake": "pulumi.resources",
    "JoinPermissionAuthOrder": "pulumi.resources",
    "get_handshake": "pulumi.functions",
    "get_handshakes": "pulumi.functions",
    "get_join_permission_auth_order": "pulumi.functions",
    "get_handshake_output": "pulumi.outputs",
    "get_handshakes_output": "pulumi.outputs",
    "get_join_permission_auth_order_output": "pulumi.outputs",
    "GetHandshakeResult": "core.results",
    "GetHandshakesResult": "core.results",
    "GetJoinPermissionAuthOrderResult": "core.results",
    "ReadOptions": "core.options",
}

if TYPE_CHECKING:
    from .core.client import Client
    from .core.options import ReadOptions
    from .core.results import (
        GetHandshakeResult,
        GetHandshakesResult,
        GetJoinPermissionAuthOrderResult,
    )
    from .pulumi.functions import get_handshake, get_handshakes, get_join_permission_auth_order
    from .pulumi.outputs import (
        get_handshake_output,
        get_handshakes_output,
        get_join_permission_auth_order_output,
    )
    from .pulumi.resources import Handshake, JoinPermissionAuthOrder


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_aliread' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "AccessDeniedError",
    "AlireadError",
    "ApiError",
    "ConflictError",
    "ExpectationNotMetError",
    "InvalidInputError",
    "NoCredentialsError",
    "NotFoundError",
    "NotReadError",
    "ResponseValidationError",
    "ServiceUnavailableError",
    "WaitTimeoutError",
    "TlsVerificationError",
    "Handshake",
    "JoinPermissionAuthOrder",
    "get_handshake",
    "get_handshakes",
    "get_join_permission_auth_order",
    "get_handshake_output",
    "get_handshakes_output",
    "get_join_permission_auth_order_output",
    "GetHandshakeResult",
    "GetHandshakesResult",
    "GetJoinPermissionAuthOrderResult",
    "ReadOptions",
    "Client",
]
