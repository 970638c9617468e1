"""The state values each operation documents (its state field's enum in ``apis``), by
name, for callers that want them without the specs (the emulator's command line)."""

from __future__ import annotations

from .apis import AUTH_ORDER, HANDSHAKE

# GetHandshake's state field.
HANDSHAKE_STATUSES: tuple[str, ...] = HANDSHAKE.states
# GetJoinPermissionAuthOrder's state field.
AUTH_ORDER_STATES: tuple[str, ...] = AUTH_ORDER.states
