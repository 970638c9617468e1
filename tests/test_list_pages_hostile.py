"""A listing whose pages cannot be right must not pass a gate: a loopback server in front
of the emulator rewrites its list answers (the same rows on every page, a page larger
than PageSize, one id listed twice with different contents), and ``get_handshakes`` and
``aliread handshakes`` must fail instead of returning what the pages say."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from clihelp import aliread, elements
from hostile import Exchange, HostileServer, Step

import pulumi_aliread as aliread_lib
from pulumi_aliread.core.apis import LIST_HANDSHAKES
from pulumi_aliread.core.paging import MAX_RESTARTS
from pulumi_aliread.testing import SEED_HANDSHAKE_ID

DIRECTORY = LIST_HANDSHAKES.action
TITLE = LIST_HANDSHAKES.title
FAST = {"backoff_base": 0.01, "backoff_cap": 0.02}
Rewrite = Callable[[int, dict[str, Any]], None]


def rewrite(change: Rewrite) -> Step:
    """The emulator's answer, its JSON changed by ``change(page_number, payload)`` for
    the list action's successful answers."""

    def step(exchange: Exchange) -> bool:
        status, body, request_id = exchange.upstream()
        query = parse_qs(urlsplit(exchange.target).query)
        if status == 200 and query.get("Action") == [DIRECTORY]:
            payload = json.loads(body)
            change(int(query["PageNumber"][0]), payload)
            body = json.dumps(payload).encode()
        head = (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                f"x-acs-request-id: {request_id}\r\nContent-Length: {len(body)}\r\n\r\n")
        exchange.write(head.encode("latin-1") + body)
        return True

    return step


def _rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = payload["Handshakes"]["Handshake"]
    return rows


def same_rows_on_every_page() -> Rewrite:
    first: list[dict[str, Any]] = []

    def change(number: int, payload: dict[str, Any]) -> None:
        if number == 1:
            first[:] = _rows(payload)
        else:
            payload["Handshakes"]["Handshake"] = [dict(row) for row in first]

    return change


def one_id_twice(status: str) -> Rewrite:
    """Page 2's first row becomes the seed invitation (page 1's first) in ``status``."""

    def change(number: int, payload: dict[str, Any]) -> None:
        if number == 2:
            rows = _rows(payload)
            rows[0] = {**rows[0], "HandshakeId": SEED_HANDSHAKE_ID, "Status": status}

    return change


def oversized_page(number_hit: int) -> Rewrite:
    def change(number: int, payload: dict[str, Any]) -> None:
        if number == number_hit:
            rows = _rows(payload)
            rows.extend({**row, "HandshakeId": f"h-zz{n:013d}"}
                        for n, row in enumerate(rows[:50]))

    return change


def _listed(url: str, **keywords: object) -> aliread_lib.GetHandshakesResult:
    return aliread_lib.get_handshakes(endpoint=url, **{**FAST, **keywords})


def test_the_same_rows_on_every_full_page_are_not_the_total(emulator, credentials):
    emulator.add_handshakes(499)  # TotalCount 500, five full pages
    with (HostileServer(emulator.url, [rewrite(same_rows_on_every_page())]) as server,
          pytest.raises(aliread_lib.ServiceUnavailableError) as caught):
        _listed(server.url, expected_status="Pending")

    error = caught.value
    assert error.code == "ListChanging", error
    message = str(error)
    assert f"5 full pages held 100 distinct {TITLE}s of TotalCount 500" in message, message
    assert f"{MAX_RESTARTS} times" in message
    assert emulator.count(DIRECTORY, page=1) == MAX_RESTARTS + 1
    assert emulator.count(DIRECTORY) == 5 * (MAX_RESTARTS + 1)


def test_a_page_larger_than_page_size_is_refused_naming_the_page(emulator, credentials):
    emulator.add_handshakes(249)
    with (HostileServer(emulator.url, [rewrite(oversized_page(2))]) as server,
          pytest.raises(aliread_lib.ResponseValidationError) as caught):
        _listed(server.url)

    message = str(caught.value)
    assert message.startswith(f"page 2 of {DIRECTORY}: 150 {TITLE}s came back"), message
    assert "PageSize=100" in message
    assert emulator.count(DIRECTORY) == 2  # not retried


def test_an_id_listed_twice_with_other_contents_is_read_again(emulator, credentials):
    emulator.add_handshakes(149)
    with (HostileServer(emulator.url, [rewrite(one_id_twice("Declined"))]) as server,
          pytest.raises(aliread_lib.ServiceUnavailableError) as caught):
        _listed(server.url, expected_status="Pending")

    assert caught.value.code == "ListChanging"
    message = str(caught.value)
    assert f"{SEED_HANDSHAKE_ID} listed twice with different contents" in message, message
    assert "TotalCount" not in message  # the total never moved
    assert emulator.count(DIRECTORY, page=1) == MAX_RESTARTS + 1


def test_an_id_listed_twice_once_is_read_again_and_passes(emulator, credentials):
    added = emulator.add_handshakes(149)
    hits = []

    def once(number: int, payload: dict[str, Any]) -> None:
        if number == 2 and not hits:
            hits.append(number)
            one_id_twice("Declined")(number, payload)

    with HostileServer(emulator.url, [rewrite(once)]) as server:
        result = _listed(server.url, expected_status="Pending")

    assert result.ids == (SEED_HANDSHAKE_ID, *added)
    assert emulator.count(DIRECTORY, page=1) == 2  # started over once


def test_a_short_page_still_ends_the_listing(emulator, credentials):
    """Documented: the listing ends when a page comes back short, whatever the total."""
    emulator.add_handshakes(199)

    def empty_second(number: int, payload: dict[str, Any]) -> None:
        payload["TotalCount"] = 300
        if number == 2:
            payload["Handshakes"]["Handshake"] = []

    with HostileServer(emulator.url, [rewrite(empty_second)]) as server:
        result = _listed(server.url)

    assert len(result.ids) == 100 and result.total_count == 300


def test_the_cli_gate_fails_on_a_duplicate_with_another_status(emulator):
    emulator.add_handshakes(149)
    with HostileServer(emulator.url, [rewrite(one_id_twice("Declined"))]) as server:
        proc = aliread(LIST_HANDSHAKES.name, "--endpoint", server.url, "--expect", "Pending")

    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    (item,) = elements(proc)
    assert item["ok"] is False and item["error"]["code"] == "ListChanging"


def test_the_cli_refuses_the_same_rows_on_every_page(emulator):
    emulator.add_handshakes(499)
    with HostileServer(emulator.url, [rewrite(same_rows_on_every_page())]) as server:
        proc = aliread(LIST_HANDSHAKES.name, "--endpoint", server.url)

    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    (item,) = elements(proc)
    assert item["error"]["code"] == "ListChanging"
    assert "100 distinct" in item["error"]["message"]
