"""What the generated ``get_*_output`` functions (``outputs``) call: their Pulumi
``Input``s read once known, on the running program's own ``client.Client``, which the
program's loop awaits (at most ``client.MAX_CONCURRENT_READS`` reads at once).

Identical reads (same API, id, settings and credential sources) in one program share one
request; each caller still settles its own (invited view, expectation). A program run
has its own client (``program_client``), so the shared answers live as long as the
program.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import pulumi

from ..core import paging
from ..core.apis import LISTS, ApiSpec
from ..core.client import Client
from ..core.options import NAMES as OPTION_NAMES
from ..core.options import ReadOptions
from ..core.read import Read, config_fingerprint, finish, prepare, program_config
from ..core.spec import ListSpec
from ..core.validation import is_plain, validate_mismatch_means_accepted, validate_plain
from .compat import current_program
from .invoke import check_opts

# The keywords of a listing that ``paging.prepare`` checks now, when known (the rest
# are settings and read options).
LIST_INPUTS = ("status", "ids", "target_entity", "invited_account", "with_details",
               "expected_status", "max_items")


def invoke_output(operation: ApiSpec | ListSpec, function: str, opts: Any,
                  **inputs: Any) -> pulumi.Output[Any]:
    """The body of the generated ``get_*_output`` function named ``function``:
    ``inputs`` (its own keywords, by name) read with ``operation`` once they are known
    and the resources of ``opts.depends_on`` are ready. What is known now is refused now,
    before any request."""
    check_opts(function, opts)
    if not isinstance(operation, ListSpec):
        return read_output(operation, _after(opts, inputs.pop(operation.id_keyword)),
                           expected=inputs.pop(operation.expect_keyword), **inputs)
    options = ReadOptions.of(**{name: inputs.pop(name) for name in OPTION_NAMES})
    views = operation.views(LISTS)
    # The filters known now, refused now (the settings wait for the config of the read).
    paging.prepare(views, config={}, env={}, **{
        name: value for name, value in inputs.items()
        if name in LIST_INPUTS and is_plain(value)})

    async def listing(resolved: dict[str, Any]) -> Any:
        reader, config, _fingerprint = _current()
        request = paging.prepare(views, config=config, options=options, **resolved)
        # On a worker thread: the listing waits for each page on the client's loop.
        return await asyncio.to_thread(paging.read_list, reader, request)

    return pulumi.Output.from_input(_after(opts, inputs)).apply(listing)


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
        options["options"] = ReadOptions.of(**tuning)
    else:
        options.update(tuning)  # built by settings.resolve once the Outputs resolve
    values = {"object_id": object_id, "expected": expected,
              "mismatch_means_accepted": accept, **options}
    if all(is_plain(value) for value in values.values()):
        # Everything is known already: validate and start the read now, rather than
        # after Pulumi has resolved a dict of plain inputs (which costs more CPU than the
        # read itself). One Output over the read (from_input would add two more, each a
        # task that Pulumi re-waits on whenever any output completes).
        return pulumi.Output(set(), finish(*_start(api, values)), _known())
    validate_plain(api, object_id, expected, options)
    return pulumi.Output.from_input(values).apply(
        lambda resolved: finish(*_start(api, resolved)))


def _start(api: ApiSpec, values: dict[str, Any]) -> tuple[Read, Future[Any]]:
    """Prepare the read (on the program's thread, where Pulumi config is visible: a bad
    input raises here) and start it on the program's client, or join the identical read
    already started there."""
    reader, config, fingerprint = _current()
    one = prepare(api, config=config, **values)
    key = (api.name, one.object_id, one.settings, fingerprint)
    return one, reader.shared_reads.get(key, lambda: reader.start(one))


def _known() -> asyncio.Future[bool]:
    """A resolved is_known (the read's value is always known once it comes back). Not a
    coroutine: Pulumi never awaits it when the read fails, and would warn."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # declared at import time, as Pulumi's unit-testing guide does
        loop = asyncio.get_event_loop_policy().get_event_loop()
    known = loop.create_future()
    known.set_result(True)
    return known


def _after(opts: Any, value: Any) -> Any:
    """``value``, held back until the resources of ``opts.depends_on`` are ready (a
    custom resource's id known, a component's URN): unknown while one is unknown."""
    depends_on = getattr(opts, "depends_on", None)
    if depends_on is None or depends_on == []:
        return value

    def gates(resources: Any) -> Any:  # an Output[list]: Any, as Output.apply's U
        items = list(resources) if isinstance(resources, Sequence) else [resources]
        return pulumi.Output.all(*[
            item.id if isinstance(item, pulumi.CustomResource) else item.urn
            for item in items
        ])

    ready = pulumi.Output.from_input(depends_on).apply(gates)
    return pulumi.Output.all(value, ready).apply(lambda values: values[0])


# The running program: its resource monitor (``compat.current_program``, which tells
# one run from the next), the client of its reads, its Pulumi config snapshot and that
# config's credential fingerprint (taken once: Pulumi parses its config on each lookup).
# A new run gets new ones, so that one program's shared answers never reach the next.
_program: dict[str, tuple[object, Client, dict[str, str] | None, str]] = {}
_lock = threading.Lock()


def _current() -> tuple[Client, dict[str, str] | None, str]:
    """The running program's client, config snapshot and credential fingerprint."""
    monitor = current_program()
    with _lock:
        if "run" not in _program or _program["run"][0] is not monitor:
            _bind(monitor, Client())
        return _program["run"][1:]


def _bind(monitor: object, client: Client) -> None:
    config = program_config()
    _program["run"] = (monitor, client, config, config_fingerprint(config))


def program_client() -> Client:
    """The client of the running Pulumi program's ``get_*_output`` reads."""
    return _current()[0]


def bind_program_client(client: Client) -> None:
    """Make ``client`` the client of the Pulumi program set up now (the current
    resource monitor's), until another program is set up."""
    with _lock:
        _bind(current_program(), client)


def forget_shared_reads() -> None:
    """Forget the answers shared by identical reads of the running program: the next
    read of each object asks the API again. A new program (Pulumi monitor) starts
    afresh by itself, and a harness that runs several programs on one monitor can give
    each its own client (``bind_program_client(Client())``) instead."""
    program_client().shared_reads.clear()
