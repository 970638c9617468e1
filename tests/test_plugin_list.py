"""The plugin's list function ``aliread:index:getHandshakes``, over gRPC as the engine
calls it, against the emulator over loopback: every page, filters, the invited view,
details, the expectation, and bad input refused with no request."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import grpc
import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from test_plugin_server import SCHEMA_FILE, SECRETS, Plugin, _invoke, _one_line

from pulumi_aliread.core.apis import HANDSHAKE, LIST_HANDSHAKES, LIST_HANDSHAKES_FOR_ACCOUNT
from pulumi_aliread.testing import (
    INVITED_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_SECRET,
    INVITED_ACCOUNT_ID,
    SEED_HANDSHAKE_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)
from tools.codegen import list_function_token, list_row_type

DIRECTORY = LIST_HANDSHAKES.action
FOR_ACCOUNT = LIST_HANDSHAKES_FOR_ACCOUNT.action
STATUSES = ["Pending", "Accepted", "Expired", "Declined"]
TARGETS = [INVITED_ACCOUNT_ID, "other@example.com"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        running.added = running.add_handshakes(  # type: ignore[attr-defined]
            230, status=STATUSES, target_entity=TARGETS)
        yield running


@pytest.fixture
def requests(emulator: Emulator) -> Emulator:
    emulator.clear()
    return emulator


def _plugin(tmp_path_factory: pytest.TempPathFactory, emulator: Emulator,
            **credentials: str) -> Iterator[Plugin]:
    running = Plugin(tmp_path_factory.mktemp("plugin"))
    try:
        running.configure(resourcemanagerEndpoint=emulator.url, **credentials)
        yield running
    finally:
        logs = running.close()
        assert not [s for s in (*SECRETS, INVITED_ACCESS_KEY_SECRET) if s in logs]


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory, emulator: Emulator) -> Iterator[Plugin]:
    yield from _plugin(tmp_path_factory, emulator, accessKey=STS_ACCESS_KEY_ID,
                       secretKey=STS_ACCESS_KEY_SECRET, securityToken=STS_TOKEN)


@pytest.fixture(scope="module")
def invited_plugin(tmp_path_factory: pytest.TempPathFactory,
                   emulator: Emulator) -> Iterator[Plugin]:
    yield from _plugin(tmp_path_factory, emulator, accessKey=INVITED_ACCESS_KEY_ID,
                       secretKey=INVITED_ACCESS_KEY_SECRET)


def _list(plugin: Plugin, **args: Any) -> dict[str, Any]:
    response = _invoke(plugin, "getHandshakes", **args)
    assert not [s for s in SECRETS if s.encode() in response.SerializeToString()]
    return {k: _unwrap(v) for k, v in
            PropertyValue.unmarshal_map(getattr(response, "return")).items()}


def _unwrap(value: PropertyValue) -> Any:
    inner = value.value
    if isinstance(inner, tuple | list):
        return [_unwrap(item) for item in inner]
    if isinstance(inner, Mapping):
        return {k: _unwrap(v) for k, v in inner.items()}
    return inner


def _row(emulator: Emulator, handshake_id: str) -> dict[str, Any]:
    """The emulator's object as the schema names it (camelCase of the API's names)."""
    obj = emulator.get_object(handshake_id) or {}
    return {f.camel: obj[f.api_name] for f in HANDSHAKE.list_fields() if f.api_name in obj}


def test_the_schema_declares_the_list_function_from_the_spec() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    function = schema["functions"][list_function_token(LIST_HANDSHAKES)]
    assert list_function_token(LIST_HANDSHAKES) == "aliread:index:getHandshakes"
    assert list(function["inputs"]["properties"]) == [
        "status", "ids", "targetEntity", "invitedAccount", "withDetails", "expectedStatus",
        "region", "endpoint", "maxItems"]
    outputs = function["outputs"]
    assert set(outputs["required"]) == {"handshakes", "ids", "totalCount", "requestIds"}
    ref = outputs["properties"]["handshakes"]["items"]["$ref"]
    row = schema["types"][ref.removeprefix("#/types/")]
    assert ref == f"#/types/{list_row_type(LIST_HANDSHAKES)}"
    assert set(row["properties"]) == {f.camel for f in HANDSHAKE.fields} | {"requestId"}
    assert row["required"] == ["handshakeId", "status"]


def test_every_page_in_the_api_order_in_camel_case(plugin, requests) -> None:
    result = _list(plugin)

    ids = [SEED_HANDSHAKE_ID, *requests.added]
    assert result["ids"] == ids and result["totalCount"] == len(ids)
    assert [h["handshakeId"] for h in result["handshakes"]] == ids
    assert len(result["requestIds"]) == 3
    assert [requests.count(DIRECTORY, page=n) for n in (1, 2, 3, 4)] == [1, 1, 1, 0]
    last = result["handshakes"][-1]
    assert last.pop("requestId") == result["requestIds"][-1]
    assert last == _row(requests, ids[-1])  # the API left the real names out


def test_filters_and_the_expectation(plugin, requests) -> None:
    added = requests.added
    wanted = [h for i, h in enumerate(added)
              if STATUSES[i % 4] in ("Accepted", "Expired") and TARGETS[i % 2] == TARGETS[1]]

    result = _list(plugin, status=["Accepted", "Expired"], targetEntity=TARGETS[1],
                   expectedStatus=["Accepted", "Expired"], maxItems=500.0)

    assert result["ids"] == wanted and result["totalCount"] == len(added) + 1
    assert {h["status"] for h in result["handshakes"]} <= {"Accepted", "Expired"}
    by_id = _list(plugin, ids=[added[5], added[2]])
    assert by_id["ids"] == [added[2], added[5]]


def test_the_invited_view_with_details(invited_plugin, requests) -> None:
    result = _list(invited_plugin, invitedAccount=True, withDetails=True,
                   status=["Pending"])

    assert requests.count(FOR_ACCOUNT) == 2 and requests.count(DIRECTORY) == 0  # 116 rows
    assert result["ids"] and requests.count(HANDSHAKE.action) == len(result["ids"])
    assert {h["targetEntity"] for h in result["handshakes"]} == {INVITED_ACCOUNT_ID}
    assert all(h["invitedAccountRealName"] for h in result["handshakes"])


def test_an_expectation_not_met_fails_naming_the_invitations(plugin, requests) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        _list(plugin, status="Pending", expectedStatus=["Accepted"])

    line = _one_line(failure)
    assert SEED_HANDSHAKE_ID in line and "Pending" in line and "Accepted" in line
    assert "expectedStatus" in line and "expected_status" not in line


@pytest.mark.parametrize("args,says", [
    ({"status": ["pending"]}, r"status 'pending' is not a state .* did you mean 'Pending'"),
    ({"ids": ["h-short"]}, r"ids 'h-short' is not a valid id"),
    ({"targetEntity": " "}, r"targetEntity ' ' is empty"),
    ({"expectedStatus": ["Gone"]}, r"expectedStatus 'Gone' is not a state"),
    ({"maxItems": 0.0}, r"maxItems must be a whole number >= 1"),
    ({"maxItems": 2.5}, r"maxItems must be a whole number >= 1, got 2.5"),
    ({"invitedAccount": "yes"}, r"invitedAccount must be True or False"),
    ({"handshakeId": SEED_HANDSHAKE_ID}, r"handshakeId: not an input of "
                                         r"aliread:index:getHandshakes: use status, ids"),
    ({"endpoint": "ftp://x"}, r"endpoint"),
])
def test_bad_input_is_refused_before_any_request(plugin, requests, args, says) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        _list(plugin, **args)

    assert re.search(says, _one_line(failure)), _one_line(failure)
    assert requests.count() == 0
