"""Shared pieces of the Pulumi tests: stack config pointing at the emulator, and the
seed objects as the library's outputs should show them."""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    Emulator,
)
from pulumi_aliread.testing.emulator import SEED_DATA_PATH


def stack_config(emulator: Emulator, **extra: str) -> dict[str, str]:
    """Stack config that points both APIs at the emulator, with keys in ``alicloud:*``."""
    config = {
        "aliread:resourcemanagerEndpoint": emulator.url,
        "aliread:linkwanEndpoint": emulator.url,
        "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
        "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
    }
    config.update(extra)
    return config


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def seed_outputs(kind: str, object_id: str) -> dict[str, Any]:
    """The seed object ``object_id`` (``handshakes`` / ``auth_orders``), snake_cased."""
    data = json.loads(SEED_DATA_PATH.read_text(encoding="utf-8"))
    key = "HandshakeId" if kind == "handshakes" else "OrderId"
    (obj,) = [o for o in data[kind] if o[key] == object_id]
    return {_snake(name): value for name, value in obj.items()}


SEED_HANDSHAKE = seed_outputs("handshakes", SEED_HANDSHAKE_ID)
SEED_ORDER = seed_outputs("auth_orders", SEED_ORDER_ID)
