"""The state values each API documents (its reference page's enum), in the page's order.

Below both ``apis`` (which describes each API with them, and is imported by ``aliread
--help``) and ``schemas`` (which validates answers against them, with marshmallow):
neither needs the other for these, and ``--help`` loads no marshmallow.
"""

from __future__ import annotations

# GetHandshake: Handshake.Status.
HANDSHAKE_STATUSES = ("Pending", "Accepted", "Declined", "Cancelled", "Expired", "Deleted")
# GetJoinPermissionAuthOrder: Data.OrderState.
AUTH_ORDER_STATES = ("APPLYING", "ACCEPTED", "REJECTED", "CANCELED")
