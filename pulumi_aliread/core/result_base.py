"""``Result``, the base of the frozen result objects (the classes themselves are
generated from ``apis`` into ``results``).

Each result is also a read-only ``Mapping`` of its snake_case fields (``request_id``
included), so Pulumi serializes one like a dict, and ``pulumi.export("invite",
get_handshake_output(...))`` exports ``{"handshake_id": ..., "status": ..., ...}`` (the
fields that are not ``None``). Attribute access is the usual way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Result(Mapping[str, Any]):
    """Base of the result objects."""

    def __getitem__(self, key: str) -> Any:
        if key not in self._field_names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._field_names())

    def __len__(self) -> int:
        return len(self._field_names())

    def __contains__(self, key: object) -> bool:
        return key in self._field_names()

    @classmethod
    def _field_names(cls) -> tuple[str, ...]:
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
        return names

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
        return tuple(f.name for f in fields(cls) if f.name != "request_id")


def _json_ready(items: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in items}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
