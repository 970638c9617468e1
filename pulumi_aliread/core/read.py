"""THE read, written once; every entry point (``get_*``, ``get_*_output``, both dynamic
resources, ``aliread``, the plugin) goes through it and only adapts inputs and outputs:

1. ``prepare`` (on the caller's thread, no network): validate the id, the expected
   states and the options, resolve the settings, snapshot the Pulumi config;
2. ``client.Client.start`` (on the client's event loop): credentials, then the signed
   request with the retry policy, the answer validated into the result object;
3. ``settle`` (on the caller's side, per caller: identical reads may share step 2): the
   invited account's view of a 409, then the expectation.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from .. import errors
from .apis import APIS, BY_ACTION, ApiSpec
from .options import ReadOptions
from .settings import (
    CREDENTIAL_CONFIG,
    CallSettings,
    ConfigLookup,
    config_keys,
    credential_env_names,
    resolve,
)
from .validation import validate_mismatch_means_accepted

# The Pulumi config keys a read may consult.
CONFIG_KEYS: tuple[str, ...] = config_keys(APIS.values())


@dataclass(frozen=True, slots=True)
class Read:
    """One validated read of ``object_id``; ``config`` is what the credentials are
    resolved from (a snapshot: Pulumi's config is not visible on the client's loop)."""

    api: ApiSpec
    object_id: str
    settings: CallSettings
    config: ConfigLookup | None = None
    expected: tuple[str, ...] = ()
    accept_mismatch: bool = False  # the invited account's 409 counts as accepted
    command_line: bool = False  # expectation messages name aliread's flags

    @property
    def params(self) -> dict[str, str]:
        """The operation's own query parameters."""
        return {self.api.id_param: self.object_id}


def prepare(api: object, object_id: object, *, expected: object = None,
            config: ConfigLookup | None = None,
            mismatch_means_accepted: bool | None = None,
            options: ReadOptions | None = None, **keywords: Any) -> Read:
    """Step 1 of a read: everything checked before any I/O.

    Args:
        api (ApiSpec | str): an ``ApiSpec`` or its action's name (``"GetHandshake"``).
        object_id (str): the object's id (checked as ``api`` specifies).
        expected (str | Sequence[str] | None): the states the object must be in;
            None (default): any.
        config (ConfigLookup | None): Pulumi config (``.get("ns:key")``); None: the
            running program's, if Pulumi is imported, else none.
        mismatch_means_accepted (bool | None): see ``settle``. Default None.
        options (ReadOptions | None): timeouts and retry knobs; default ``ReadOptions()``.
        **keywords: those of ``settings.resolve`` (``region``, ``endpoint``,
            ``api_version``, ``allow_insecure_http``, ``deadline=``...).

    Raises:
        InvalidInputError: a bad api, id, state, option, setting or config type.
    """
    if not isinstance(api, ApiSpec):  # an action name or API name
        found = (BY_ACTION.get(api) or APIS.get(api)) if isinstance(api, str) else None
        if found is None:
            raise errors.InvalidInputError(
                "api must be one of pulumi_aliread.core.apis.HANDSHAKE / AUTH_ORDER, or an "
                f"action name ({', '.join(sorted(BY_ACTION))}), got {api!r}."
            )
        api = found
    if options is not None and not isinstance(options, ReadOptions):
        raise errors.InvalidInputError(
            f"options must be a pulumi_aliread.ReadOptions or None, got "
            f"{type(options).__name__}: build one with ReadOptions(deadline=...), or "
            "pass the timeouts as keywords (deadline=...)."
        )
    if config is not None and not callable(getattr(config, "get", None)):
        raise errors.InvalidInputError(
            f"config must be a mapping of namespaced Pulumi config keys "
            f"('alicloud:region': ...) or None, got {type(config).__name__}."
        )
    object_id = api.validate_id(object_id)
    expected_states = api.validate_states(expected)
    accept = validate_mismatch_means_accepted(api, mismatch_means_accepted)
    if config is None:
        config = program_config()
    call = resolve(api, config=config, options=options, **keywords)
    return Read(api, object_id, call, config, expected_states, accept)


def program_config() -> dict[str, str] | None:
    """The running Pulumi program's config keys a read may consult (None when Pulumi is
    not imported: no program)."""
    if "pulumi" not in sys.modules:
        return None
    from pulumi.runtime import get_config

    snapshot = {}
    for key in CONFIG_KEYS:
        value = get_config(key)
        if isinstance(value, str) and value:
            snapshot[key] = value
    return snapshot


def settle(read: Read, done: Future[Any]) -> Any:
    """Step 3: the result of the finished step 2 (``done``), the invited account's view
    of a 409 applied (``read.accept_mismatch``), checked against ``read.expected``.

    Raises:
        AlireadError: the read's own error (from ``done``).
        ExpectationNotMetError: read, but not in an expected state.
    """
    api = read.api
    try:
        result = done.result()
    except errors.ConflictError as error:
        # The invited account's view: the answer that means "accepted" to that account
        # (GetHandshake: HTTP 409 HandshakeStatusMismatch) is a result in ``api``'s first
        # success state carrying only the id, the state and the answer's request id
        # (every other field None: the API did not send them).
        if not (read.accept_mismatch and api.invited_accepted_code is not None
                and error.code == api.invited_accepted_code):
            raise
        result = api.result_type(**{
            api.id_keyword: read.object_id,
            api.state_field: api.success_states[0],
            "request_id": error.request_id,
        })
    check_expectation(api, result, read.expected, command_line=read.command_line)
    return result


async def finish(read: Read, pending: Future[Any]) -> Any:
    """``settle``, for a caller on an event loop: ``pending`` (step 2) is awaited without
    holding it, so that one caller cancelled does not cancel the read others share."""
    if not pending.done():
        await asyncio.wait([asyncio.wrap_future(pending)])
    return settle(read, pending)


def check_expectation(api: ApiSpec, result: Any, expected: Iterable[str], *,
                      command_line: bool = False) -> None:
    """Raise ExpectationNotMetError when ``result``'s state is not among ``expected``.

    The advice fits the state: a final state will not change (create a new object, or
    change the expectation); another one may (wait). ``command_line`` names the
    ``aliread`` options (``--wait``, ``--expect``) instead of the Python keyword.
    """
    expected = tuple(expected)
    state = getattr(result, api.state_field)
    if expected and state not in expected:
        wanted = " or ".join(expected)
        change = "--expect" if command_line else f"{api.expect_keyword}="
        if state in api.terminal_states:
            situation = " (a final state: it will not change)"
            advice = f"Create a new {api.title}, or change the expectation ({change})."
        else:
            situation = ""
            wait = " (--wait)" if command_line else ""
            advice = f"Wait until it is {wanted}{wait}, or change the expectation ({change})."
        error = errors.ExpectationNotMetError(
            f"{api.title} {result.id} is {state}{situation}, expected {wanted} "
            f"({api.action}, request id {result.request_id}). {advice}",
            code="ExpectationNotMet",
            http_status=200,  # the answer itself was a good one
            request_id=result.request_id,
        )
        error.result = result  # type: ignore[attr-defined]
        error.state = state  # type: ignore[attr-defined]
        error.expected = expected  # type: ignore[attr-defined]
        raise error


def config_fingerprint(config: Mapping[str, str] | None) -> str:
    """A digest of where credentials would come from: identical digests, same keys."""
    import hashlib
    import os

    digest = hashlib.sha256()
    for key in CREDENTIAL_CONFIG:
        digest.update(f"{key}={(config or {}).get(key) or ''}\0".encode())
    for name in credential_env_names():
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    return digest.hexdigest()
