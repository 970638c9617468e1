"""Read-only Pulumi resources: ``Handshake`` and ``JoinPermissionAuthOrder``.

Each is registered as a read of an existing object (``ResourceOptions(id=...)``), so the
engine reads it on every ``pulumi preview`` and ``pulumi up`` and never creates, updates
or deletes anything. When the id is unknown during a preview, the outputs are unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from ..core.apis import AUTH_ORDER, HANDSHAKE, ApiSpec
from ..core.docstrings import documented
from ..core.spec import LONG
from ..core.validation import (
    is_plain,
    normalize_expected,
    validate_mismatch_means_accepted,
    validate_plain,
)
from .provider import ReadOnlyProvider
from .resource_outputs import HandshakeOutputs, JoinPermissionAuthOrderOutputs

StatesInput = pulumi.Input[str] | Sequence[pulumi.Input[str]] | None
MISMATCH_KEY = "mismatch_means_accepted"


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
        if is_plain(options.get(MISMATCH_KEY)):
            validate_mismatch_means_accepted(api, options.get(MISMATCH_KEY))
        props: dict[str, Any] = dict.fromkeys(api.result_type.output_names())
        props.update({key: value for key, value in options.items() if value is not None})
        if expected is not None:
            props[api.expect_keyword] = normalize_expected(api, expected)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=object_id))
        super().__init__(ReadOnlyProvider(api.name), resource_name, props, opts)
        # Numbers cross the Pulumi wire as floats: give integer outputs back as int.
        for field in api.fields:
            if field.type == LONG:
                self.__dict__[field.name] = self.__dict__[field.name].apply(_as_int)


def _as_int(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


@documented
class Handshake(_ReadResource, HandshakeOutputs, module="aliread", name="Handshake"):
    """A resource-directory invitation, read with ResourceManager ``GetHandshake``.

    Read-only: the engine reads it on every ``pulumi preview``, ``up`` and ``refresh``,
    and never creates, changes or deletes it. The read, and so the preview, fails when
    the live status is not among ``expected_status``.

    Outputs (``pulumi.Output`` attributes; ``None`` where the API left a field out):
        {handshake_fields}
    """

    _api = HANDSHAKE

    @documented
    def __init__(
        self,
        resource_name: str,
        handshake_id: pulumi.Input[str],
        *,
        region: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        expected_status: StatesInput = None,
        allow_insecure_http: bool | None = None,
        mismatch_means_accepted: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Read the invitation ``handshake_id`` as the resource ``resource_name``.

        Args:
            resource_name (str): the resource's name in the stack.
            handshake_id (pulumi.Input[str]): the invitation id: ``h-`` followed by
                letters and digits, e.g. ``h-ycm4rp3z8b1xq9vk``; may be another
                resource's Output.
            {region}
            {rm_endpoint}
            {expected_status}
            {insecure_http}
            mismatch_means_accepted (pulumi.Input[bool], optional): for a gate run with
                the *invited* account's credentials: its HTTP 409
                ``HandshakeStatusMismatch`` answer counts as ``Accepted`` (``status`` is
                ``"Accepted"``, every other output None), as for ``get_handshake``.
                Default: None (off).
            opts (pulumi.ResourceOptions, optional): as for any resource; ``id`` is
                set from ``handshake_id``. Default: None.

        Raises:
            InvalidInputError: a known id or option is malformed (at once, before any
                request).
            The read's own errors (``NotFoundError``, ``AccessDeniedError``,
            ``ExpectationNotMetError``...) fail the preview or update.
        """
        super().__init__(
            resource_name,
            handshake_id,
            expected=expected_status,
            options={"region": region, "endpoint": endpoint,
                     "allow_insecure_http": allow_insecure_http,
                     MISMATCH_KEY: mismatch_means_accepted},
            opts=opts,
        )


@documented
class JoinPermissionAuthOrder(_ReadResource, JoinPermissionAuthOrderOutputs,
                              module="aliread", name="JoinPermissionAuthOrder"):
    """A LinkWAN join-permission authorization order (``GetJoinPermissionAuthOrder``).

    Read-only: the engine reads it on every ``pulumi preview``, ``up`` and ``refresh``,
    and never creates, changes or deletes it. The read, and so the preview, fails when
    the live state is not among ``expected_state``.

    Outputs (``pulumi.Output`` attributes; ``None`` where the API left a field out):
        {auth_order_fields}
    """

    _api = AUTH_ORDER

    @documented
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
        """Read the authorization order ``order_id`` as the resource ``resource_name``.

        Args:
            resource_name (str): the resource's name in the stack.
            order_id (pulumi.Input[str]): the order id, digits, e.g. ``123``; may be
                another resource's Output.
            {region}
            {lw_endpoint}
            {api_version}
            {expected_state}
            {insecure_http}
            opts (pulumi.ResourceOptions, optional): as for any resource; ``id`` is
                set from ``order_id``. Default: None.

        Raises:
            InvalidInputError: a known id or option is malformed (at once, before any
                request).
            The read's own errors (``NotFoundError``, ``AccessDeniedError``,
            ``ExpectationNotMetError``...) fail the preview or update.
        """
        super().__init__(
            resource_name,
            order_id,
            expected=expected_state,
            options={"region": region, "endpoint": endpoint, "api_version": api_version,
                     "allow_insecure_http": allow_insecure_http},
            opts=opts,
        )


__all__ = ["Handshake", "JoinPermissionAuthOrder"]
