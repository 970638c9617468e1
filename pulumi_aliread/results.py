"""Frozen result objects: what a read hands to programs, once validated."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Result:
    """Base of the result objects."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class GetHandshakeResult(Result):
    """A resource-directory invitation, as ``GetHandshake`` returned it."""

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
        return self.handshake_id


@dataclass(frozen=True, slots=True, kw_only=True)
class GetJoinPermissionAuthOrderResult(Result):
    """A LinkWAN join-permission authorization order, as the API returned it."""

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
        return self.order_id
