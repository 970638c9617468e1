"""``get_handshakes_output`` in a Pulumi program (Pulumi's mock runtime, the real reads
against the emulator): Inputs in, ``Output[GetHandshakesResult]`` out, exportable whole."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_helpers import SEED_HANDSHAKE, stack_config

import pulumi_aliread as aliread
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, Emulator
from pulumi_aliread.testing.mocks import ProviderMocks

MODES = pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])


@pytest.fixture
def mocks(emulator: Emulator) -> ProviderMocks:
    return ProviderMocks(stack_config(emulator))


@MODES
def test_an_exported_listing_is_a_dict_of_plain_rows(mocks: ProviderMocks, emulator: Emulator,
                                                     preview: bool) -> None:
    added = emulator.add_handshakes(120, status=["Accepted", "Pending"])

    def program() -> None:
        pending = pulumi.Output.from_input("Pending")  # an Input, known later
        listing = aliread.get_handshakes_output(status=[pending])
        pulumi.export("listing", listing)
        pulumi.export("count", listing.apply(lambda r: len(r.handshakes)))

    outputs = mocks.run(program, preview=preview)

    exported = outputs["listing"]
    assert outputs["count"] == 61
    assert exported["ids"] == [SEED_HANDSHAKE_ID, *added[1::2]]
    assert exported["total_count"] == 121 and len(exported["request_ids"]) == 2
    first = dict(exported["handshakes"][0])
    assert first.pop("request_id") == exported["request_ids"][0]
    assert first == {k: v for k, v in SEED_HANDSHAKE.items()
                     if not k.endswith("_real_name")}


def test_bad_known_input_is_refused_when_called(mocks: ProviderMocks,
                                                emulator: Emulator) -> None:
    def program() -> None:
        aliread.get_handshakes_output(status="accepted")

    with pytest.raises(aliread.InvalidInputError, match="did you mean 'Accepted'"):
        mocks.run(program)
    assert emulator.count() == 0


def test_an_expectation_not_met_fails_the_output(mocks: ProviderMocks) -> None:
    def program() -> None:
        pulumi.export("listing", aliread.get_handshakes_output(expected_status="Accepted"))

    with pytest.raises(Exception, match=f"{SEED_HANDSHAKE_ID} \\(Pending\\)"):
        mocks.run(program)
