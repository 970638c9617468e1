"""The test data's facts are the API reference pages' own (an extra check: it needs
``../shared/seeds/`` beside the checkout, and the rest of the suite does not)."""

from __future__ import annotations

import list_facts
import pytest
import seeds


@pytest.mark.skipif(not seeds.pages_available(), reason="../shared/seeds not beside the checkout")
@pytest.mark.parametrize("page", seeds.PAGES)
def test_reference_data_is_what_the_page_says(page: str) -> None:
    path = seeds.page_path(page)
    assert seeds.error_codes(page) == seeds.parse_error_codes(path)
    assert seeds.json_example(page) == seeds.parse_json_example(path)


def test_reference_data_covers_both_pages() -> None:
    for page in seeds.PAGES:
        assert seeds.error_codes(page), page
        assert seeds.json_example(page).get("RequestId"), page
    assert {code for _, code, _ in seeds.error_cases()} == set(seeds.EXPECTED_CLASS)


@pytest.mark.skipif(not list_facts.notes_available(),
                    reason="../shared/notes not beside the checkout")
def test_list_facts_are_the_notes_own() -> None:
    text = " ".join(list_facts.NOTES.read_text(encoding="utf-8").split())  # one line
    names = (*list_facts.ACTIONS, *list_facts.ENVELOPE_FIELDS, *list_facts.ROW_FIELDS,
             *list_facts.FIELDS_NOT_IN_ROWS, *list_facts.STATUSES, list_facts.VERSION)
    for name in names:
        assert name in text, name
    for value in list_facts.TARGET_TYPES:
        assert f"`{value}`" in text, value
    assert (f"`PageSize` (integer, {list_facts.PAGE_SIZE_MIN} to {list_facts.PAGE_SIZE_MAX}, "
            f"default {list_facts.PAGE_SIZE_DEFAULT})") in text
    assert (f"`PageNumber` (integer, from {list_facts.PAGE_NUMBER_MIN}, default "
            f"{list_facts.PAGE_NUMBER_DEFAULT})") in text
    assert "does not name the error codes" in text  # so the emulator's codes are its own
    shape = list_facts.json_example()
    assert list(shape) == list(list_facts.ENVELOPE_FIELDS)
    assert all(list(row) == list(list_facts.ROW_FIELDS) for row in shape["Handshakes"]["Handshake"])
