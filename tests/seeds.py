"""Facts read from the API reference pages in ../shared/seeds/, so tests check the
library against the specification itself rather than against a copy of it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pulumi_aliread import errors
from pulumi_aliread.apis import AUTH_ORDER, HANDSHAKE, ApiSpec

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
HANDSHAKE_PAGE = SEEDS / "resourcemanager-GetHandshake.md"
AUTH_ORDER_PAGE = SEEDS / "linkwan-GetJoinPermissionAuthOrder.md"

_ERROR_ROW = re.compile(r"^\|?([45]\d\d)(?:\||\s+)([A-Z][A-Za-z]+(?:\.[A-Za-z]+)*)(?:\||\s)", re.M)


def available() -> bool:
    return HANDSHAKE_PAGE.exists() and AUTH_ORDER_PAGE.exists()


def error_codes(page: Path) -> dict[str, int]:
    """Error code -> HTTP status, from the page's error table."""
    text = page.read_text(encoding="utf-8")
    return {m.group(2): int(m.group(1)) for m in _ERROR_ROW.finditer(text)}


def json_example(page: Path) -> dict:
    """The page's JSON example of a successful answer."""
    text = page.read_text(encoding="utf-8")
    start = text.index("\n{", text.index("JSON")) + 1
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return json.loads(text[start:index + 1])
    raise ValueError(f"no JSON example in {page}")


# What a user acts on for each seed code: the tests' own expectation, independent of
# the table in apis.py.
EXPECTED_CLASS: dict[str, type[errors.AlireadError]] = {
    "MissingParameter.HandshakeId": errors.InvalidInputError,
    "InvalidParameter.HandshakeId": errors.InvalidInputError,
    "EntityNotExists.Handshake": errors.NotFoundError,
    "HandshakeStatusMismatch": errors.ConflictError,
    "MissingAccountRealName": errors.ConflictError,
    "NoRealNameAuthentication": errors.ConflictError,
    "ForbiddenByRam": errors.AccessDeniedError,
    "ForbiddenByRiskControl": errors.AccessDeniedError,
    "InternalError": errors.ServiceUnavailableError,
    "NonExistent": errors.NotFoundError,
    "NotResourceOwner": errors.AccessDeniedError,
}


def error_cases() -> list[tuple[ApiSpec, str, int]]:
    """(api, code, HTTP status) for every error code of both pages; empty without seeds."""
    if not available():
        return []
    return [
        (api, code, status)
        for api, page in ((HANDSHAKE, HANDSHAKE_PAGE), (AUTH_ORDER, AUTH_ORDER_PAGE))
        for code, status in error_codes(page).items()
    ]
