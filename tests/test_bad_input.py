"""Bad ids and options are refused with a clear message before any request is sent."""

from __future__ import annotations

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID

BAD_HANDSHAKE_IDS = [
    "", None, " ", "   h-ycm4rp3z8b1xq9vk", "h-ycm4rp3z8b1xq9vk\n", "\t", "ycm4rp3z8b1xq9vk",
    "rd-ycm4rp3z8b1xq9vk", "H-ycm4rp3z8b1xq9vk", "h-", "h", "h-" + "a" * 63, "h-" + "a" * 9998,
    "h-ycm4rp3z8b1xq9vé", "h-ｙｃｍ４ｒｐ", "h-ycm4\x00rp3z8b1xq9", "h-ycm4\x1brp3z8b1xq",
    "h-x&Action=DeleteHandshake", 'h-"quoted"', "h-'quoted'", "h-../../etc/passwd",
    "h-a/b", "h-a\\b", "h-a b", "h-a%20b", "h-a?b=c", "h-a#b", 123, b"h-ycm4rp3z8b1xq9vk",
    ["h-ycm4rp3z8b1xq9vk"],
    # the reference page: 'h-' and 16 letters or digits (InvalidParameter.HandshakeId)
    "h-bad", "h-ycm4rp3z8b1xq9v", "h-ycm4rp3z8b1xq9vk0",
]

BAD_ORDER_IDS = [
    "", None, " ", " 123", "123 ", "1 2", "12\n3", "\t", "1" * 65, "9" * 10000, "订单",
    "123é", "12\x003", "12\x7f3", 123, 1.5, b"123", ["123"], {"id": "123"}, True,
]


@pytest.mark.parametrize("bad", BAD_HANDSHAKE_IDS, ids=repr)
def test_bad_handshake_id_is_refused_before_any_request(bad, emulator, credentials):
    with pytest.raises(aliread.InvalidInputError) as caught:
        aliread.get_handshake(bad, endpoint=emulator.url)
    message = str(caught.value)
    assert "handshake_id" in message and "pass an invitation id" in message
    assert len(message) < 300, "a 10 000-character id is not echoed whole"
    assert emulator.count() == 0


@pytest.mark.parametrize("bad", BAD_ORDER_IDS, ids=repr)
def test_bad_order_id_is_refused_before_any_request(bad, emulator, credentials):
    with pytest.raises(aliread.InvalidInputError) as caught:
        aliread.get_join_permission_auth_order(bad, endpoint=emulator.url)
    assert "order_id" in str(caught.value)
    assert emulator.count() == 0


def test_invalid_input_is_also_a_value_error():
    with pytest.raises(ValueError):
        aliread.get_handshake("nope")


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"region": ""}, "region"),
        ({"region": "CN Shanghai"}, "region"),
        ({"region": "cn-shanghai&Action=x"}, "region"),
        ({"endpoint": ""}, "endpoint"),
        ({"endpoint": "ftp://x"}, "scheme 'ftp'"),
        ({"endpoint": "http://user:hunter2@127.0.0.1:1"}, "must not carry credentials"),
        ({"endpoint": "https://host/some/path"}, "no path"),
        ({"endpoint": "https://host?x=1"}, "no path or query"),
        ({"endpoint": "http://127.0.0.1:99999"}, "not a valid URL"),
        ({"endpoint": "bad host name"}, "not a host name"),
        ({"api_version": "2000-01-01"}, "api_version"),
        ({"expected_state": "accepted"}, "did you mean 'ACCEPTED'"),
        ({"expected_state": ["ACCEPTED", "DONE"]}, "'DONE' is not a state"),
        ({"expected_state": []}, "empty list"),
        ({"expected_state": 5}, "must be a state or a list"),
        ({"read_timeout": 0}, "read_timeout"),
        ({"max_attempts": -1}, "max_attempts"),
        ({"max_attempts": 2.5}, "max_attempts must be a whole number of attempts, got 2.5"),
        ({"backoff_base": 10}, "backoff_base (10 s, the first retry pause) is more than "
                               "backoff_cap (5 s"),
        ({"backoff_base": 2, "backoff_cap": 1}, "give a backoff_base at most backoff_cap"),
    ],
)
def test_bad_option_is_refused_before_any_request(options, fragment, emulator, credentials):
    options.setdefault("endpoint", emulator.url)
    with pytest.raises(aliread.InvalidInputError) as caught:
        aliread.get_join_permission_auth_order(SEED_ORDER_ID, **options)
    assert fragment in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert emulator.count() == 0


def test_unknown_handshake_status_expectation(emulator, credentials):
    with pytest.raises(aliread.InvalidInputError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, expected_status="Done")
    assert "Pending" in str(caught.value) and "Accepted" in str(caught.value)
    assert emulator.count() == 0


def test_bad_configured_region_is_refused(emulator, credentials, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "not a region")
    with pytest.raises(aliread.InvalidInputError, match="variable ALIBABA_CLOUD_REGION_ID"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert emulator.count() == 0


def test_a_locally_refused_input_has_the_code_the_cli_prints() -> None:
    import pulumi_aliread as aliread

    with pytest.raises(aliread.InvalidInputError) as caught:
        aliread.get_handshake("h-bad")
    assert caught.value.code == "InvalidInput"


def test_whole_attempts_and_a_first_pause_within_the_cap_are_taken(emulator, credentials):
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url,
                                   max_attempts=3.0, backoff_base=7, backoff_cap=7)
    assert result.status == "Pending"
    options = aliread.ReadOptions(max_attempts=3.0)
    assert options.max_attempts == 3 and isinstance(options.max_attempts, int)


def test_a_huge_id_is_shortened_in_the_message(emulator, credentials):
    huge = "h-" + "a" * 3_000_000
    with pytest.raises(aliread.InvalidInputError) as caught:
        aliread.get_handshake(huge, endpoint=emulator.url)
    message = str(caught.value)
    assert "'h-aaaa" in message and "3000002 characters long" in message
    assert len(message) < 300
    assert emulator.count() == 0
