"""The emulator's fixtures: its test credentials, the seed objects, and the ``data``
format (``{"handshakes": [...], "auth_orders": [...], "accounts": {...}}``) with its
validation.

Every value here is a test value: printing the secrets is fine (``aliread emulator``
does, so that a shell can rehearse with them).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import errors
from ..core.apis import AUTH_ORDER, HANDSHAKE, ApiSpec

DEFAULT_ACCESS_KEY_ID = "LTAI5tEmulatorDefaultKey"
DEFAULT_ACCESS_KEY_SECRET = "emulator-secret-5f2c9d8e7b6a"
# The invited account's pair: with it, an Accepted invitation answers HTTP 409
# HandshakeStatusMismatch, as the real GetHandshake answers the invited account.
INVITED_ACCESS_KEY_ID = "LTAI5tEmulatorInvitedKey"
INVITED_ACCESS_KEY_SECRET = "emulator-invited-secret-3a4b5c6d"
STS_ACCESS_KEY_ID = "STS.NUemulatorStsKey"
STS_ACCESS_KEY_SECRET = "emulator-sts-secret-0c1d2e3f"
STS_TOKEN = "CAISemulatorStsToken+/=9Yx"  # + / = on purpose: catches encoding bugs
SEED_HANDSHAKE_ID = "h-ycm4rp3z8b1xq9vk"
SEED_ORDER_ID = "123"
# Whose keys are whose (``Emulator.accounts``): by default the management account (the
# seed invitation's MasterAccountId) holds every key but the invited account's, whose
# account is the seed invitation's TargetEntity: so ListHandshakesForAccount with the
# invited pair lists the seed invitation.
MANAGEMENT_ACCOUNT_ID = "172841235500****"
INVITED_ACCOUNT_ID = "someone@example.com"

SEED_DATA_PATH = Path(__file__).with_name("seed_data.json")
DATA_SHAPE = '{"handshakes": [...], "auth_orders": [...], "accounts": {...}}'
ACCOUNTS_SHAPE = '{"<AccessKeyId>": "<account id>", ...}'

ID_RULES: dict[str, str] = {
    HANDSHAKE.action: "'h-' and 16 letters or digits",
    AUTH_ORDER.action: "printable ASCII without spaces, at most 64 characters",
}


def servable_id(api: ApiSpec, object_id: str) -> bool:
    """True when a request for ``object_id`` passes the emulator's id check."""
    return bool(api.id_pattern.fullmatch(object_id)) and len(object_id) <= api.id_max_length


# What ``data`` may hold: key -> the API of its objects.
DATA_KEYS: dict[str, ApiSpec] = {"handshakes": HANDSHAKE, "auth_orders": AUTH_ORDER}


def wire_state_key(api: ApiSpec) -> str:
    """JSON field holding the state ("status" -> "Status", "order_state" -> "OrderState")."""
    return "".join(part.capitalize() for part in api.state_field.split("_"))


def not_found_code(api: ApiSpec) -> str:
    """The error code ``api`` answers for an object that does not exist."""
    for code, spec in api.error_table.items():
        if issubclass(spec.kind, errors.NotFoundError):
            return code
    return "InvalidParameter"


def load_data(data: dict[str, Any] | str | os.PathLike[str] | None) -> dict[str, Any]:
    """The emulator's objects from ``data`` (a dict or a JSON file; None: the seeds).

    Raises ValueError saying what is wrong (naming the field) when the content is not
    ``{"handshakes": [...], "auth_orders": [...]}`` with objects that have their id and
    a known state; OSError when the file cannot be read.
    """
    if data is None:
        data = SEED_DATA_PATH
    if isinstance(data, str | os.PathLike):
        with open(data, "rb") as handle:
            raw = handle.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        except RecursionError:
            raise ValueError("not valid JSON: nested too deeply") from None
    check_data(data)
    return data  # type: ignore[return-value]


def check_data(data: object) -> None:
    """Raise ValueError naming the first field of ``data`` that is wrong, and why."""
    if not isinstance(data, dict):
        raise ValueError(f"the data must be a JSON object {DATA_SHAPE}, got {json_type(data)}")
    unknown = [key for key in data if key not in DATA_KEYS and key != "accounts"]
    if unknown:
        raise ValueError(
            f"unknown key {str(unknown[0])!r}: the data is {DATA_SHAPE} (all optional)"
        )
    _check_accounts(data.get("accounts"))
    for key, api in DATA_KEYS.items():
        objects = data.get(key)
        if objects is None:
            continue
        if not isinstance(objects, list):
            raise ValueError(f"{key!r} must be a list of objects, got {json_type(objects)}")
        _check_objects(key, api, objects)


