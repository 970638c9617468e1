"""A malformed answer ends in ResponseValidationError naming the field; never a result."""

from __future__ import annotations

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Fault

HANDSHAKE_CASES = [
    ("truncated_json", "malformed JSON"),
    ("html", "HTML page"),
    ("empty", "empty body"),
    ("empty_object", "Handshake: must be an object"),
    ("invalid_utf8", "not valid UTF-8"),
    ("huge", "larger than 4 MiB"),
    ("deep_nesting", "nested too deeply"),
    ("not_object", "must be a JSON object"),
    ("null_object", "Handshake: must be an object (got null)"),
    ("missing_state", "Handshake.Status: Required"),
    ("unknown_state", 'Handshake.Status: Must be one of'),
    ("id_mismatch", "Handshake.HandshakeId: must be the requested id"),
    ("wrong_type:Note", "Handshake.Note: Not a valid string (got 123)"),
    ("wrong_type:CreateTime", "Handshake.CreateTime"),
    ("wrong_type:RequestId", "RequestId"),
    ("missing_request_id", "RequestId: Required"),
]

AUTH_ORDER_CASES = [
    ("success_false", "Success: must be true"),
    ("wrong_type:AcceptedMillis", 'Data.AcceptedMillis: Not a valid integer (got "1514736000000")'),
    ("wrong_type:Success", 'Success: Not a valid boolean (got "yes")'),
    ("wrong_type:OrderId", "Data.OrderId"),
    ("unknown_state", "Data.OrderState: Must be one of: APPLYING, ACCEPTED, REJECTED, CANCELED"),
    ("null_object", "Data: must be an object"),
    ("missing_state", "Data.OrderState: Required"),
]


@pytest.mark.parametrize("kind, fragment", HANDSHAKE_CASES)
def test_malformed_handshake_answer(kind, fragment, emulator, credentials):
    emulator.inject(Fault.malformed(kind))
    with pytest.raises(aliread.ResponseValidationError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert fragment in str(caught.value)
    assert emulator.count() == 1, "a malformed answer is not retried"


@pytest.mark.parametrize("kind, fragment", AUTH_ORDER_CASES)
def test_malformed_auth_order_answer(kind, fragment, emulator, credentials):
    emulator.inject(Fault.malformed(kind))
    with pytest.raises(aliread.ResponseValidationError) as caught:
        aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)
    assert fragment in str(caught.value)


def test_wrong_types_are_reported_together(emulator, credentials):
    body = (
        '{"RequestId":"R","Success":true,"Data":{"OrderId":"123","OrderState":"ACCEPTED",'
        '"AcceptedMillis":true,"ApplyingMillis":1.5,"OwnerAliyunId":7}}'
    )
    emulator.inject(Fault.body(body))
    with pytest.raises(aliread.ResponseValidationError) as caught:
        aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)
    message = str(caught.value)
    for path in ("Data.AcceptedMillis", "Data.ApplyingMillis", "Data.OwnerAliyunId"):
        assert path in message
    assert caught.value.request_id == "R"


def test_fields_added_later_by_the_cloud_are_tolerated(emulator, credentials):
    body = (
        '{"RequestId":"R","Success":true,"NewTopLevel":[1],"Data":{"OrderId":"123",'
        '"OrderState":"APPLYING","BrandNewField":{"x":1}}}'
    )
    emulator.inject(Fault.body(body))
    result = aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)
    assert result.order_state == "APPLYING" and result.accepted_millis is None
    assert not hasattr(result, "brand_new_field")


def test_deleted_status_is_accepted(emulator, credentials):
    emulator.set_state(SEED_HANDSHAKE_ID, "Deleted")
    assert aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url).status == "Deleted"


def test_success_false_is_refused_even_where_the_reference_has_no_success_flag(
    emulator, credentials
):
    body = '{"RequestId":"R","Success":false,"Handshake":{"HandshakeId":"%s","Status":"Accepted"}}'
    emulator.inject(Fault.body(body % SEED_HANDSHAKE_ID))
    with pytest.raises(aliread.ResponseValidationError, match="Success: must be true"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)


@pytest.mark.parametrize("member", ["AcceptedMillis", "OwnerAliyunId", "Unlisted"])
def test_an_integer_of_100_000_digits_is_refused_naming_its_field(member, emulator,
                                                                   credentials):
    huge = "9" * 100_000
    body = ('{"RequestId":"R","Success":true,"Data":{"OrderId":"' + SEED_ORDER_ID
            + f'","OrderState":"ACCEPTED","{member}":{huge}}}}}')
    emulator.inject(Fault.body(body))
    if member == "Unlisted":  # a member no field reads is dropped, as any other
        result = aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)
        assert result.order_state == "ACCEPTED"
        return
    with pytest.raises(aliread.ResponseValidationError) as caught:
        aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)
    message = str(caught.value)
    assert f"Data.{member}:" in message and "an integer of 100000 digits" in message
    assert "sys." not in message and "set_int_max_str_digits" not in message
    assert len(message) < 400 and caught.value.request_id == "R"


def test_an_error_answer_with_a_huge_integer_is_still_read_as_an_error(emulator,
                                                                       credentials):
    body = ('{"RequestId":"R","Code":"EntityNotExists.Handshake","Message":"gone",'
            f'"Extra":{"9" * 100_000}}}')
    emulator.inject(Fault.body(body, status=404))
    with pytest.raises(aliread.NotFoundError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert caught.value.code == "EntityNotExists.Handshake"
