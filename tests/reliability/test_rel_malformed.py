"""Malformed answers end in ResponseValidationError (or a clear transport error), never
in a result and never in another exception type; not retried."""

from __future__ import annotations

import measurements as m
import pytest

from pulumi_aliread import errors
from pulumi_aliread.core import client
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE, ApiSpec
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Emulator, Fault

COMMON_KINDS = [
    "truncated_json", "html", "empty", "empty_object", "invalid_utf8", "huge",
    "deep_nesting", "not_object", "null_object", "missing_state", "unknown_state",
    "id_mismatch", "missing_request_id",
]
# "Success": false only means something in LinkWAN's envelope (GetHandshake has none).
ONLY = {AUTH_ORDER.action: ["success_false", "wrong_type:Success"]}


def _kinds(api: ApiSpec) -> list[str]:
    """Common kinds, plus a wrong type in every field of the object and the envelope."""
    fields = [f.data_key for f in api.schema._declared_fields.values()]
    return [*COMMON_KINDS, *ONLY.get(api.action, []), "wrong_type:RequestId",
            *(f"wrong_type:{name}" for name in fields)]


def test_there_are_at_least_12_kinds_per_api():
    for api in (HANDSHAKE, AUTH_ORDER):
        assert len(set(_kinds(api))) >= 12 + len(api.schema._declared_fields)


@pytest.mark.parametrize("api", [HANDSHAKE, AUTH_ORDER], ids=lambda api: api.action)
def test_every_malformed_answer_is_refused(api, figures):
    object_id = SEED_HANDSHAKE_ID if api is HANDSHAKE else SEED_ORDER_ID
    problems = []
    with Emulator() as emulator:
        for kind in _kinds(api):
            emulator.clear()
            emulator.inject(Fault.malformed(kind), times=1)
            try:
                result = client.read(api, object_id, endpoint=emulator.url, config=m.CONFIG,
                                     **m.FAST)
            except errors.ResponseValidationError as exc:
                outcome, message = "ResponseValidationError", str(exc)
            except errors.ServiceUnavailableError as exc:  # a transport failure
                outcome, message = f"ServiceUnavailableError ({exc.code})", str(exc)
            except Exception as exc:  # noqa: BLE001 - the very thing this test hunts
                outcome, message = f"unexpected {type(exc).__name__}", str(exc)
            else:
                outcome, message = f"a result ({result!r:.60})", ""
            sent = emulator.count()
            figures("malformed", {"api": api.action, "kind": kind, "outcome": outcome,
                                  "requests": sent})
            if outcome != "ResponseValidationError":
                problems.append(f"{kind}: {outcome}: {message[:200]}")
            elif "nothing was returned" not in message and "expected a JSON object" not in \
                    message:
                problems.append(f"{kind}: unclear message {message[:200]}")
            if sent != 1:
                problems.append(f"{kind}: {sent} requests (malformed answers are not retried)")
    assert problems == []
