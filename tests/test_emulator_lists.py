"""The emulator's list actions (ListHandshakesForResourceDirectory, ListHandshakesForAccount)
over real loopback HTTP, called with the classic SDK's own signer (aliyunsdkcore's
``CommonRequest``): paging, the invited view, the 400 codes, shifting a list between
pages, faults on pages, XML, the request log. Facts from ``tests/data`` (list_facts)."""

from __future__ import annotations

import collections
import json
import xml.etree.ElementTree as ET
from typing import Any

import list_facts
import pytest
import seeds
from test_emulator import call, signed

from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    INVITED_ACCOUNT_ID,
    MANAGEMENT_ACCOUNT_ID,
    SEED_HANDSHAKE_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
    Fault,
    lists,
)

DIRECTORY = list_facts.DIRECTORY_ACTION
ACCOUNT = list_facts.ACCOUNT_ACTION
SEED_HANDSHAKE = seeds.seed_handshake()
SEED_ROW = {k: v for k, v in SEED_HANDSHAKE.items() if k not in list_facts.FIELDS_NOT_IN_ROWS}
OTHER_ACCOUNT = "1234567890123456"


@pytest.fixture
def emu() -> Any:
    with Emulator() as running:
        yield running


def _client(key: str = DEFAULT_ACCESS_KEY_ID, secret: str = DEFAULT_ACCESS_KEY_SECRET,
            token: str | None = None) -> Any:
    from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
    from aliyunsdkcore.client import AcsClient

    credential = StsTokenCredential(key, secret, token) if token else AccessKeyCredential(
        key, secret)
    return AcsClient(region_id="cn-hangzhou", credential=credential, auto_retry=False,
                     max_retry_time=0, timeout=10, connect_timeout=5)


def _request(emu: Emulator, action: str, version: str = list_facts.VERSION,
             **params: Any) -> Any:
    from aliyunsdkcore.request import CommonRequest

    request = CommonRequest(domain=emu.url.removeprefix("http://"), version=version,
                            action_name=action, product=list_facts.PRODUCT)
    request.set_protocol_type("http")
    request.set_method("POST")
    for name, value in params.items():
        request.add_query_param(name, str(value))
    return request


def page(emu: Emulator, action: str = DIRECTORY, client: Any = None, **params: Any
         ) -> dict[str, Any]:
    """One page, through the SDK (raises its ServerException on an error answer)."""
    raw = (client or _client()).do_action_with_exception(_request(emu, action, **params))
    return json.loads(raw)


def refused(emu: Emulator, action: str = DIRECTORY, client: Any = None,
            **params: Any) -> tuple[int, str]:
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    with pytest.raises(ServerException) as caught:
        (client or _client()).do_action_with_exception(_request(emu, action, **params))
    return caught.value.get_http_status(), caught.value.get_error_code()


def ids_of(body: dict[str, Any]) -> list[str]:
    return [row["HandshakeId"] for row in body["Handshakes"]["Handshake"]]


def every_id(emu: Emulator, action: str = DIRECTORY, size: int = 10, client: Any = None
             ) -> list[str]:
    found: list[str] = []
    number = 1
    while True:
        body = page(emu, action, client, PageNumber=number, PageSize=size)
        found += ids_of(body)
        if len(found) >= body["TotalCount"]:
            return found
        number += 1


# -- the emulator's table is the facts' ---------------------------------------------------


def test_the_emulators_list_table_is_the_reference_facts() -> None:
    assert tuple(lists.LISTS) == list_facts.ACTIONS
    assert {s.version for s in lists.LISTS.values()} == {list_facts.VERSION}
    assert {s.host for s in lists.LISTS.values()} == {list_facts.ENDPOINT}
    assert {s.product for s in lists.LISTS.values()} == {list_facts.PRODUCT}
    assert lists.ROW_FIELDS == list_facts.ROW_FIELDS
    assert (lists.PAGE_SIZE_MIN, lists.PAGE_SIZE_MAX, lists.PAGE_SIZE_DEFAULT) == (
        list_facts.PAGE_SIZE_MIN, list_facts.PAGE_SIZE_MAX, list_facts.PAGE_SIZE_DEFAULT)
    assert lists.PAGE_NUMBER_DEFAULT == list_facts.PAGE_NUMBER_DEFAULT


