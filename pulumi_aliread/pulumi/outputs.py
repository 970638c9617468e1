"""``get_handshake_output`` / ``get_join_permission_auth_order_output``: reads that take
Pulumi ``Input``s and return ``Output[Result]``.

The read itself (``core.read``) runs on the program's ``client.Client``, at most 32 at
once, and the program's loop awaits it. Identical reads (same API, id, settings and
credential sources) in one program share one request; each caller still settles its own
(invited view, expectation). A program run has its own client (``program_client``), so
the shared answers live as long as the program.
"""

from __future__ import annotations

import asyncio
import threading
import typing
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

import pulumi

from ..core import paging
from ..core.apis import AUTH_ORDER, HANDSHAKE, LIST_HANDSHAKES, ApiSpec
from ..core.client import MAX_CONCURRENT_READS as MAX_CONCURRENT_READS  # reads at once
from ..core.client import Client
from ..core.docstrings import documented
from ..core.options import NAMES as OPTION_NAMES
from ..core.read import Read, config_fingerprint, prepare, program_config, settle
from ..core.results import (
    GetHandshakeResult,
    GetHandshakesResult,
    GetJoinPermissionAuthOrderResult,
)
from ..core.validation import (
    is_plain,
    read_options,
    validate_mismatch_means_accepted,
    validate_plain,
)
from .compat import current_program, invoke_options_type
from .functions import check_opts, list_handshakes

States = pulumi.Input[str] | Sequence[pulumi.Input[str]] | None
if typing.TYPE_CHECKING:
    Options = pulumi.InvokeOutputOptions | pulumi.InvokeOptions | None
else:  # pulumi 3.139 has no InvokeOutputOptions
    Options = invoke_options_type()


@documented
def get_handshake_output(
    handshake_id: pulumi.Input[str],
    *,
    region: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
    expected_status: States = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    allow_insecure_http: bool | None = None,
    mismatch_means_accepted: bool | None = None,
    opts: Options = None,
) -> pulumi.Output[GetHandshakeResult]:
    """Read a resource-directory invitation (``GetHandshake``) once its inputs are known.

    Any argument may be a ``pulumi.Input``. Identical reads in one program share one API
    call.

    Args:
        handshake_id (pulumi.Input[str]): the invitation id, e.g. ``h-ycm4rp3z8b1xq9vk``.
        {region}
        {rm_endpoint}
        {expected_status}
        {tuning}
        {insecure_http}
        mismatch_means_accepted (pulumi.Input[bool], optional): as for ``get_handshake``,
            for a program run with the invited account's credentials. Default: None (off).
        opts (pulumi.InvokeOutputOptions, optional): ``depends_on`` is honoured (the read
            waits for those resources, and is unknown while one of them is); the other
            options are accepted and unused (the read calls the cloud API directly, not
            through the engine). Default: None.

    Returns:
        pulumi.Output[GetHandshakeResult]: the invitation's fields and ``request_id``.

    Raises:
        {raises}
        TypeError: ``opts`` is not a ``pulumi.InvokeOptions``.
        Errors of the read itself fail the Output (and so the preview or update).
    """
    check_opts("get_handshake_output", opts)
    return read_output(
        HANDSHAKE, _after(opts, handshake_id), expected=expected_status,
        mismatch_means_accepted=mismatch_means_accepted, region=region,
        endpoint=endpoint, connect_timeout=connect_timeout, read_timeout=read_timeout,
        max_attempts=max_attempts, deadline=deadline, backoff_base=backoff_base,
        backoff_cap=backoff_cap, allow_insecure_http=allow_insecure_http,
    )


@documented
def get_join_permission_auth_order_output(
    order_id: pulumi.Input[str],
    *,
    region: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
    api_version: pulumi.Input[str] | None = None,
    expected_state: States = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    allow_insecure_http: bool | None = None,
    opts: Options = None,
) -> pulumi.Output[GetJoinPermissionAuthOrderResult]:
    """Read a LinkWAN join-permission authorization order (``GetJoinPermissionAuthOrder``)
    once its inputs are known.

    Any argument may be a ``pulumi.Input``. Identical reads in one program share one API
    call.

    Args:
        order_id (pulumi.Input[str]): the order id, digits, e.g. ``123``.
        {region}
        {lw_endpoint}
        {api_version}
        {expected_state}
        {tuning}
        {insecure_http}
        opts (pulumi.InvokeOutputOptions, optional): ``depends_on`` is honoured; the other
            options are accepted and unused. Default: None.

    Returns:
        pulumi.Output[GetJoinPermissionAuthOrderResult]: the order's fields and
        ``request_id``.

    Raises:
        {raises}
        TypeError: ``opts`` is not a ``pulumi.InvokeOptions``.
        Errors of the read itself fail the Output (and so the preview or update).
    """
    check_opts("get_join_permission_auth_order_output", opts)
    return read_output(
        AUTH_ORDER, _after(opts, order_id), expected=expected_state, region=region,
        endpoint=endpoint, api_version=api_version, connect_timeout=connect_timeout,
        read_timeout=read_timeout, max_attempts=max_attempts, deadline=deadline,
        backoff_base=backoff_base, backoff_cap=backoff_cap,
        allow_insecure_http=allow_insecure_http,
    )


