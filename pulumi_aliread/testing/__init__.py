"""Test helpers: an embedded fake of both Alibaba Cloud APIs (``Emulator``).

Everything here is imported lazily, so ``import pulumi_aliread.testing`` stays light
(no Pulumi, no HTTP server) until a name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .emulator import (
        DEFAULT_ACCESS_KEY_ID,
        DEFAULT_ACCESS_KEY_SECRET,
        INVITED_ACCESS_KEY_ID,
        INVITED_ACCESS_KEY_SECRET,
        INVITED_ACCOUNT_ID,
        MANAGEMENT_ACCOUNT_ID,
        SEED_HANDSHAKE_ID,
        SEED_ORDER_ID,
        STS_ACCESS_KEY_ID,
        STS_ACCESS_KEY_SECRET,
        STS_TOKEN,
        Emulator,
        Fault,
        RecordedRequest,
        Shift,
    )
    from .mocks import UNKNOWN, ProviderMocks

# public name -> (module inside this package, attribute)
_LAZY: dict[str, tuple[str, str]] = {
    "Emulator": ("emulator", "Emulator"),
    "Fault": ("emulator", "Fault"),
    "RecordedRequest": ("emulator", "RecordedRequest"),
    "Shift": ("emulator", "Shift"),
    "MANAGEMENT_ACCOUNT_ID": ("emulator", "MANAGEMENT_ACCOUNT_ID"),
    "INVITED_ACCOUNT_ID": ("emulator", "INVITED_ACCOUNT_ID"),
    "DEFAULT_ACCESS_KEY_ID": ("emulator", "DEFAULT_ACCESS_KEY_ID"),
    "DEFAULT_ACCESS_KEY_SECRET": ("emulator", "DEFAULT_ACCESS_KEY_SECRET"),
    "INVITED_ACCESS_KEY_ID": ("emulator", "INVITED_ACCESS_KEY_ID"),
    "INVITED_ACCESS_KEY_SECRET": ("emulator", "INVITED_ACCESS_KEY_SECRET"),
    "STS_ACCESS_KEY_ID": ("emulator", "STS_ACCESS_KEY_ID"),
    "STS_ACCESS_KEY_SECRET": ("emulator", "STS_ACCESS_KEY_SECRET"),
    "STS_TOKEN": ("emulator", "STS_TOKEN"),
    "SEED_HANDSHAKE_ID": ("emulator", "SEED_HANDSHAKE_ID"),
    "SEED_ORDER_ID": ("emulator", "SEED_ORDER_ID"),
    "ProviderMocks": ("mocks", "ProviderMocks"),
    "UNKNOWN": ("mocks", "UNKNOWN"),
}

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "INVITED_ACCESS_KEY_ID",
    "INVITED_ACCESS_KEY_SECRET",
    "INVITED_ACCOUNT_ID",
    "MANAGEMENT_ACCOUNT_ID",
    "SEED_HANDSHAKE_ID",
    "SEED_ORDER_ID",
    "STS_ACCESS_KEY_ID",
    "STS_ACCESS_KEY_SECRET",
    "STS_TOKEN",
    "Emulator",
    "Fault",
    "RecordedRequest",
    "Shift",
    "ProviderMocks",
    "UNKNOWN",
]


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