# -- the management account's view, paged -------------------------------------------------


def test_pages_give_every_invitation_once_in_the_datas_order(emu: Emulator) -> None:
    ids = emu.add_handshakes(25)

    bodies = [page(emu, PageNumber=n, PageSize=10) for n in (1, 2, 3)]

    assert [len(ids_of(b)) for b in bodies] == [10, 10, 6]
    assert sum((ids_of(b) for b in bodies), []) == [SEED_HANDSHAKE_ID, *ids]
    for number, body in enumerate(bodies, 1):
        assert list(body) == list(list_facts.ENVELOPE_FIELDS)
        assert (body["TotalCount"], body["PageNumber"], body["PageSize"]) == (26, number, 10)
        assert body["RequestId"]


def test_a_page_past_the_end_is_empty_with_the_total(emu: Emulator) -> None:
    emu.add_handshakes(4)
    body = page(emu, PageNumber=2, PageSize=5)
    assert (len(ids_of(body)), body["TotalCount"]) == (0, 5)
    body = page(emu, PageNumber=lists.PAGE_NUMBER_MAX, PageSize=100)
    assert body["Handshakes"] == {"Handshake": []} and body["TotalCount"] == 5


def test_defaults_are_page_1_of_10(emu: Emulator) -> None:
    ids = emu.add_handshakes(14)
    body = page(emu)
    assert (body["PageNumber"], body["PageSize"]) == (
        list_facts.PAGE_NUMBER_DEFAULT, list_facts.PAGE_SIZE_DEFAULT)
    assert ids_of(body) == [SEED_HANDSHAKE_ID, *ids[:9]]
    assert emu.requests[-1].page == 1


def test_rows_are_the_invitations_without_the_real_name_fields(emu: Emulator) -> None:
    [row] = page(emu)["Handshakes"]["Handshake"]
    assert row == SEED_ROW
    assert list(row) == list(list_facts.ROW_FIELDS)
    example_row = list_facts.json_example()["Handshakes"]["Handshake"][0]
    assert list(row) == list(example_row)


def test_a_field_the_data_leaves_out_stays_out_of_the_row() -> None:
    bare = {k: v for k, v in SEED_HANDSHAKE.items() if k != "Note"}
    with Emulator(data={"handshakes": [bare]}) as emu:
        [row] = page(emu)["Handshakes"]["Handshake"]
    assert "Note" not in row and row["HandshakeId"] == SEED_HANDSHAKE_ID


@pytest.mark.parametrize("size", [list_facts.PAGE_SIZE_MIN, list_facts.PAGE_SIZE_MAX])
def test_page_size_limits_are_accepted(emu: Emulator, size: int) -> None:
    emu.add_handshakes(150)
    body = page(emu, PageSize=size)
    assert len(ids_of(body)) == size and body["TotalCount"] == 151


def test_a_scripted_state_is_listed_without_moving_the_script(emu: Emulator) -> None:
    emu.script(SEED_HANDSHAKE_ID, ["Pending", "Accepted"])
    assert page(emu)["Handshakes"]["Handshake"][0]["Status"] == "Pending"
    assert page(emu)["Handshakes"]["Handshake"][0]["Status"] == "Pending"
    emu.set_state(SEED_HANDSHAKE_ID, "Expired")
    assert page(emu)["Handshakes"]["Handshake"][0]["Status"] == "Expired"


# -- bad paging: 400 with the emulator's codes ----------------------------------------------


