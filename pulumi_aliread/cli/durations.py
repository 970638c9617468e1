"""Durations as CI people write them: ``30m``, ``90s``, ``1h30m``, ``250ms``, ``15``."""

from __future__ import annotations

import math
import re

_PART = r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)"
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds in ``text`` (plain numbers are seconds); ValueError if not a positive duration."""
    value = text.strip().lower().replace(" ", "")
    if not value:
        raise ValueError("empty duration")
    try:
        seconds = float(value)
    except ValueError:
        if not re.fullmatch(f"(?:{_PART})+", value, re.ASCII):
            raise ValueError(
                f"{text!r} is not a duration: use e.g. 30m, 90s, 1h30m, 250ms or 15 (seconds)"
            ) from None
        seconds = sum(float(number) * _UNITS[unit]
                      for number, unit in re.findall(_PART, value, re.ASCII))
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds


def format_duration(seconds: float) -> str:
    """``1h2m3s``-style text of ``seconds``, exact to the millisecond: ``1.5s``, ``250ms``,
    ``1h30m``, ``2m0.5s``."""
    millis = max(0, round(seconds * 1000))
    if millis < 1000:
        return f"{millis}ms"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest // 1000}.{rest % 1000:03d}".rstrip("0").rstrip(".")
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "",
             f"{secs}s" if rest else ""]
    return "".join(parts)
