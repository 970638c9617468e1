"""The test data's facts are the API reference pages' own (an extra check: it needs
``../shared/seeds/`` beside the checkout, and the rest of the suite does not)."""

from __future__ import annotations

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