def _check_accounts(accounts: object) -> None:
    """``accounts``: AccessKeyId -> the id of the account it belongs to (or None)."""
    if accounts is None:
        return
    if not isinstance(accounts, dict):
        raise ValueError(f"'accounts' must be an object {ACCOUNTS_SHAPE}, got "
                         f"{json_type(accounts)}")
    for key_id, account in accounts.items():
        if not key_id:
            raise ValueError("'accounts' has an empty AccessKeyId")
        if not isinstance(account, str) or not account:
            raise ValueError(f"accounts[{key_id!r}] must be a non-empty string (the id of "
                             f"the account that key belongs to), got {json_type(account)}")


def _check_objects(key: str, api: ApiSpec, objects: list[Any]) -> None:
    state_key = wire_state_key(api)
    seen: set[str] = set()
    for index, obj in enumerate(objects):
        where = f"{key}[{index}]"
        if not isinstance(obj, dict):
            raise ValueError(f"{where} must be an object, got {json_type(obj)}")
        object_id = obj.get(api.id_param)
        if not isinstance(object_id, str) or not object_id:
            raise ValueError(
                f"{where} needs {api.id_param!r}, a non-empty string (got "
                f"{json_type(object_id) if api.id_param in obj else 'none'})"
            )
        if not servable_id(api, object_id):
            raise ValueError(
                f"{where}: {api.id_param} {object_id!r} is not an id {api.action} serves "
                f"({ID_RULES.get(api.action, api.id_rule)})"
            )
        if object_id in seen:
            raise ValueError(f"{where}: {api.id_param} {object_id!r} appears twice")
        seen.add(object_id)
        state = obj.get(state_key)
        if state not in api.states:
            got = repr(state) if state_key in obj else "none"
            raise ValueError(
                f"{where} ({api.id_param} {object_id!r}) needs {state_key!r}, one of "
                f"{', '.join(api.states)} (got {got})"
            )
        # Every other field the API defines must have the type the API answers it with
        # (the rules of the library's own schema): a fixture no API could answer would
        # only surface later, as a client's ResponseValidationError.
        problems = api.schema().validate(obj)
        if problems:
            name = sorted(problems)[0]
            detail = problems[name]
            text = " ".join(detail) if isinstance(detail, list) else str(detail)
            raise ValueError(
                f"{where} ({api.id_param} {object_id!r}): {name!r} is not valid: "
                f"{text.rstrip('.')} (got {obj.get(name)!r})"
            )


def json_type(value: object) -> str:
    """How a message names the JSON type of ``value`` ("a list", "null", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_SEED_CACHE: dict[str, Any] = {}


def seed_object(api: ApiSpec) -> dict[str, Any]:
    """A fresh copy of the default seed object of ``api``."""
    if not _SEED_CACHE:
        seed = load_data(None)
        _SEED_CACHE[HANDSHAKE.action] = seed["handshakes"][0]
        _SEED_CACHE[AUTH_ORDER.action] = seed["auth_orders"][0]
    base = _SEED_CACHE.get(api.action) or _SEED_CACHE[HANDSHAKE.action]
    return dict(base)


@dataclass
class Script:
    """States a scripted object answers, ``reads_per_state`` successful reads each."""

    states: list[str]
    reads_per_state: int
    reads: int = 0

    def current(self) -> str:
        """The state the next read answers (not advancing)."""
        return self.states[min(self.reads // self.reads_per_state, len(self.states) - 1)]


@dataclass
class Store:
    """The objects of one API, by id."""

    api: ApiSpec
    state_key: str
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)


MIN_PORT, MAX_PORT = 0, 65535
PORT_RULE = f"a TCP port, {MIN_PORT}-{MAX_PORT} (0 picks a free one)"
LATENCY_RULE = "a number of seconds >= 0 (added to every answer)"


def check_port(value: object) -> int:
    """``value`` as a port number; ValueError stating the rule otherwise."""
    try:
        port = int(str(value), 10)
    except ValueError:
        raise ValueError(f"{value!r} is not {PORT_RULE}") from None
    if not MIN_PORT <= port <= MAX_PORT:
        raise ValueError(f"{port} is not {PORT_RULE}")
    return port


def check_latency(value: object) -> float:
    """``value`` as a latency in seconds; ValueError stating the rule otherwise."""
    try:
        latency = float(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not {LATENCY_RULE}") from None
    if not math.isfinite(latency) or latency < 0:
        raise ValueError(f"{value} is not {LATENCY_RULE}")
    return latency
