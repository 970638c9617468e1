"""The emulator's two list actions of ResourceManager (version 2020-03-31, the same host
as ``GetHandshake``), with their paging:

- ``ListHandshakesForResourceDirectory``: the management account's view, every
  invitation of the emulator's data;
- ``ListHandshakesForAccount``: the invited account's view, the invitations whose
  ``TargetEntity`` is the calling AccessKey's account (``Emulator.accounts``).

Both take ``PageNumber`` (an integer from 1, default 1) and ``PageSize`` (1 to 100,
default 10) and answer ``{"TotalCount", "RequestId", "PageSize", "PageNumber",
"Handshakes": {"Handshake": [...]}}``, rows in the data's order, each with the fields of
``ROW_FIELDS`` (the real-name fields of GetHandshake are not in the list answers).

A value that is not a decimal integer, or is out of range, is answered HTTP 400
``InvalidParameter.PageSize`` / ``InvalidParameter.PageNumber``. The API reference names
no code for it: these codes are the emulator's choice, not Alibaba Cloud's. A page past
the end answers an empty list with the right ``TotalCount``.

This small table is the emulator's own (the library's specs are not imported for it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.apis import COMMON_ERRORS, ErrorSpec

__all__ = [
    "ACCOUNT_VIEW",
    "DIRECTORY_VIEW",
    "LISTS",
    "PAGE_NUMBER_DEFAULT",
    "PAGE_NUMBER_MAX",
    "PAGE_SIZE_DEFAULT",
    "PAGE_SIZE_MAX",
    "PAGE_SIZE_MIN",
    "ROW_FIELDS",
    "ListSpec",
    "Paging",
    "body",
    "paging",
    "requested_page",
]

PAGE_NUMBER_DEFAULT = 1
# The reference gives no upper bound; a larger value than a Java int is refused, as a
# gateway parsing it as one would.
PAGE_NUMBER_MAX = 2**31 - 1
PAGE_SIZE_MIN, PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT = 1, 100, 10

# The fields of each listed invitation, in the reference's order.
ROW_FIELDS = (
    "HandshakeId",
    "ResourceDirectoryId",
    "MasterAccountId",
    "MasterAccountName",
    "TargetEntity",
    "TargetType",
    "Note",
    "Status",
    "CreateTime",
    "ModifyTime",
    "ExpireTime",
)


@dataclass(frozen=True)
class ListSpec:
    """One list action: its name, whose view it answers (``"directory"``: every
    invitation; ``"account"``: those sent to the caller's account), where it lives."""

    action: str
    view: str
    product: str = "ResourceManager"
    version: str = "2020-03-31"
    known_versions: tuple[str, ...] = ("2020-03-31",)
    host: str = "resourcemanager.aliyuncs.com"
    list_key: str = "Handshakes"
    row_key: str = "Handshake"

    def error(self, code: str) -> ErrorSpec | None:
        """The gateway's own codes only (the paging codes are ``answers.EXTRA_ERRORS``)."""
        return COMMON_ERRORS.get(code)


DIRECTORY_VIEW = ListSpec("ListHandshakesForResourceDirectory", "directory")
ACCOUNT_VIEW = ListSpec("ListHandshakesForAccount", "account")
LISTS: Mapping[str, ListSpec] = {spec.action: spec for spec in (DIRECTORY_VIEW, ACCOUNT_VIEW)}


@dataclass(frozen=True)
class Paging:
    """A valid page request: ``number`` from 1, ``size`` 1-100."""

    number: int
    size: int


def _integer(value: str) -> int | None:
    # Decimal digits only: "+5", " 5", "5.0" and "" are not integers to the gateway.
    if not value or len(value) > 12 or not value.isascii() or not value.isdigit():
        return None
    return int(value)


def paging(params: Mapping[str, str]) -> Paging | tuple[str, str]:
    """The page asked for by ``params``, or ``(code, message)`` of the 400 answer."""
    size_text = params.get("PageSize")
    number_text = params.get("PageNumber")
    size = PAGE_SIZE_DEFAULT if size_text is None else _integer(size_text)
    if size is None or not PAGE_SIZE_MIN <= size <= PAGE_SIZE_MAX:
        return ("InvalidParameter.PageSize",
                f"The specified parameter PageSize is not valid: {_shown(size_text)} "
                f"(an integer from {PAGE_SIZE_MIN} to {PAGE_SIZE_MAX}).")
    number = PAGE_NUMBER_DEFAULT if number_text is None else _integer(number_text)
    if number is None or not 1 <= number <= PAGE_NUMBER_MAX:
        return ("InvalidParameter.PageNumber",
                f"The specified parameter PageNumber is not valid: {_shown(number_text)} "
                f"(an integer from 1).")
    return Paging(number, size)


def requested_page(params: Mapping[str, str]) -> int | None:
    """The PageNumber of a list request (1 when absent), None when it is not a valid
    one: what fault rules and the request records match pages by."""
    text = params.get("PageNumber")
    if text is None:
        return PAGE_NUMBER_DEFAULT
    number = _integer(text)
    return number if number is not None and number >= 1 else None


def row(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The list answer's row for a stored invitation: the fields of ``ROW_FIELDS`` it
    has (an absent field stays absent, as the API omits it)."""
    return {name: obj[name] for name in ROW_FIELDS if name in obj}


def body(spec: ListSpec, rows: Iterable[dict[str, Any]], total: int, page: Paging,
         rid: str) -> dict[str, Any]:
    """The answer of one page, keys in the reference example's order."""
    return {
        "TotalCount": total,
        "RequestId": rid,
        "PageSize": page.size,
        "PageNumber": page.number,
        spec.list_key: {spec.row_key: list(rows)},
    }


def _shown(value: str | None) -> str:
    if value is None:
        return "none"
    text = value if len(value) <= 40 else value[:40] + "..."
    return repr(text)
