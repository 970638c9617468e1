"""Facts from the API reference pages (the specification), as the tests need them.

They live in the project's own test data (``tests/data/api_reference.json``), so the
suite runs the same on a fresh clone; ``test_reference_data.py`` checks that data against
the pages themselves when ``../shared/seeds/`` is beside the checkout.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pulumi_aliread import errors
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE, ApiSpec

REFERENCE_DATA = Path(__file__).resolve().parent / "data" / "api_reference.json"
# The pages themselves: optional, only to check REFERENCE_DATA against them.
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

HANDSHAKE_PAGE = "resourcemanager-GetHandshake"
AUTH_ORDER_PAGE = "linkwan-GetJoinPermissionAuthOrder"
PAGES = (HANDSHAKE_PAGE, AUTH_ORDER_PAGE)

_ERROR_ROW = re.compile(r"^\|?([45]\d\d)(?:\||\s+)([A-Z][A-Za-z]+(?:\.[A-Za-z]+)*)(?:\||\s)", re.M)
_reference: dict[str, Any] = json.loads(REFERENCE_DATA.read_text(encoding="utf-8"))


def error_codes(page: str) -> dict[str, int]:
    """Error code -> HTTP status, from the page's error table."""
    return dict(_reference[page]["error_codes"])


def json_example(page: str) -> dict:
    """The page's JSON example of a successful answer (a fresh copy)."""
    return json.loads(json.dumps(_reference[page]["json_example"]))


def page_path(page: str) -> Path:
    """Where the page itself would be (``../shared/seeds/<page>.md``)."""
    return SEEDS / f"{page}.md"


def pages_available() -> bool:
    """True when the reference pages themselves are beside the checkout."""
    return all(page_path(page).exists() for page in PAGES)


def parse_error_codes(path: Path) -> dict[str, int]:
    """Error code -> HTTP status, parsed from a reference page's error table."""
    text = path.read_text(encoding="utf-8")
    return {m.group(2): int(m.group(1)) for m in _ERROR_ROW.finditer(text)}


def parse_json_example(path: Path) -> dict:
    """The JSON example of a successful answer, parsed from a reference page."""
    text = path.read_text(encoding="utf-8")
    start = text.index("\n{", text.index("JSON")) + 1
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return json.loads(text[start:index + 1])
    raise ValueError(f"no JSON example in {path}")


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
    """(api, code, HTTP status) for every error code of both pages."""
    return [
        (api, code, status)
        for api, page in ((HANDSHAKE, HANDSHAKE_PAGE), (AUTH_ORDER, AUTH_ORDER_PAGE))
        for code, status in error_codes(page).items()
    ]


def seed_handshake() -> dict:
    """The handshake page's JSON example as the emulator serves it: the full
    16-character id (``h-ycm4rp3z8b1xq9vk``) in place of the page's masked one."""
    handshake = json_example(HANDSHAKE_PAGE)["Handshake"]
    return {**handshake, "HandshakeId": "h-ycm4rp3z8b1xq9vk"}


def seed_order() -> dict:
    """The auth-order page's JSON example (``Data``), as the emulator serves it."""
    return json_example(AUTH_ORDER_PAGE)["Data"]
