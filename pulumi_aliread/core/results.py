"""Frozen result objects: what a read hands to programs, once validated.

Each is also a read-only ``Mapping`` of its snake_case fields (``request_id`` included),
so Pulumi serializes one like a dict, and ``pulumi.export("invite",
get_handshake_output(...))`` exports ``{"handshake_id": ..., "status": ..., ...}`` (the
fields that are not ``None``). Attribute access is the usual way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..pulumi.compat import export_as_object
from .docstrings import documented


@dataclass(frozen=True, slots=True)
class Result(Mapping[str, Any]):
    """Base of the result objects."""

    def __getitem__(self, key: str) -> Any:
        if key not in self._field_names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._field_names())

    def __len__(self) -> int:
        return len(self._field_names())

    def __contains__(self, key: object) -> bool:
        return key in self._field_names()

    @classmethod
    def _field_names(cls) -> tuple[str, ...]:
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
        return names

    def to_dict(self, *, include_request_id: bool = True) -> dict[str, Any]:
        """The result as a plain dict of snake_case keys (JSON-ready)."""
        data = asdict(self)
        if not include_request_id:
            data.pop("request_id", None)
        return data

    @classmethod
    def output_names(cls) -> tuple[str, ...]:
        """The attributes a Pulumi resource exposes (all but ``request_id``)."""
        return tuple(f.name for f in fields(cls) if f.name != "request_id")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@export_as_object
@documented
@dataclass(frozen=True, slots=True, kw_only=True)
class GetHandshakeResult(Result):
    """A resource-directory invitation, as ``GetHandshake`` returned it (frozen).

    Attributes (``None`` where the API left a field out):
        {handshake_fields}
        {request_id}
    """

    handshake_id: str
    resource_directory_id: str | None = None
    master_account_id: str | None = None
    master_account_name: str | None = None
    master_account_real_name: str | None = None
    invited_account_real_name: str | None = None
    target_entity: str | None = None
    target_type: str | None = None
    note: str | None = None
    status: str
    create_time: str | None = None
    modify_time: str | None = None
    expire_time: str | None = None
    request_id: str | None = None

    @property
    def id(self) -> str:
        """The invitation id (``handshake_id``)."""
        return self.handshake_id


@export_as_object
@documented
@dataclass(frozen=True, slots=True, kw_only=True)
class GetJoinPermissionAuthOrderResult(Result):
    """A LinkWAN join-permission authorization order, as ``GetJoinPermissionAuthOrder``
    returned it (frozen).

    Attributes (``None`` where the API left a field out):
        {auth_order_fields}
        {request_id}
    """

    order_id: str
    join_permission_id: str | None = None
    order_state: str
    owner_aliyun_id: str | None = None
    renter_aliyun_id: str | None = None
    applying_millis: int | None = None
    accepted_millis: int | None = None
    rejected_millis: int | None = None
    canceled_millis: int | None = None
    request_id: str | None = None

    @property
    def id(self) -> str:
        """The order id (``order_id``)."""
        return self.order_id
