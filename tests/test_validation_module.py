"""validation.py: the checks of a read's options before any I/O; the id and states are
checked by the operation itself (``ApiSpec.validate_id`` / ``validate_states``)."""

from __future__ import annotations

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.core import settings, validation
from pulumi_aliread.core.apis import HANDSHAKE


@pytest.mark.parametrize(("key", "value", "message"), [
    ("deadline", 0, "deadline must be a positive number"),
    ("max_attempts", "3", "max_attempts must be a positive number"),
    ("endpoint", "http://user:pw@example.com", "must not carry credentials"),
    ("region", "Shanghai", "is not a region id"),
    ("allow_insecure_http", "yes", "allow_insecure_http must be True or False"),
])
def test_validate_plain_refuses_each_kind_of_option(key: str, value: object,
                                                     message: str) -> None:
    with pytest.raises(aliread.InvalidInputError, match=message):
        validation.validate_plain(HANDSHAKE, "h-abc123def456gh78", None, {key: value})


def test_id_and_states_are_checked_against_the_api() -> None:
    with pytest.raises(aliread.InvalidInputError):
        HANDSHAKE.validate_id("123")
    with pytest.raises(aliread.InvalidInputError):
        HANDSHAKE.validate_states("Finished")
    assert HANDSHAKE.validate_states("Accepted") == ("Accepted",)
    assert settings.parse_endpoint("127.0.0.1:8080") == "https://127.0.0.1:8080"



def test_read_options_merges_keywords_over_an_object() -> None:
    base = aliread.ReadOptions(deadline=9)
    assert base.merged(deadline=None, max_attempts=2) == (
        aliread.ReadOptions(deadline=9, max_attempts=2))
    assert aliread.ReadOptions.of() == aliread.ReadOptions()
