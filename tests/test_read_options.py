"""ReadOptions: one frozen object carries the timeouts and retry knobs of a read."""

from __future__ import annotations

import dataclasses

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.core import settings
from pulumi_aliread.core.apis import HANDSHAKE


def test_defaults_units_and_export() -> None:
    options = aliread.ReadOptions()
    assert (options.connect_timeout, options.read_timeout, options.deadline,
            options.max_attempts, options.backoff_base, options.backoff_cap) == (
        5.0, 10.0, 60.0, 5, 0.2, 5.0)
    assert "ReadOptions" in aliread.__all__
    for name in ("connect_timeout", "read_timeout", "deadline", "max_attempts",
                 "backoff_base", "backoff_cap"):
        assert name in aliread.ReadOptions.__doc__
    assert "seconds" in aliread.ReadOptions.__doc__


def test_frozen_and_hashable() -> None:
    options = aliread.ReadOptions(deadline=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.deadline = 4  # type: ignore[misc]
    assert hash(options) == hash(aliread.ReadOptions(deadline=3.0))
    assert isinstance(options.deadline, float)


@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout", "deadline",
                                  "max_attempts", "backoff_base", "backoff_cap"])
@pytest.mark.parametrize("bad", [0, -1, True, "5", None])
def test_bad_values_refused_naming_the_field(name: str, bad: object) -> None:
    with pytest.raises(aliread.InvalidInputError, match=f"{name} must be a positive number"):
        aliread.ReadOptions(**{name: bad})


def test_of_keywords_none_means_default_and_unknown_is_a_type_error() -> None:
    assert aliread.ReadOptions.of(deadline=None, max_attempts=2) == aliread.ReadOptions(
        max_attempts=2)
    with pytest.raises(TypeError, match="not a read option: deadlin"):
        aliread.ReadOptions.of(deadlin=3)


def test_resolve_carries_the_object_and_keywords_override_it() -> None:
    call = settings.resolve(HANDSHAKE, config={}, env={},
                            options=aliread.ReadOptions(max_attempts=2, deadline=9),
                            deadline=7)
    assert call.options == aliread.ReadOptions(max_attempts=2, deadline=7)


def test_public_keywords_build_it_and_refuse_before_any_request() -> None:
    # Port 9 (discard) on loopback: a request would fail differently, not with this.
    with pytest.raises(aliread.InvalidInputError, match="backoff_cap must be a positive"):
        aliread.get_handshake("h-abc123def456gh78", endpoint="http://127.0.0.1:9", backoff_cap=-1)