BAD_PAGING = [
    ({"PageSize": 0}, list_facts.EMULATOR_PAGE_SIZE_CODE),
    ({"PageSize": list_facts.PAGE_SIZE_MAX + 1}, list_facts.EMULATOR_PAGE_SIZE_CODE),
    ({"PageSize": -1}, list_facts.EMULATOR_PAGE_SIZE_CODE),
    ({"PageSize": "ten"}, list_facts.EMULATOR_PAGE_SIZE_CODE),
    ({"PageSize": "1.5"}, list_facts.EMULATOR_PAGE_SIZE_CODE),
    ({"PageSize": "+5"}, list_facts.EMULATOR_PAGE_SIZE_CODE),
    ({"PageNumber": 0}, list_facts.EMULATOR_PAGE_NUMBER_CODE),
    ({"PageNumber": "x"}, list_facts.EMULATOR_PAGE_NUMBER_CODE),
    ({"PageNumber": lists.PAGE_NUMBER_MAX + 1}, list_facts.EMULATOR_PAGE_NUMBER_CODE),
    ({"PageNumber": "9" * 40}, list_facts.EMULATOR_PAGE_NUMBER_CODE),
]


@pytest.mark.parametrize("action", list_facts.ACTIONS)
@pytest.mark.parametrize("params,code", BAD_PAGING)
def test_bad_paging_is_400_with_the_emulators_code(emu: Emulator, action: str,
                                                   params: dict[str, Any], code: str) -> None:
    client = _client(INVITED_ACCESS_KEY_ID, INVITED_ACCESS_KEY_SECRET)
    assert refused(emu, action, client, **params) == (400, code)
    assert emu.requests[-1].status == 400


def test_bad_paging_message_names_the_value_and_the_rule(emu: Emulator) -> None:
    status, _, body = call(emu, signed({"Action": DIRECTORY, "Version": list_facts.VERSION,
                                        "PageSize": "500"}))
    assert status == 400 and body["Code"] == list_facts.EMULATOR_PAGE_SIZE_CODE
    assert "'500'" in body["Message"] and "1 to 100" in body["Message"]
    assert "product=ResourceManager" in body["Recommend"]


# -- the gateway checks apply --------------------------------------------------------------


@pytest.mark.parametrize("action", list_facts.ACTIONS)
def test_a_wrong_secret_is_refused(emu: Emulator, action: str) -> None:
    status, _ = refused(emu, action, _client(secret="not-the-secret"))
    # (The SDK may rename the code to InvalidAccessKeySecret: the record has the answer's.)
    assert status == 400 and emu.requests[-1].code == "SignatureDoesNotMatch"


def test_sts_keys_list_with_their_token_only(emu: Emulator) -> None:
    good = _client(STS_ACCESS_KEY_ID, STS_ACCESS_KEY_SECRET, STS_TOKEN)
    assert ids_of(page(emu, DIRECTORY, good)) == [SEED_HANDSHAKE_ID]
    bad = _client(STS_ACCESS_KEY_ID, STS_ACCESS_KEY_SECRET, "CAISnotTheToken")
    assert refused(emu, DIRECTORY, bad) == (400, "InvalidSecurityToken.MismatchWithAccessKey")
    emu.expire_token(STS_ACCESS_KEY_ID)
    assert refused(emu, ACCOUNT, good)[1] == "InvalidSecurityToken.Expired"


def test_a_reused_nonce_and_another_version_are_refused(emu: Emulator) -> None:
    params = signed({"Action": ACCOUNT, "Version": list_facts.VERSION}, nonce="n-1")
    assert call(emu, params)[0] == 200
    status, _, body = call(emu, params)
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")
    status, _, body = call(emu, signed({"Action": DIRECTORY, "Version": "2016-11-11"}))
    assert body["Code"] == "InvalidVersion"


# -- the invited account's view ------------------------------------------------------------


