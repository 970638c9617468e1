"""``ReadOptions``: the timeouts and retry knobs of one read, in one frozen object.

Every entry point's public keywords (``connect_timeout=``, ``--deadline``, ...) build one
with ``ReadOptions.of``; the call path below them carries the object, not the keywords.
This module imports nothing heavy: ``import pulumi_aliread`` stays cheap.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How long one read may take and how it retries. Immutable and hashable.

    Attributes:
        connect_timeout (float, seconds): connecting, per attempt. Default: 5.
        read_timeout (float, seconds): waiting for the answer, per attempt. Default: 10.
        deadline (float, seconds): the whole read, every attempt and pause included.
            Default: 60.
        max_attempts (int): attempts at a transient failure (throttling, 5xx, a dropped
            connection), the first included. Default: 5.
        backoff_base (float, seconds): the first retry pause's upper bound; each later
            pause may be twice as long (exponential backoff, full jitter). Default: 0.2.
        backoff_cap (float, seconds): the longest retry pause. Default: 5.

    Every value must be a positive finite number (``bool`` is refused); ``max_attempts`` a
    whole one (``3.0`` is taken as 3, ``2.5`` is refused); ``backoff_base`` at most
    ``backoff_cap`` (no pause is longer than the cap, so a larger first pause would mean
    nothing). Raises ``InvalidInputError`` naming the field otherwise.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 60.0
    max_attempts: int = 5
    backoff_base: float = 0.2
    backoff_cap: float = 5.0

    def __post_init__(self) -> None:
        # Checked in the order the keywords have always been checked in.
        for name in _CHECK_ORDER:
            object.__setattr__(self, name, check_value(name, getattr(self, name)))
        if self.backoff_base > self.backoff_cap:
            raise InvalidInputError(
                f"backoff_base ({self.backoff_base:g} s, the first retry pause) is more than "
                f"backoff_cap ({self.backoff_cap:g} s, the longest pause): give a "
                "backoff_base at most backoff_cap, or a larger backoff_cap."
            )

    @classmethod
    def of(cls, **keywords: Any) -> ReadOptions:
        """The options of a call's keywords; ``None`` (not given) means the default.

        Raises ``TypeError`` for a keyword that is not an option, ``InvalidInputError``
        for a malformed value.
        """
        unknown = set(keywords) - set(NAMES)
        if unknown:
            raise TypeError(f"not a read option: {', '.join(sorted(unknown))}")
        return DEFAULT.merged(**keywords)

    def merged(self, **keywords: Any) -> ReadOptions:
        """A copy with the keywords that are not ``None`` replaced (validated)."""
        given = {name: value for name, value in keywords.items() if value is not None}
        return dataclasses.replace(self, **given) if given else self


def check_value(name: str, value: object) -> int | float:
    """``value`` of the option ``name`` checked alone, as the option holds it (an int for
    ``max_attempts``, else a float); ``InvalidInputError`` naming the option otherwise.
    ``ReadOptions`` also checks the options together (``backoff_base <= backoff_cap``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidInputError(f"{name} must be a positive number, got {value!r}.")
    if not math.isfinite(value):  # an infinite deadline would never end a read
        raise InvalidInputError(
            f"{name} must be a positive number, got {value!r}: give a finite one "
            "(seconds, or attempts for max_attempts)."
        )
    if name != "max_attempts":
        return float(value)
    if value != int(value):
        raise InvalidInputError(
            f"max_attempts must be a whole number of attempts, got {value!r}: give an int "
            "(the first attempt included; default 5)."
        )
    return int(value)


# The option names, in field order.
NAMES: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(ReadOptions))
_CHECK_ORDER = ("connect_timeout", "read_timeout", "max_attempts", "deadline",
                "backoff_base", "backoff_cap")
DEFAULT = ReadOptions()

__all__ = ["DEFAULT", "NAMES", "ReadOptions", "check_value"]
