"""Facts about listing invitations (ListHandshakesForResourceDirectory and
ListHandshakesForAccount), as the tests need them, from the project's own test data
(``tests/data/list_handshakes.json``): the suite needs nothing beside the checkout.
``test_reference_data.py`` checks them against ``../shared/notes/list-handshakes.md``
when that is there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "list_handshakes.json"
NOTES = Path(__file__).resolve().parents[2] / "shared" / "notes" / "list-handshakes.md"

_facts: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))

VERSION: str = _facts["version"]
PRODUCT: str = _facts["product"]
ENDPOINT: str = _facts["endpoint"]
DIRECTORY_ACTION, ACCOUNT_ACTION = list(_facts["actions"])
ACTIONS = (DIRECTORY_ACTION, ACCOUNT_ACTION)
ENVELOPE_FIELDS: tuple[str, ...] = tuple(_facts["envelope_fields"])
ROW_FIELDS: tuple[str, ...] = tuple(_facts["row_fields"])
FIELDS_NOT_IN_ROWS: tuple[str, ...] = tuple(_facts["fields_not_in_rows"])
STATUSES: tuple[str, ...] = tuple(_facts["statuses"])
TARGET_TYPES: tuple[str, ...] = tuple(_facts["target_types"])
PAGE_SIZE_MIN: int = _facts["paging"]["PageSize"]["min"]
PAGE_SIZE_MAX: int = _facts["paging"]["PageSize"]["max"]
PAGE_SIZE_DEFAULT: int = _facts["paging"]["PageSize"]["default"]
PAGE_NUMBER_MIN: int = _facts["paging"]["PageNumber"]["min"]
PAGE_NUMBER_DEFAULT: int = _facts["paging"]["PageNumber"]["default"]
# Not the API's: the codes the emulator answers for a bad PageSize / PageNumber.
EMULATOR_PAGE_SIZE_CODE, EMULATOR_PAGE_NUMBER_CODE = (
    code for code in _facts["emulator_error_codes"] if not code.startswith("_")
)


def json_example() -> dict[str, Any]:
    """The shape of a list answer (a fresh copy)."""
    return json.loads(json.dumps(_facts["json_example"]))


def notes_available() -> bool:
    return NOTES.exists()