def test_the_invited_view_lists_the_invitations_sent_to_the_callers_account(
    emu: Emulator,
) -> None:
    ids = emu.add_handshakes(9, target_entity=[INVITED_ACCOUNT_ID, OTHER_ACCOUNT, "a@b.c"])
    invited = _client(INVITED_ACCESS_KEY_ID, INVITED_ACCESS_KEY_SECRET)

    listed = every_id(emu, ACCOUNT, size=2, client=invited)

    assert listed == [SEED_HANDSHAKE_ID, ids[0], ids[3], ids[6]]
    body = page(emu, ACCOUNT, invited, PageNumber=2, PageSize=2)
    assert body["TotalCount"] == 4
    assert {row["TargetEntity"] for row in body["Handshakes"]["Handshake"]} == {
        INVITED_ACCOUNT_ID}
    # The management account is sent none of them; it sees all in its own view.
    assert page(emu, ACCOUNT)["TotalCount"] == 0
    assert page(emu, DIRECTORY)["TotalCount"] == 10
    assert emu.requests[-1].access_key_id == DEFAULT_ACCESS_KEY_ID


def test_targets_set_the_target_type(emu: Emulator) -> None:
    emu.add_handshakes(2, target_entity=[OTHER_ACCOUNT, "x@example.com"])
    rows = page(emu)["Handshakes"]["Handshake"][1:]
    assert [(r["TargetEntity"], r["TargetType"]) for r in rows] == [
        (OTHER_ACCOUNT, "Account"), ("x@example.com", "Email")]
    assert {r["TargetType"] for r in rows} == set(list_facts.TARGET_TYPES)


def test_default_accounts_follow_the_invited_keys() -> None:
    emu = Emulator(invited_access_key_ids=[STS_ACCESS_KEY_ID])
    assert emu.accounts == {DEFAULT_ACCESS_KEY_ID: MANAGEMENT_ACCOUNT_ID,
                            INVITED_ACCESS_KEY_ID: MANAGEMENT_ACCOUNT_ID,
                            STS_ACCESS_KEY_ID: INVITED_ACCOUNT_ID}
    assert Emulator().accounts[INVITED_ACCESS_KEY_ID] == INVITED_ACCOUNT_ID
    assert SEED_HANDSHAKE["TargetEntity"] == INVITED_ACCOUNT_ID
    assert SEED_HANDSHAKE["MasterAccountId"] == MANAGEMENT_ACCOUNT_ID


def test_the_data_and_the_argument_map_keys_to_accounts(tmp_path: Any) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"handshakes": [{**SEED_HANDSHAKE, "TargetEntity": "77"}],
                                "accounts": {STS_ACCESS_KEY_ID: "77"}}))
    sts = _client(STS_ACCESS_KEY_ID, STS_ACCESS_KEY_SECRET, STS_TOKEN)
    with Emulator(data=str(path)) as emu:
        assert ids_of(page(emu, ACCOUNT, sts)) == [SEED_HANDSHAKE_ID]
        assert page(emu, ACCOUNT, _client(INVITED_ACCESS_KEY_ID, INVITED_ACCESS_KEY_SECRET)
                    )["TotalCount"] == 0
    with Emulator(data=str(path), accounts={STS_ACCESS_KEY_ID: "78"}) as emu:
        assert page(emu, ACCOUNT, sts)["TotalCount"] == 0


@pytest.mark.parametrize("data,what", [
    ({"accounts": []}, "'accounts' must be an object"),
    ({"accounts": {DEFAULT_ACCESS_KEY_ID: 5}}, f"accounts[{DEFAULT_ACCESS_KEY_ID!r}] must be"),
    ({"accounts": {DEFAULT_ACCESS_KEY_ID: ""}}, "must be a non-empty string"),
    ({"accounts": {"LTAI5tNobody": "1"}}, "'LTAI5tNobody' is not an AccessKeyId"),
])
def test_bad_accounts_are_a_value_error_naming_them(data: Any, what: str) -> None:
    with pytest.raises(ValueError) as caught:
        Emulator(data=data)
    assert what in str(caught.value)


# -- many invitations, cheaply -------------------------------------------------------------


