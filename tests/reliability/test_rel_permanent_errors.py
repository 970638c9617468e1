"""Every error code of both seeds, sent exactly once, surfaces as its class with code,
HTTP status and request id."""

from __future__ import annotations

import measurements as m
import seeds

from pulumi_aliread import errors
from pulumi_aliread.core import client
from pulumi_aliread.core.apis import HANDSHAKE
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Emulator, Fault


def test_the_expected_classes_cover_exactly_the_seed_codes():
    assert {code for _, code, _ in seeds.error_cases()} == set(seeds.EXPECTED_CLASS)


def test_every_seed_error_code_surfaces_as_its_class(figures):
    cases = seeds.error_cases()
    assert len(cases) == 11
    problems = []
    with Emulator() as emulator:
        for api, code, status in cases:
            object_id = SEED_HANDSHAKE_ID if api is HANDSHAKE else SEED_ORDER_ID
            emulator.clear()
            emulator.inject(Fault.error(code), times=1)  # sent exactly once
            transient = seeds.EXPECTED_CLASS[code] is errors.ServiceUnavailableError
            try:
                # A transient code would be retried (and the retry would succeed): one
                # attempt makes it surface too.
                client.read(api, object_id, endpoint=emulator.url, config=m.CONFIG,
                            max_attempts=1 if transient else None, **m.FAST)
            except errors.AlireadError as exc:
                error: errors.AlireadError | None = exc
            else:
                error = None
            sent = emulator.count()
            figures("permanent", {
                "api": api.action, "code": code, "http_status": status,
                "error_class": type(error).__name__ if error else "no error (a result!)",
                "request_id": bool(error and error.request_id), "requests": sent,
            })
            if error is None:
                problems.append(f"{code}: returned a result")
                continue
            if type(error) is not seeds.EXPECTED_CLASS[code]:
                problems.append(f"{code}: {type(error).__name__}")
            if (error.code, error.http_status) != (code, status):
                problems.append(f"{code}: code/status {error.code}/{error.http_status}")
            if not error.request_id or error.request_id not in str(error):
                problems.append(f"{code}: request id {error.request_id!r} missing")
            if "To fix:" not in str(error):
                problems.append(f"{code}: message does not say what to do: {error}")
            if sent != 1:
                problems.append(f"{code}: {sent} requests")
    assert problems == []