@documented
def get_handshakes_output(
    status: States = None,
    ids: States = None,
    target_entity: pulumi.Input[str] | None = None,
    invited_account: pulumi.Input[bool] = False,
    with_details: pulumi.Input[bool] = False,
    expected_status: States = None,
    *,
    region: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
    max_items: int = paging.MAX_ITEMS,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    allow_insecure_http: bool | None = None,
    opts: Options = None,
) -> pulumi.Output[GetHandshakesResult]:
    """List resource-directory invitations (``get_handshakes``) once the inputs are
    known; exportable whole (``pulumi.export("invites", result)``).

    Any argument but the timeouts and ``max_items`` may be a ``pulumi.Input``. The
    listing runs on a worker thread of the program's event loop, with the program's
    client and its Pulumi config.

    Args:
        status (pulumi.Input[str] or list, optional): as for ``get_handshakes``.
            Default: None.
        ids (pulumi.Input[str] or list, optional): as for ``get_handshakes``. Default:
            None.
        target_entity (pulumi.Input[str], optional): as for ``get_handshakes``. Default:
            None.
        invited_account (pulumi.Input[bool], optional): as for ``get_handshakes``.
            Default: False.
        with_details (pulumi.Input[bool], optional): as for ``get_handshakes``.
            Default: False.
        {expected_status}
        {region}
        {rm_endpoint}
        max_items (int, optional): as for ``get_handshakes``. Default: 10 000.
        {tuning}
        {insecure_http}
        opts (pulumi.InvokeOutputOptions, optional): ``depends_on`` is honoured (the
            listing waits for those resources); the other options are accepted and
            unused. Default: None.

    Returns:
        pulumi.Output[GetHandshakesResult]: the listed invitations, ``ids``,
        ``total_count`` and ``request_ids``.

    Raises:
        {raises}
        TypeError: ``opts`` is not a ``pulumi.InvokeOptions``.
        Errors of the listing itself fail the Output (and so the preview or update).
    """
    check_opts("get_handshakes_output", opts)
    inputs = {"status": status, "ids": ids, "target_entity": target_entity,
              "invited_account": invited_account, "with_details": with_details,
              "expected_status": expected_status, "region": region, "endpoint": endpoint}
    known = {name: value for name, value in inputs.items() if is_plain(value)}
    # What is known now is refused now (no request), as by the other reads.
    paging.validate_filters(LIST_HANDSHAKES, status=known.get("status"),
                            ids=known.get("ids"), target_entity=known.get("target_entity"),
                            expected_status=known.get("expected_status"))
    max_items = paging.validate_max_items(max_items)
    tuning = read_options(connect_timeout=connect_timeout, read_timeout=read_timeout,
                          max_attempts=max_attempts, deadline=deadline,
                          backoff_base=backoff_base, backoff_cap=backoff_cap)
    gate = _after(opts, "")

    async def listing(resolved: dict[str, Any]) -> GetHandshakesResult:
        resolved = dict(resolved)
        resolved.pop("gate")
        reader, config, _fingerprint = _PROGRAM.current()
        return await asyncio.to_thread(
            list_handshakes, reader, config=config, options=tuning, max_items=max_items,
            allow_insecure_http=allow_insecure_http, **resolved)

    return pulumi.Output.from_input({**inputs, "gate": gate}).apply(listing)


def _after(opts: Options, object_id: pulumi.Input[str]) -> pulumi.Input[str]:
    """``object_id``, held back until the resources of ``opts.depends_on`` are ready (a
    custom resource's id known, a component's URN): unknown while one is unknown."""
    depends_on = getattr(opts, "depends_on", None)
    if depends_on is None or depends_on == []:
        return object_id

    def gates(resources: Any) -> Any:  # an Output[list]: Any, as Output.apply's U
        items = list(resources) if isinstance(resources, Sequence) else [resources]
        return pulumi.Output.all(*[
            item.id if isinstance(item, pulumi.CustomResource) else item.urn
            for item in items
        ])

    ready = pulumi.Output.from_input(depends_on).apply(gates)
    return pulumi.Output.all(object_id, ready).apply(lambda values: values[0])