def test_a_thousand_invitations_with_mixed_statuses_and_targets(emu: Emulator) -> None:
    statuses = list(list_facts.STATUSES)
    ids = emu.add_handshakes(1000, status=statuses, target_entity=[INVITED_ACCOUNT_ID,
                                                                   OTHER_ACCOUNT])
    rows: list[dict[str, Any]] = []
    for number in range(1, 12):
        rows += page(emu, PageNumber=number, PageSize=100)["Handshakes"]["Handshake"]

    assert [r["HandshakeId"] for r in rows] == [SEED_HANDSHAKE_ID, *ids]
    assert collections.Counter(r["Status"] for r in rows[1:]) == {s: 200 for s in statuses}
    assert collections.Counter(r["TargetEntity"] for r in rows[1:]) == {
        INVITED_ACCOUNT_ID: 500, OTHER_ACCOUNT: 500}
    invited = _client(INVITED_ACCESS_KEY_ID, INVITED_ACCESS_KEY_SECRET)
    assert page(emu, ACCOUNT, invited)["TotalCount"] == 501


@pytest.mark.parametrize("kwargs", [{"status": "Done"}, {"status": []},
                                    {"target_entity": ""}, {"target_entity": ["a", ""]}])
def test_add_handshakes_refuses_bad_statuses_and_targets(emu: Emulator,
                                                         kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        emu.add_handshakes(3, **kwargs)
    assert page(emu)["TotalCount"] == 1


# -- shifting a list between two pages -------------------------------------------------------


def test_removing_after_page_1_shifts_page_2(emu: Emulator) -> None:
    ids = emu.add_handshakes(25)
    shift = emu.between_pages(after_page=1, remove=[ids[0]])

    first = page(emu, PageNumber=1, PageSize=10)
    assert shift.fired and first["TotalCount"] == 26
    second = page(emu, PageNumber=2, PageSize=10)

    # ids[9] slid onto page 1 after it was read: a client that does not restart loses it.
    assert second["TotalCount"] == 25
    assert ids_of(second) == ids[10:20]
    assert ids[9] in ids_of(first) + every_id(emu)


def test_adding_after_page_2_shows_on_the_last_page(emu: Emulator) -> None:
    ids = emu.add_handshakes(19)
    new = {**SEED_HANDSHAKE, "HandshakeId": "h-new0000000000001", "Status": "Pending"}
    shift = emu.between_pages(2, add=[new], action=DIRECTORY)

    page(emu, PageNumber=1)
    assert not shift.fired
    page(emu, PageNumber=2)
    third = page(emu, PageNumber=3)

    assert shift.fired
    assert third["TotalCount"] == 21 and ids_of(third) == ["h-new0000000000001"]
    assert every_id(emu) == [SEED_HANDSHAKE_ID, *ids, "h-new0000000000001"]


def test_waiting_shifts_fire_one_per_answer_of_their_page(emu: Emulator) -> None:
    ids = emu.add_handshakes(4)
    shifts = [emu.between_pages(1, remove=[object_id]) for object_id in ids[:3]]
    totals = [page(emu, PageSize=2)["TotalCount"] for _ in range(4)]
    assert totals == [5, 4, 3, 2]
    assert all(s.fired for s in shifts)


def test_a_shift_for_one_action_waits_for_that_action(emu: Emulator) -> None:
    shift = emu.between_pages(1, remove=[SEED_HANDSHAKE_ID], action=ACCOUNT)
    page(emu, DIRECTORY)
    assert not shift.fired and emu.get_object(SEED_HANDSHAKE_ID) is not None
    refused(emu, DIRECTORY, PageSize=0)  # a refused page is not an answered page
    page(emu, ACCOUNT)
    assert shift.fired and emu.get_object(SEED_HANDSHAKE_ID) is None


def test_a_faulted_page_does_not_fire_a_shift(emu: Emulator) -> None:
    shift = emu.between_pages(1, remove=[SEED_HANDSHAKE_ID])
    emu.inject(Fault.throttle(), times=1, action=DIRECTORY)
    refused(emu)
    assert not shift.fired
    page(emu)
    assert shift.fired


@pytest.mark.parametrize("kwargs,error", [
    ({"after_page": 0}, ValueError),
    ({"action": "GetHandshake"}, ValueError),
    ({"add": [{"HandshakeId": "h-bad", "Status": "Pending"}]}, ValueError),
    ({"add": [{**SEED_HANDSHAKE, "Status": "Done"}]}, ValueError),
    ({"remove": ["h-0000000000000000"]}, KeyError),
])
def test_a_bad_shift_is_refused_when_asked_for(emu: Emulator, kwargs: dict[str, Any],
                                               error: type[Exception]) -> None:
    with pytest.raises(error):
        emu.between_pages(**kwargs)
    page(emu)
    assert page(emu)["TotalCount"] == 1


# -- faults on pages --------------------------------------------------------------------------


def test_page_2_throttled_once(emu: Emulator) -> None:
    emu.add_handshakes(25)
    emu.inject(Fault.throttle(), times=1, action=DIRECTORY, page=2)

    assert page(emu, PageNumber=1)["PageNumber"] == 1
    assert refused(emu, PageNumber=2) == (400, "Throttling.User")
    assert page(emu, PageNumber=2)["PageNumber"] == 2
    assert page(emu, PageNumber=3)["PageNumber"] == 3
    assert emu.count(DIRECTORY, page=2) == 2
    assert emu.count(DIRECTORY, page=2, status=400) == 1
    assert emu.count(DIRECTORY, page=1, status=200) == 1


def test_faults_match_by_action(emu: Emulator) -> None:
    emu.inject(Fault.http(503), action="GetHandshake")
    emu.inject(Fault.http(500), action=ACCOUNT)
    assert page(emu, DIRECTORY)["TotalCount"] == 1
    assert refused(emu, ACCOUNT) == (500, "InternalError")


def test_an_unfiltered_fault_spoils_pages_too(emu: Emulator) -> None:
    emu.inject(Fault.http(503), times=1)
    assert refused(emu, ACCOUNT) == (503, "ServiceUnavailable")


@pytest.mark.parametrize("kind,check", [
    ("wrong_type:TotalCount", lambda b: b["TotalCount"] == "26"),
    ("missing:Handshakes", lambda b: "Handshakes" not in b and b["TotalCount"] == 26),
    ("missing:HandshakeId", lambda b: "HandshakeId" not in b["Handshakes"]["Handshake"][0]
     and b["Handshakes"]["Handshake"][1]["HandshakeId"]),
    ("missing_state", lambda b: "Status" not in b["Handshakes"]["Handshake"][0]),
    ("null_object", lambda b: b["Handshakes"] is None),
    ("empty_object", lambda b: b == {}),
])
def test_a_malformed_page_is_the_page_spoiled(emu: Emulator, kind: str, check: Any) -> None:
    emu.add_handshakes(25)
    emu.inject(Fault.malformed(kind), times=1, action=DIRECTORY, page=2)
    status, _, body = call(emu, signed({"Action": DIRECTORY, "Version": list_facts.VERSION,
                                        "PageNumber": "2"}))
    assert status == 200 and check(body), body
    assert page(emu, PageNumber=2)["TotalCount"] == 26


# -- XML --------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list_facts.ACTIONS)
def test_xml_pages_repeat_the_handshake_element(emu: Emulator, action: str) -> None:
    ids = emu.add_handshakes(3, target_entity=INVITED_ACCOUNT_ID)
    params = signed({"Action": action, "Version": list_facts.VERSION, "Format": "XML",
                     "PageNumber": "1", "PageSize": "3"},
                    key=INVITED_ACCESS_KEY_ID, secret=INVITED_ACCESS_KEY_SECRET)
    status, headers, raw = call(emu, params)

    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(raw)
    assert root.tag == f"{action}Response"
    assert [child.tag for child in root] == list(list_facts.ENVELOPE_FIELDS)
    assert (root.findtext("TotalCount"), root.findtext("PageSize")) == ("4", "3")
    rows = root.findall("Handshakes/Handshake")
    assert [r.findtext("HandshakeId") for r in rows] == [SEED_HANDSHAKE_ID, *ids[:2]]
    assert [child.tag for child in rows[0]] == list(list_facts.ROW_FIELDS)


def test_xml_empty_page_and_xml_error(emu: Emulator) -> None:
    status, _, raw = call(emu, signed({"Action": DIRECTORY, "Version": list_facts.VERSION,
                                       "Format": "XML", "PageNumber": "9"}))
    root = ET.fromstring(raw)
    assert status == 200 and root.findall("Handshakes/Handshake") == []
    assert root.find("Handshakes") is not None and root.findtext("TotalCount") == "1"
    status, _, raw = call(emu, signed({"Action": DIRECTORY, "Version": list_facts.VERSION,
                                       "Format": "XML", "PageSize": "0"}))
    assert status == 400
    assert ET.fromstring(raw).findtext("Code") == list_facts.EMULATOR_PAGE_SIZE_CODE


# -- the request log --------------------------------------------------------------------------


def test_the_request_log_has_one_line_per_request_and_no_secret() -> None:
    lines: list[str] = []
    with Emulator(request_log=lines.append) as emu:
        page(emu, PageNumber=2, PageSize=5)
        page(emu, ACCOUNT, _client(STS_ACCESS_KEY_ID, STS_ACCESS_KEY_SECRET, STS_TOKEN))
        call(emu, signed({"Action": "GetHandshake", "Version": "2020-03-31",
                          "HandshakeId": "h-0000000000000000"}))
        refused(emu, client=_client(secret="wrong-secret"))
        emu.inject(Fault.reset(), times=1)
        with pytest.raises(Exception):  # noqa: B017 - whatever the SDK makes of a reset
            page(emu)
        params = signed({"Action": "GetHandshake", "Version": "2020-03-31",
                         "HandshakeId": SEED_HANDSHAKE_ID}, key=STS_ACCESS_KEY_ID,
                        secret=STS_ACCESS_KEY_SECRET, token=STS_TOKEN)
        call(emu, params)
        recorded = emu.requests

    assert len(lines) == len(recorded) == 6
    tails = [line.split(" ", 1)[1] for line in lines]
    assert tails == [
        f"{DIRECTORY} PageNumber=2 PageSize=5 AccessKeyId={DEFAULT_ACCESS_KEY_ID} 200 ok",
        f"{ACCOUNT} AccessKeyId={STS_ACCESS_KEY_ID} 200 ok",
        f"GetHandshake HandshakeId=h-0000000000000000 AccessKeyId={DEFAULT_ACCESS_KEY_ID} "
        "404 EntityNotExists.Handshake",
        f"{DIRECTORY} AccessKeyId={DEFAULT_ACCESS_KEY_ID} 400 SignatureDoesNotMatch",
        f"{DIRECTORY} AccessKeyId={DEFAULT_ACCESS_KEY_ID} reset",
        f"GetHandshake HandshakeId={SEED_HANDSHAKE_ID} AccessKeyId={STS_ACCESS_KEY_ID} 200 ok",
    ]
    text = "\n".join(lines)
    for secret in (DEFAULT_ACCESS_KEY_SECRET, STS_ACCESS_KEY_SECRET, STS_TOKEN,
                   "wrong-secret", params["Signature"]):
        assert secret not in text


def test_a_hostile_value_stays_on_one_quoted_line() -> None:
    lines: list[str] = []
    with Emulator(request_log=lines.append) as emu:
        call(emu, signed({"Action": "GetHandshake", "Version": "2020-03-31",
                          "HandshakeId": "h-x\nforged line"}))
    [line] = lines
    assert "'h-x\\nforged line'" in line and line.endswith("400 InvalidParameter.HandshakeId")
