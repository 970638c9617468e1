"""``Result``, the base of the frozen result objects (the classes themselves are
generated from ``apis`` into ``results``).

Each result is also a read-only ``Mapping`` of its snake_case fields (``request_id``
included), so Pulumi serializes one like a dict, and ``pulumi.export("invite",
get_handshake_output(...))`` exports ``{"handshake_id": ..., "status": ..., ...}`` (the
fields that are not ``None``). Attribute access is the usual way.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Result(Mapping[str, Any]):
    """Base of the result objects."""

    def __getitem__(self, key: str) -> Any:
        if key not in _names(type(self)):
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(_names(type(self)))

    def __len__(self) -> int:
        return len(_names(type(self)))

    def to_dict(self, *, include_request_id: bool = True) -> dict[str, Any]:
        """The result as a plain dict of snake_case keys (JSON-ready; the objects of a
        list result as dicts, tuples as lists)."""
        data = asdict(self, dict_factory=_json_ready)
        if not include_request_id:
            data.pop("request_id", None)
        return data

    @classmethod
    def output_names(cls) -> tuple[str, ...]:
        """The attributes a Pulumi resource exposes (all but ``request_id``)."""
        return tuple(name for name in _names(cls) if name != "request_id")


def _json_ready(items: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in items}



@functools.cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
