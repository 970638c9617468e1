"""``get_handshakes``: ListHandshakesForResourceDirectory / ListHandshakesForAccount page
by page, against the emulator over loopback HTTP (its real paging, key-to-account map,
list shifts between pages and faults by page)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.core.apis import HANDSHAKE, LIST_HANDSHAKES, LIST_HANDSHAKES_FOR_ACCOUNT
from pulumi_aliread.testing import (
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    INVITED_ACCOUNT_ID,
    SEED_HANDSHAKE_ID,
    Emulator,
    Fault,
)

DIRECTORY = LIST_HANDSHAKES.action
FOR_ACCOUNT = LIST_HANDSHAKES_FOR_ACCOUNT.action
FACTS = json.loads((Path(__file__).parent / "data" / "list_handshakes.json")
                   .read_text(encoding="utf-8"))
FAST = {"backoff_base": 0.01, "backoff_cap": 0.02}


def _listed(emulator: Emulator, **keywords: object) -> aliread.GetHandshakesResult:
    return aliread.get_handshakes(endpoint=emulator.url, **{**FAST, **keywords})


@pytest.fixture
def invited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", INVITED_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", INVITED_ACCESS_KEY_SECRET)


def test_the_list_specs_are_the_reference_facts() -> None:
    for spec in (LIST_HANDSHAKES, LIST_HANDSHAKES_FOR_ACCOUNT):
        assert spec.action in FACTS["actions"]
        assert (spec.product, spec.version) == (FACTS["product"], FACTS["version"])
        assert spec.page_size_max == FACTS["paging"][spec.page_size_param]["max"]
        assert FACTS["paging"][spec.page_number_param]["min"] == 1
        assert [f.api_name for f in spec.fields] == FACTS["row_fields"]
        assert {spec.total_key, spec.response_key} <= set(FACTS["envelope_fields"])
        assert spec.items_key in FACTS["json_example"][spec.response_key]


def test_several_pages_of_100_in_the_api_order(emulator, credentials):
    added = emulator.add_handshakes(250)

    result = _listed(emulator)

    assert result.ids == (SEED_HANDSHAKE_ID, *added)
    assert result.total_count == 251 == len(result.handshakes)
    assert [emulator.count(DIRECTORY, page=n) for n in (1, 2, 3, 4)] == [1, 1, 1, 0]
    assert {r.params["PageSize"] for r in emulator.requests} == {"100"}
    assert len(result.request_ids) == 3 and len(set(result.request_ids)) == 3
    first = result.handshakes[0]
    assert isinstance(first, aliread.GetHandshakeResult)
    assert first.status == "Pending" and first.target_entity == INVITED_ACCOUNT_ID
    assert first.master_account_real_name is None and first.invited_account_real_name is None
    assert first.request_id == result.request_ids[0]
    assert result.handshakes[-1].request_id == result.request_ids[2]


def test_a_full_last_page_ends_the_listing_at_the_total(emulator, credentials):
    emulator.add_handshakes(199)

    assert len(_listed(emulator).ids) == 200

    assert emulator.count(DIRECTORY) == 2


def test_filters_apply_after_every_page_is_read(emulator, credentials):
    added = emulator.add_handshakes(
        150, status=["Pending", "Accepted", "Expired"],
        target_entity=["a@example.com", "b@example.com"])
    everything = _listed(emulator).handshakes
    emulator.clear()

    pending_or_expired = _listed(emulator, status=["Pending", "Expired"])
    for_b = _listed(emulator, status="Accepted", target_entity="b@example.com")
    by_id = _listed(emulator, ids=[added[7], added[3], added[3]])

    assert pending_or_expired.ids == tuple(
        h.id for h in everything if h.status in ("Pending", "Expired"))
    assert for_b.ids == tuple(h.id for h in everything
                              if h.status == "Accepted" and h.target_entity == "b@example.com")
    assert for_b.ids and by_id.ids == (added[3], added[7])  # the API's order
    assert pending_or_expired.total_count == 151 == for_b.total_count
    assert emulator.count(DIRECTORY) == 6  # two pages a listing, no other request


def test_the_invited_accounts_view(emulator, invited):
    emulator.add_handshakes(120, target_entity=[INVITED_ACCOUNT_ID, "other@example.com"])

    result = _listed(emulator, invited_account=True)

    assert result.total_count == 61 == len(result.ids)  # the seed's and 60 of the copies
    assert {h.target_entity for h in result.handshakes} == {INVITED_ACCOUNT_ID}
    assert emulator.count(FOR_ACCOUNT) == 1 and emulator.count(DIRECTORY) == 0


def test_with_details_reads_each_listed_invitation(emulator, credentials):
    added = emulator.add_handshakes(40, status=["Pending", "Declined"])

    result = _listed(emulator, status="Declined", with_details=True)

    assert result.ids == tuple(added[1::2])
    assert emulator.count(HANDSHAKE.action) == 20
    for handshake in result.handshakes:
        assert handshake.master_account_real_name == "company"
        assert handshake.invited_account_real_name == "Alice"
        assert handshake.request_id not in result.request_ids


def test_with_details_in_the_invited_view_keeps_an_accepted_row(emulator, invited):
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")  # hidden from the invited account

    result = _listed(emulator, invited_account=True, with_details=True)

    (row,) = result.handshakes
    assert row.status == "Accepted" and row.master_account_real_name is None
    assert emulator.count(HANDSHAKE.action, status=409) == 1


def test_a_list_that_shrinks_between_pages_is_read_again(emulator, credentials):
    added = emulator.add_handshakes(250)
    shift = emulator.between_pages(after_page=1, remove=[added[10]], action=DIRECTORY)

    result = _listed(emulator)

    assert shift.fired
    assert result.ids == (SEED_HANDSHAKE_ID, *added[:10], *added[11:])  # each once, all
    assert result.total_count == 250
    assert emulator.count(DIRECTORY, page=1) == 2  # started over once


def test_a_list_that_grows_between_pages_is_read_again(emulator, credentials):
    added = emulator.add_handshakes(150)
    extra = {**emulator.get_object(added[0]), "HandshakeId": "h-zzzzzzzzzzzzzzz1"}
    emulator.between_pages(after_page=1, add=[extra])

    result = _listed(emulator)

    assert result.ids == (SEED_HANDSHAKE_ID, *added, "h-zzzzzzzzzzzzzzz1")
    assert len(set(result.ids)) == len(result.ids) == result.total_count


def test_a_list_that_keeps_changing_fails_after_three_restarts(emulator, credentials):
    added = emulator.add_handshakes(150)
    for victim in added[:4]:
        emulator.between_pages(after_page=1, remove=[victim])

    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        _listed(emulator)

    assert caught.value.code == "ListChanging"
    assert "changed while it was read" in str(caught.value) and "3 times" in str(caught.value)
    assert emulator.count(DIRECTORY, page=1) == 4


def test_a_throttled_page_is_retried(emulator, credentials):
    emulator.add_handshakes(250)
    emulator.inject(Fault.throttle(), times=2, action=DIRECTORY, page=2)

    result = _listed(emulator)

    assert len(result.ids) == 251
    assert [emulator.count(DIRECTORY, page=n) for n in (1, 2, 3)] == [1, 3, 1]


def test_a_page_throttled_past_every_attempt_fails_the_listing(emulator, credentials):
    emulator.add_handshakes(150)
    emulator.inject(Fault.throttle(), action=DIRECTORY, page=2)

    with pytest.raises(aliread.ServiceUnavailableError) as caught:
        _listed(emulator, max_attempts=2)

    assert caught.value.attempts == 2 and caught.value.stop_reason == "max_attempts"
    assert "PageNumber=2" in str(caught.value)


@pytest.mark.parametrize(("keywords", "words"), [
    ({"status": "pending"}, "did you mean 'Pending'"),
    ({"status": ["Pending", 5]}, "status holds a int"),
    ({"status": "Sent"}, "'Sent' is not a state"),
    ({"expected_status": "accepted"}, "expected_status 'accepted'"),
    ({"ids": ["h-0123456789abcdef", "h-short"]}, "'h-short' is not a valid id"),
    ({"ids": 7}, "ids must be an id or a list of ids"),
    ({"target_entity": ""}, "target_entity '' is empty"),
    ({"target_entity": 12}, "target_entity must be"),
    ({"invited_account": "yes"}, "invited_account must be True or False"),
    ({"max_items": 0}, "max_items must be a whole number >= 1"),
    ({"deadline": -1}, "deadline"),
    ({"region": "Not a region"}, "region"),
])
def test_bad_input_is_refused_before_any_request(emulator, credentials, keywords, words):
    with pytest.raises(aliread.InvalidInputError) as caught:
        _listed(emulator, **keywords)

    assert words in str(caught.value)
    assert emulator.count() == 0


@pytest.mark.parametrize(("kind", "field"), [
    ("missing:Handshakes", "Handshakes: "),
    ("wrong_type:TotalCount", "TotalCount: "),
    ("missing:TotalCount", "TotalCount: "),
    ("missing_state", "Handshakes.Handshake[0].Status: "),
    ("missing:HandshakeId", "Handshakes.Handshake[0].HandshakeId: "),
    ("unknown_state", "Handshakes.Handshake[0].Status: "),
])
def test_a_malformed_page_names_the_page_and_the_field(emulator, credentials, kind, field):
    emulator.add_handshakes(150)
    emulator.inject(Fault.malformed(kind), action=DIRECTORY, page=2)

    with pytest.raises(aliread.ResponseValidationError) as caught:
        _listed(emulator)

    message = str(caught.value)
    assert message.startswith(f"page 2 of {DIRECTORY}: ") and field in message, message
    assert emulator.count(DIRECTORY) == 2  # not retried


def test_more_than_max_items_fails_after_the_first_page(emulator, credentials):
    emulator.add_handshakes(150)

    with pytest.raises(aliread.ApiError) as caught:
        _listed(emulator, max_items=120)

    assert caught.value.code == "TooManyItems"
    assert "151" in str(caught.value) and "max_items=120" in str(caught.value)
    assert emulator.count(DIRECTORY) == 1
    assert len(_listed(emulator, max_items=151).ids) == 151


def test_expected_status_names_the_invitations_that_are_not(emulator, credentials):
    added = emulator.add_handshakes(4, status=["Accepted", "Accepted", "Expired", "Accepted"])

    with pytest.raises(aliread.ExpectationNotMetError) as caught:
        _listed(emulator, expected_status="Accepted")
    passed = _listed(emulator, expected_status=["Accepted", "Pending"],
                     status=["Accepted", "Pending"])

    message = str(caught.value)
    assert f"{SEED_HANDSHAKE_ID} (Pending)" in message and f"{added[2]} (Expired)" in message
    assert added[0] not in message and "2 of 5" in message
    assert caught.value.result.ids == (SEED_HANDSHAKE_ID, *added)
    assert len(passed.ids) == 4


@pytest.mark.parametrize("keywords", [
    {"target_entity": "someone@exampel.com"},  # a typo: nothing is listed for it
    {"ids": "h-0000000000000000"},  # an invitation not sent (yet)
    {"status": "Declined"},
])
def test_an_expectation_is_not_met_by_nothing(emulator, credentials, keywords):
    """A gate on a listing must not pass because nothing matched its filters."""
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")

    with pytest.raises(aliread.ExpectationNotMetError) as caught:
        _listed(emulator, expected_status="Accepted", **keywords)

    assert "Accepted" in str(caught.value) and caught.value.result.ids == ()
    assert _listed(emulator, **keywords).ids == ()  # no expectation: an empty listing


def test_an_id_asked_for_and_not_listed_is_not_met(emulator, credentials):
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")

    with pytest.raises(aliread.ExpectationNotMetError) as caught:
        _listed(emulator, ids=[SEED_HANDSHAKE_ID, "h-0000000000000000"],
                expected_status="Accepted")

    assert "h-0000000000000000 (not listed)" in str(caught.value)
    assert SEED_HANDSHAKE_ID not in str(caught.value) and "1 of 2" in str(caught.value)
    assert caught.value.not_met == (("h-0000000000000000", "not listed"),)


def test_the_result_is_a_mapping_with_plain_dicts(emulator, credentials):
    result = _listed(emulator)

    data = result.to_dict()

    assert data["ids"] == [SEED_HANDSHAKE_ID] and data["total_count"] == 1
    assert data["handshakes"][0]["handshake_id"] == SEED_HANDSHAKE_ID
    assert json.loads(json.dumps(data)) == data
    assert set(result) == {"handshakes", "ids", "total_count", "request_ids"}


def test_the_filters_may_be_given_by_position_as_the_issue_writes_them(emulator, credentials):
    """``get_handshakes(status=None, ids=None, target_entity=None, invited_account=False,
    with_details=False, expected_status=None, region=..., endpoint=..., <options>)``."""
    emulator.add_handshakes(2, status=["Accepted", "Pending"])

    by_position = aliread.get_handshakes("Pending", endpoint=emulator.url)

    assert by_position.ids == _listed(emulator, status="Pending").ids
    assert len(by_position.ids) == 2  # the seed invitation and one added
