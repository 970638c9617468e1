"""Every error code of both seeds maps to its class, with code, HTTP status and request id."""

from __future__ import annotations

import pytest
import seeds

import pulumi_aliread as aliread
from pulumi_aliread import errors
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Fault


def _cases():
    for api, code, status in seeds.error_cases():
        yield pytest.param(api, code, status, id=f"{api.action}-{code}")


def _read(api, emulator, **options):
    if api is HANDSHAKE:
        return aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, **options)
    return aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url,
                                                  **options)


def test_every_seed_code_is_described_with_its_status():
    for api, page in ((HANDSHAKE, seeds.HANDSHAKE_PAGE), (AUTH_ORDER, seeds.AUTH_ORDER_PAGE)):
        codes = seeds.error_codes(page)
        assert codes, f"no error table in the reference data of {page}"
        for code, status in codes.items():
            assert api.error_table[code].http_status == status, code


@pytest.mark.parametrize("api, code, status", list(_cases()))
def test_seed_error_maps_to_its_class(api, code, status, emulator, credentials):
    emulator.inject(Fault.error(code))

    with pytest.raises(errors.AlireadError) as caught:
        _read(api, emulator, max_attempts=2, backoff_base=0.01)

    error = caught.value
    assert type(error) is seeds.EXPECTED_CLASS[code]
    assert (error.code, error.http_status) == (code, status)
    assert error.request_id and error.request_id in str(error)
    assert "To fix:" in str(error) or "Gave up" in str(error)
    sent = emulator.count()
    assert sent == (2 if error.code == "InternalError" else 1), "permanent errors are sent once"


def test_not_found_for_an_unknown_id(emulator, credentials):
    with pytest.raises(aliread.NotFoundError) as caught:
        aliread.get_handshake("h-0000000000000000", endpoint=emulator.url)
    assert caught.value.code == "EntityNotExists.Handshake"
    assert caught.value.http_status == 404
    assert "h-0000000000000000" in str(caught.value)

    with pytest.raises(aliread.NotFoundError) as caught:
        aliread.get_join_permission_auth_order("999", endpoint=emulator.url)
    assert (caught.value.code, caught.value.http_status) == ("NonExistent", 400)


def test_unknown_error_code_keeps_its_code_and_message(emulator, credentials):
    emulator.inject(Fault.body(
        '{"RequestId":"R-1","Code":"Brand.New","Message":"something new"}', status=400
    ))
    with pytest.raises(aliread.ApiError) as caught:
        _read(HANDSHAKE, emulator)
    assert (caught.value.code, caught.value.http_status) == ("Brand.New", 400)
    assert caught.value.request_id == "R-1" and "something new" in str(caught.value)


def test_error_message_without_colon_is_mapped_cleanly(emulator, credentials):
    # aliyunsdkcore 2.16 raises IndexError on such a SignatureDoesNotMatch message.
    emulator.inject(Fault.body(
        '{"RequestId":"R-2","Code":"SignatureDoesNotMatch","Message":"no colon here"}',
        status=400,
    ))
    with pytest.raises(aliread.AccessDeniedError) as caught:
        _read(HANDSHAKE, emulator)
    assert caught.value.code == "SignatureDoesNotMatch"


def test_errors_can_be_caught_by_the_base_class(emulator, credentials):
    with pytest.raises(aliread.AlireadError):
        aliread.get_handshake("h-0000000000000000", endpoint=emulator.url)
