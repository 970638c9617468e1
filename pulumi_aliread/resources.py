"""Read-only Pulumi resources: ``Handshake`` and ``JoinPermissionAuthOrder``.

Each is registered as a read of an existing object (``ResourceOptions(id=...)``), so the
engine reads it on every ``pulumi preview`` and ``pulumi up`` and never creates, updates
or deletes anything. When the id is unknown during a preview, the outputs are unknown.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from .apis import AUTH_ORDER, HANDSHAKE, ApiSpec
from .provider import ReadOnlyProvider, normalize_expected, validate_plain
from .results import Result

StatesInput = pulumi.Input[str] | Sequence[pulumi.Input[str]] | None


class _ReadResource(pulumi.dynamic.Resource):
    """A dynamic resource that reads one object of ``_api`` by id."""

    _api: ClassVar[ApiSpec]

    def __init__(
        self,
        resource_name: str,
        object_id: pulumi.Input[str],
        *,
        expected: Any,
        options: dict[str, Any],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        api = self._api
        validate_plain(api, object_id, expected, options)  # known values: refused now
        props: dict[str, Any] = dict.fromkeys(api.result_type.output_names())
        props.update({key: value for key, value in options.items() if value is not None})
        if expected is not None:
            props[api.expect_keyword] = normalize_expected(api, expected)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=object_id))
        super().__init__(ReadOnlyProvider(api.name), resource_name, props, opts)
        # Numbers cross the Pulumi wire as floats: give integer outputs back as int.
        for name in _integer_fields(api.result_type):
            self.__dict__[name] = self.__dict__[name].apply(_as_int)


@cache
def _integer_fields(result_type: type[Result]) -> tuple[str, ...]:
    hints = typing.get_type_hints(result_type)
    return tuple(
        name for name in result_type.output_names()
        if hints[name] is int or int in typing.get_args(hints[name])
    )


def _as_int(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


class Handshake(_ReadResource, module="aliread", name="Handshake"):
    """A resource-directory invitation, read with ResourceManager ``GetHandshake``.

    ``expected_status``: a status or a list of them (``Pending``, ``Accepted``,
    ``Declined``, ``Cancelled``, ``Expired``, ``Deleted``); the read, and so the
    preview, fails when the live status is not among them. ``allow_insecure_http``: read
    an ``http://`` endpoint that is not loopback (refused otherwise; also Pulumi config
    ``aliread:allowInsecureHttp``).
    """

    _api = HANDSHAKE

    handshake_id: pulumi.Output[str]
    resource_directory_id: pulumi.Output[str | None]
    master_account_id: pulumi.Output[str | None]
    master_account_name: pulumi.Output[str | None]
    master_account_real_name: pulumi.Output[str | None]
    invited_account_real_name: pulumi.Output[str | None]
    target_entity: pulumi.Output[str | None]
    target_type: pulumi.Output[str | None]
    note: pulumi.Output[str | None]
    status: pulumi.Output[str]
    create_time: pulumi.Output[str | None]
    modify_time: pulumi.Output[str | None]
    expire_time: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        handshake_id: pulumi.Input[str],
        *,
        region: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        expected_status: StatesInput = None,
        allow_insecure_http: bool | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            resource_name,
            handshake_id,
            expected=expected_status,
            options={"region": region, "endpoint": endpoint,
                     "allow_insecure_http": allow_insecure_http},
            opts=opts,
        )


class JoinPermissionAuthOrder(_ReadResource, module="aliread", name="JoinPermissionAuthOrder"):
    """A LinkWAN join-permission authorization order (``GetJoinPermissionAuthOrder``).

    ``expected_state``: a state or a list of them (``APPLYING``, ``ACCEPTED``,
    ``REJECTED``, ``CANCELED``); the read, and so the preview, fails when the live
    state is not among them. Times are milliseconds since the epoch.
    """

    _api = AUTH_ORDER

    order_id: pulumi.Output[str]
    join_permission_id: pulumi.Output[str | None]
    order_state: pulumi.Output[str]
    owner_aliyun_id: pulumi.Output[str | None]
    renter_aliyun_id: pulumi.Output[str | None]
    applying_millis: pulumi.Output[int | None]
    accepted_millis: pulumi.Output[int | None]
    rejected_millis: pulumi.Output[int | None]
    canceled_millis: pulumi.Output[int | None]

    def __init__(
        self,
        resource_name: str,
        order_id: pulumi.Input[str],
        *,
        region: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        api_version: pulumi.Input[str] | None = None,
        expected_state: StatesInput = None,
        allow_insecure_http: bool | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            resource_name,
            order_id,
            expected=expected_state,
            options={"region": region, "endpoint": endpoint, "api_version": api_version,
                     "allow_insecure_http": allow_insecure_http},
            opts=opts,
        )


__all__ = ["Handshake", "JoinPermissionAuthOrder"]
