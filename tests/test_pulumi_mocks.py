"""ProviderMocks as a harness for users' own programs: Pulumi's stock ``set_mocks`` +
``@pulumi.runtime.test`` style, and users' own dynamic providers (check, create)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, ResourceProvider
from pulumi_helpers import stack_config

import pulumi_aliread as aliread
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    Emulator,
)
from pulumi_aliread.testing.mocks import UNKNOWN, ProviderMocks


@pytest.fixture(autouse=True)
def restore_pulumi_config() -> Any:
    """``install()`` leaves the stack config in Pulumi's runtime: clean up after."""
    from pulumi.runtime.config import CONFIG, set_all_config

    saved = dict(CONFIG.get())
    yield
    set_all_config(saved, [])


class Ticket(ResourceProvider):
    """A user's own dynamic provider: opens a ticket when the invitation is pending."""

    created: list[dict[str, Any]] = []

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [] if news.get("title") else [CheckFailure("title", "title is required")]
        return CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        Ticket.created.append(props)
        return CreateResult("T-1", {**props, "url": "https://tickets.example/T-1"})


class TicketResource(pulumi.dynamic.Resource, module="ops", name="Ticket"):
    url: pulumi.Output[str]

    def __init__(self, name: str, title: pulumi.Input[str]) -> None:
        super().__init__(Ticket(), name, {"title": title, "url": None})


def _ticket_program() -> None:
    invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
    ticket = TicketResource("ticket", invite.status.apply(lambda s: f"invitation is {s}"))
    pulumi.export("url", ticket.url)
    pulumi.export("ticket_id", ticket.id)


def test_users_dynamic_provider_is_checked_and_created_on_up(emulator: Emulator) -> None:
    Ticket.created.clear()

    outputs = ProviderMocks(stack_config(emulator)).run(_ticket_program)

    assert outputs == {"url": "https://tickets.example/T-1", "ticket_id": "T-1"}
    assert [t["title"] for t in Ticket.created] == ["invitation is Pending"]


def test_users_dynamic_provider_is_only_checked_in_preview(emulator: Emulator) -> None:
    Ticket.created.clear()

    outputs = ProviderMocks(stack_config(emulator)).run(_ticket_program, preview=True)

    assert outputs == {"url": UNKNOWN, "ticket_id": UNKNOWN}
    assert Ticket.created == []


def test_check_failures_fail_the_program(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="title is required"):
        ProviderMocks(stack_config(emulator)).run(lambda: TicketResource("t", ""))


def test_stock_set_mocks_and_runtime_test_decorator(emulator: Emulator) -> None:
    mocks = ProviderMocks(stack_config(emulator))
    mocks.install(preview=False)  # or: pulumi.runtime.set_mocks(mocks, preview=False)
    invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)

    @pulumi.runtime.test
    def check() -> pulumi.Output:
        return pulumi.Output.all(invite.status, invite.note).apply(
            lambda values: _assert_equal(values, ["Pending", "欢迎您加入"]))

    check()
    assert emulator.count("GetHandshake") == 1


def test_output_reads_declared_outside_the_event_loop(emulator: Emulator) -> None:
    # Pulumi's unit-testing docs declare at import time, after set_mocks: no loop runs yet.
    ProviderMocks(stack_config(emulator)).install(preview=False)
    looked_up = aliread.get_handshake_output(handshake_id=SEED_HANDSHAKE_ID)
    order = aliread.get_join_permission_auth_order_output(order_id=SEED_ORDER_ID)

    @pulumi.runtime.test
    def check() -> pulumi.Output:
        return pulumi.Output.all(looked_up.status, order.order_state).apply(
            lambda values: _assert_equal(values, ["Pending", "ACCEPTED"]))

    check()
    assert emulator.count() == 2


def test_install_sets_the_stack_config_for_the_program(emulator: Emulator) -> None:
    mocks = ProviderMocks(stack_config(emulator, **{"project:teamName": "platform"}))

    outputs = mocks.run(lambda: pulumi.export("team", pulumi.Config().get("teamName")))

    assert outputs == {"team": "platform"}
    assert pulumi.Config().get("teamName") is None  # restored after the run


def _assert_equal(actual: Any, expected: Any) -> None:
    assert actual == expected


@pytest.mark.parametrize("preview", [True, False])
def test_config_given_to_the_mocks_reaches_resources_and_output_functions(
    emulator: Emulator, preview: bool
) -> None:
    # Pulumi's stock style, with the config handed only to ProviderMocks.
    config = {
        "aliread:resourcemanagerEndpoint": emulator.url,
        "aliread:linkwanEndpoint": emulator.url,
        "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
        "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
    }
    pulumi.runtime.set_mocks(ProviderMocks(config), preview=preview)

    @pulumi.runtime.test
    def program() -> Any:
        invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
        grant = aliread.JoinPermissionAuthOrder("grant", order_id=SEED_ORDER_ID)
        looked_up = aliread.get_handshake_output(handshake_id=SEED_HANDSHAKE_ID)

        def verify(values: list[Any]) -> None:
            assert values == ["Pending", "ACCEPTED", "Pending", SEED_HANDSHAKE_ID]

        return pulumi.Output.all(
            invite.status, grant.order_state, looked_up.status, invite.id
        ).apply(verify)

    program()
    assert emulator.count() == 3
