"""get_handshake_output / get_join_permission_auth_order_output: Inputs in, Output[Result]
out; blocking reads run concurrently off the event loop; identical reads share one call."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pulumi
import pytest
from pulumi_helpers import SEED_HANDSHAKE, SEED_ORDER, stack_config

import pulumi_aliread as aliread
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Emulator
from pulumi_aliread.testing.mocks import UNKNOWN, ProviderMocks

MODES = pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])

# pulumi 3.139, the oldest the package allows, has no InvokeOutputOptions.
OUTPUT_OPTIONS = getattr(pulumi, "InvokeOutputOptions", pulumi.InvokeOptions)


@pytest.fixture
def mocks(emulator: Emulator) -> ProviderMocks:
    return ProviderMocks(stack_config(emulator))


@MODES
def test_results_carry_the_seed_values_and_request_id(mocks: ProviderMocks,
                                                      preview: bool) -> None:
    def program() -> None:
        hs = aliread.get_handshake_output(handshake_id=SEED_HANDSHAKE_ID)
        order = aliread.get_join_permission_auth_order_output(order_id=SEED_ORDER_ID)
        pulumi.export("hs", hs.apply(lambda r: r.to_dict()))
        pulumi.export("order", order.apply(lambda r: r.to_dict()))
        pulumi.export("types", pulumi.Output.all(hs, order).apply(
            lambda rs: [type(r).__name__ for r in rs]))
        pulumi.export("status", hs.status)  # attribute access on the Output

    outputs = mocks.run(program, preview=preview)

    assert outputs["types"] == ["GetHandshakeResult", "GetJoinPermissionAuthOrderResult"]
    assert outputs["status"] == "Pending"
    hs, order = outputs["hs"], outputs["order"]
    assert hs.pop("request_id") and order.pop("request_id")
    assert hs == SEED_HANDSHAKE
    assert order == SEED_ORDER


def test_inputs_may_be_outputs_of_other_resources(mocks: ProviderMocks) -> None:
    def program() -> None:
        invite = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
        again = aliread.get_handshake_output(invite.handshake_id,
                                             expected_status=invite.status)
        pulumi.export("note", again.note)

    assert mocks.run(program) == {"note": SEED_HANDSHAKE["note"]}


def test_unknown_inputs_in_preview_give_an_unknown_result(emulator: Emulator) -> None:
    class Pending(pulumi.runtime.Mocks):
        def new_resource(self, args: Any) -> tuple[str, dict]:
            return "", {}

        def call(self, args: Any) -> tuple[dict, None]:
            return {}, None

    def program() -> None:
        other = pulumi.CustomResource("test:index:Invitation", "invitation", {})
        result = aliread.get_handshake_output(other.id, expected_status="Accepted")
        pulumi.export("status", result.status)

    outputs = ProviderMocks(stack_config(emulator), fallback=Pending()).run(program,
                                                                            preview=True)

    assert outputs == {"status": UNKNOWN}
    assert emulator.count() == 0


def test_expectation_not_met_fails_the_program(mocks: ProviderMocks) -> None:
    def program() -> None:
        result = aliread.get_join_permission_auth_order_output(
            SEED_ORDER_ID, expected_state=["APPLYING", "REJECTED"])
        pulumi.export("state", result.order_state)

    with pytest.raises(aliread.ExpectationNotMetError,
                       match="is ACCEPTED .*expected APPLYING or REJECTED"):
        mocks.run(program, preview=True)


def test_bad_known_input_is_refused_at_the_call(emulator: Emulator,
                                                mocks: ProviderMocks) -> None:
    def program() -> None:
        aliread.get_handshake_output("handshake-1")

    with pytest.raises(aliread.InvalidInputError, match="not a valid id"):
        mocks.run(program)
    with pytest.raises(aliread.InvalidInputError, match="read_timeout"):
        mocks.run(lambda: aliread.get_handshake_output(SEED_HANDSHAKE_ID, read_timeout=-1))
    with pytest.raises(aliread.InvalidInputError, match="did you mean 'ACCEPTED'"):
        mocks.run(lambda: aliread.get_join_permission_auth_order_output(
            "1", expected_state="accepted"))
    assert emulator.count() == 0


def test_bad_input_known_later_is_refused_before_any_request(emulator: Emulator,
                                                             mocks: ProviderMocks) -> None:
    def program() -> None:
        pulumi.export("x", aliread.get_handshake_output(
            pulumi.Output.from_input(SEED_HANDSHAKE_ID),
            region=pulumi.Output.from_input("Not A Region")))

    with pytest.raises(aliread.InvalidInputError, match="not a region id"):
        mocks.run(program)
    assert emulator.count() == 0


def test_identical_reads_share_one_api_call(emulator: Emulator,
                                            mocks: ProviderMocks) -> None:
    def program() -> None:
        results = [aliread.get_handshake_output(SEED_HANDSHAKE_ID) for _ in range(25)]
        # a different expectation is the same read, checked per caller
        results.append(aliread.get_handshake_output(SEED_HANDSHAKE_ID,
                                                    expected_status="Pending"))
        # other settings are another read
        results.append(aliread.get_handshake_output(SEED_HANDSHAKE_ID, region="cn-beijing"))
        pulumi.export("statuses", pulumi.Output.all(*[r.status for r in results]))

    outputs = mocks.run(program)

    assert outputs["statuses"] == ["Pending"] * 27
    assert emulator.count("GetHandshake", SEED_HANDSHAKE_ID) == 2


def test_shared_answers_last_one_program(emulator: Emulator, mocks: ProviderMocks) -> None:
    def program() -> None:
        pulumi.export("status", aliread.get_handshake_output(SEED_HANDSHAKE_ID).status)

    assert mocks.run(program) == {"status": "Pending"}
    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    assert mocks.run(program) == {"status": "Accepted"}  # a new program reads again
    assert emulator.count("GetHandshake") == 2


def test_a_failed_read_is_not_remembered(emulator: Emulator, mocks: ProviderMocks) -> None:
    from pulumi_aliread.testing import Fault

    emulator.inject(Fault.error("EntityNotExists.Handshake"), times=1)

    def program() -> None:
        pulumi.export("status", aliread.get_handshake_output(SEED_HANDSHAKE_ID).status)

    with pytest.raises(aliread.NotFoundError):
        mocks.run(program)
    assert mocks.run(program) == {"status": "Pending"}


class _GateProxy:
    """A loopback proxy in front of the emulator that holds the first ``parties``
    requests until that many are in flight at once: reads done one by one never pass."""

    def __init__(self, upstream: str, parties: int) -> None:
        self.upstream = upstream
        self.barrier = threading.Barrier(parties)
        self.lock = threading.Lock()
        self.held = 0
        self.in_flight = 0
        self.peak = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with proxy.lock:
                    proxy.in_flight += 1
                    proxy.peak = max(proxy.peak, proxy.in_flight)
                    gated = proxy.held < proxy.barrier.parties
                    proxy.held += 1
                try:
                    if gated:
                        proxy.barrier.wait(timeout=30)  # safety net only: no assertion on it
                    self._forward()
                finally:
                    with proxy.lock:
                        proxy.in_flight -= 1

            def _forward(self) -> None:
                try:
                    with urllib.request.urlopen(proxy.upstream + self.path) as answer:
                        status, body, headers = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as error:
                    status, body, headers = error.code, error.read(), error.headers
                self.send_response(status)
                self.send_header("Content-Type", headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _GateProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.barrier.abort()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gate(emulator: Emulator) -> Iterator[_GateProxy]:
    with _GateProxy(emulator.url, parties=16) as proxy:
        yield proxy


def test_two_hundred_reads_run_concurrently(emulator: Emulator, gate: _GateProxy) -> None:
    ids = emulator.add_handshakes(200)
    config = stack_config(emulator, **{"aliread:resourcemanagerEndpoint": gate.url})

    def program() -> None:
        results = [aliread.get_handshake_output(object_id, max_attempts=1) for object_id in ids]
        pulumi.export("ids", pulumi.Output.all(*[r.handshake_id for r in results]))

    outputs = ProviderMocks(config).run(program)

    assert outputs["ids"] == ids
    assert gate.peak >= 16  # the first 16 could only pass together
    assert emulator.count("GetHandshake") == 200


# --- keyword options, opts, and what the engine receives ---------------------------------

def test_output_variants_take_backoff_and_opts(emulator: Emulator,
                                                mocks: ProviderMocks) -> None:
    from pulumi_aliread.testing import Fault

    emulator.inject(Fault.http(503), times=1, action="GetHandshake")

    def program() -> None:
        hs = aliread.get_handshake_output(
            SEED_HANDSHAKE_ID, max_attempts=2, backoff_base=0.01, backoff_cap=0.02,
            opts=OUTPUT_OPTIONS())
        order = aliread.get_join_permission_auth_order_output(
            pulumi.Output.from_input(SEED_ORDER_ID), backoff_base=0.01, backoff_cap=0.02,
            opts=pulumi.InvokeOptions())
        pulumi.export("states", pulumi.Output.all(hs.status, order.order_state))

    assert mocks.run(program) == {"states": ["Pending", "ACCEPTED"]}
    assert emulator.count("GetHandshake") == 2  # the 503 was retried


def test_a_first_pause_is_checked_against_a_cap_still_unknown_once_it_is_known(
        emulator: Emulator, mocks: ProviderMocks) -> None:
    def program() -> None:
        hs = aliread.get_handshake_output(
            SEED_HANDSHAKE_ID, backoff_base=6, backoff_cap=pulumi.Output.from_input(8.0))
        pulumi.export("status", hs.status)

    assert mocks.run(program) == {"status": "Pending"}


def test_output_variants_refuse_bad_backoff_and_foreign_opts(emulator: Emulator,
                                                            mocks: ProviderMocks) -> None:
    with pytest.raises(aliread.InvalidInputError, match="backoff_cap must be a positive"):
        mocks.run(lambda: aliread.get_join_permission_auth_order_output(
            pulumi.Output.from_input(SEED_ORDER_ID), backoff_cap=0))
    with pytest.raises(aliread.InvalidInputError, match="max_attempts must be a whole"):
        mocks.run(lambda: aliread.get_join_permission_auth_order_output(
            pulumi.Output.from_input(SEED_ORDER_ID), max_attempts=2.5))
    with pytest.raises(aliread.InvalidInputError, match="backoff_base .* is more than"):
        mocks.run(lambda: aliread.get_handshake_output(SEED_HANDSHAKE_ID, backoff_base=6))
    with pytest.raises(aliread.InvalidInputError, match="backoff_base .* is more than"):
        mocks.run(lambda: aliread.get_handshake_output(
            SEED_HANDSHAKE_ID, backoff_base=3, backoff_cap=pulumi.Output.from_input(2)))
    with pytest.raises(TypeError, match=r"get_handshake_output\(\) opts must be"):
        mocks.run(lambda: aliread.get_handshake_output(
            SEED_HANDSHAKE_ID, opts=pulumi.ResourceOptions()))
    with pytest.raises(TypeError, match=r"^get_handshake_output\(\) got an unexpected "
                                        r"keyword argument 'depends_on'"):
        aliread.get_handshake_output(SEED_HANDSHAKE_ID, depends_on=[])
    assert emulator.count() == 0


def test_depends_on_waits_for_the_resources(emulator: Emulator) -> None:
    class Pending(pulumi.runtime.Mocks):
        def new_resource(self, args: Any) -> tuple[str, dict]:
            return "", {}  # created in this preview: its id is unknown

        def call(self, args: Any) -> tuple[dict, None]:
            return {}, None

    def program() -> None:
        invitation = pulumi.CustomResource("test:index:Invitation", "invitation", {})
        after = aliread.get_handshake_output(
            SEED_HANDSHAKE_ID, opts=OUTPUT_OPTIONS(depends_on=[invitation]))
        read = aliread.Handshake("invite", handshake_id=SEED_HANDSHAKE_ID)
        also = aliread.get_join_permission_auth_order_output(
            SEED_ORDER_ID, opts=OUTPUT_OPTIONS(depends_on=read))
        pulumi.export("after", after.status)
        pulumi.export("also", also.order_state)

    outputs = ProviderMocks(stack_config(emulator), fallback=Pending()).run(program,
                                                                            preview=True)

    assert outputs == {"after": UNKNOWN, "also": "ACCEPTED"}
    assert emulator.count("GetHandshake") == 1  # the resource's read only
    assert emulator.count("GetJoinPermissionAuthOrder") == 1


def test_a_result_serializes_as_a_dict_of_its_fields() -> None:
    import asyncio

    from pulumi.runtime import rpc

    result = aliread.GetHandshakeResult(handshake_id=SEED_HANDSHAKE_ID, status="Pending",
                                        note="hi", request_id="req-1")

    wire = asyncio.run(rpc.serialize_property(result, [], None))

    assert wire == result.to_dict()
    assert wire["request_id"] == "req-1" and wire["status"] == "Pending"
    assert len(wire) == len(aliread.GetHandshakeResult.output_names()) + 1
    assert result["status"] == result.status and "id" not in result  # a Mapping of fields
    with pytest.raises(KeyError):
        result["id"]  # noqa: B018


@MODES
def test_an_exported_result_passes_through_serialize_property(mocks: ProviderMocks,
                                                              preview: bool) -> None:
    from pulumi.runtime import rpc

    def program() -> None:
        hs = aliread.get_handshake_output(SEED_HANDSHAKE_ID)
        order = aliread.get_join_permission_auth_order_output(SEED_ORDER_ID)
        pulumi.export("hs", hs)
        pulumi.export("order", order)
        # what the engine's stack-output registration does with each export
        pulumi.export("wire", pulumi.Output.from_input(rpc.serialize_property(
            {"hs": hs, "order": order}, [], None)))

    outputs = mocks.run(program, preview=preview)

    wire = outputs["wire"]
    assert wire["hs"] == outputs["hs"] and wire["order"] == outputs["order"]
    assert wire["hs"].pop("request_id") and wire["order"].pop("request_id")
    assert wire["hs"] == SEED_HANDSHAKE
    assert wire["order"] == SEED_ORDER


@MODES
def test_an_exported_result_is_a_dict_in_the_stack_outputs(mocks: ProviderMocks,
                                                           preview: bool) -> None:
    """The runtime turns every export that is not a dict into a list (of a Mapping's
    keys): the real engine showed it; ProviderMocks returns exports the same way."""
    def program() -> None:
        pulumi.export("hs", aliread.get_handshake_output(SEED_HANDSHAKE_ID))

    exported = mocks.run(program, preview=preview)["hs"]

    assert isinstance(exported, dict) and exported.pop("request_id")
    assert exported == SEED_HANDSHAKE