def read_output(
    api: ApiSpec, object_id: pulumi.Input[str], *, expected: Any = None,
    mismatch_means_accepted: bool | None = None, **options: Any
) -> pulumi.Output[Any]:
    """Generic ``_output`` read of any API: validate what is known now, read the rest
    when the inputs resolve (never while they are unknown)."""
    accept = validate_mismatch_means_accepted(api, mismatch_means_accepted)
    tuning = {name: options.pop(name) for name in OPTION_NAMES if name in options}
    if all(is_plain(value) for value in tuning.values()):
        # Known now: one ReadOptions (validated now), which also keys the shared reads.
        options["options"] = read_options(**tuning)
    else:
        options.update(tuning)  # built by settings.resolve once the Outputs resolve
    values = {"id": object_id, "expected": expected, **options}
    if all(is_plain(value) for value in values.values()):
        # Everything is known already: validate and start the read now, rather than
        # after Pulumi has resolved a dict of plain inputs (which costs more CPU than the
        # read itself). One Output over the read (from_input would add two more, each a
        # task that Pulumi re-waits on whenever any output completes).
        return pulumi.Output(set(), _finish(*_start(api, values, accept)), _known())
    validate_plain(api, object_id, expected, options)

    async def read(resolved: dict[str, Any]) -> Any:
        return await _finish(*_start(api, resolved, accept))

    return pulumi.Output.from_input(values).apply(read)


def _start(api: ApiSpec, values: Mapping[str, Any], accept: bool
           ) -> tuple[Read, Future[Any]]:
    """Prepare the read (on the program's thread, where Pulumi config is visible) and
    start it on the program's client, or join the identical read already started."""
    values = dict(values)
    reader, config, fingerprint = _PROGRAM.current()
    one = prepare(api, values.pop("id"), expected=values.pop("expected"), config=config,
                  mismatch_means_accepted=accept, **values)
    key = (api.name, one.object_id, one.settings, fingerprint)
    return one, reader.shared_reads.get(key, lambda: reader.start(one))


async def _finish(one: Read, pending: Future[Any]) -> Any:
    """The read's result, settled for this caller (``read.settle``). Waited for without
    holding the shared future: one caller cancelled must not cancel the read the others
    share."""
    if not pending.done():
        await asyncio.wait([asyncio.wrap_future(pending)])
    return settle(one, pending)


def _known() -> asyncio.Future[bool]:
    """A resolved is_known (the read's value is always known once it comes back)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # declared at import time, as Pulumi's unit-testing guide does
        loop = asyncio.get_event_loop_policy().get_event_loop()
    known = loop.create_future()
    known.set_result(True)
    return known


class _ProgramClient:
    """The lock-guarded client of the running Pulumi program's ``_output`` reads, with
    the program's config snapshot: a new one for every program run (told from the next
    by its resource monitor, ``compat.current_program``), so that one program's shared
    answers never reach the next."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._program: tuple[object, Client, dict[str, str] | None, str] | None = None

    def current(self) -> tuple[Client, dict[str, str] | None, str]:
        key = current_program()
        with self._lock:
            if self._program is None or self._program[0] is not key:
                self._program = (key, Client(), *_config())
            return self._program[1:]

    def bind(self, client: Client) -> None:
        with self._lock:
            self._program = (current_program(), client, *_config())


def _config() -> tuple[dict[str, str] | None, str]:
    config = program_config()
    return config, config_fingerprint(config)


_PROGRAM = _ProgramClient()


def program_client() -> Client:
    """The client of the running Pulumi program's ``get_*_output`` reads."""
    return _PROGRAM.current()[0]


def bind_program_client(client: Client) -> None:
    """Make ``client`` the client of the Pulumi program set up now (the current
    resource monitor's), until another program is set up."""
    _PROGRAM.bind(client)


def forget_shared_reads() -> None:
    """Forget the answers shared by identical reads of the running program: the next
    read of each object asks the API again. A new program (Pulumi monitor) starts
    afresh by itself, and a harness that runs several programs on one monitor can give
    each its own client (``bind_program_client(Client())``) instead."""
    program_client().shared_reads.clear()


__all__ = [
    "bind_program_client",
    "forget_shared_reads",
    "get_handshake_output",
    "get_handshakes_output",
    "get_join_permission_auth_order_output",
    "program_client",
    "read_output",
]
