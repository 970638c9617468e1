"""Property tests (hypothesis) over the schemas: whatever JSON (or bytes) comes in, the
outcome is a valid result for the requested id, or ResponseValidationError."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import fields as mfields

from pulumi_aliread import errors
from pulumi_aliread.core import schemas
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE, ApiSpec

EXAMPLES = 400
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
REQUESTED = {HANDSHAKE.action: "h-ycm4rp3z8b1xq9vk", AUTH_ORDER.action: "123"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5),
    max_leaves=25,
)


def _valid_value(api: ApiSpec, name: str, field: mfields.Field) -> st.SearchStrategy[Any]:
    """Values that the field accepts (mostly), so that examples reach deep paths."""
    if name == api.state_field:
        return st.sampled_from(api.states)
    if name == "target_type":
        return st.sampled_from(("Account", "Email"))
    if isinstance(field, mfields.Integer):
        return st.integers(min_value=0, max_value=2**63 - 1) | st.integers()
    if name.endswith("_time"):
        return st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")) | st.text(
            max_size=25)
    return st.text(max_size=30) | st.none()


@st.composite
def _near_valid(draw: st.DrawFn, api: ApiSpec) -> Any:
    """A valid answer of ``api`` with 0-3 mutations (a key dropped, or its value replaced
    by any JSON value, in the object or the envelope), or any JSON value at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    declared = api.schema._declared_fields
    obj = {
        f.data_key: draw(_valid_value(api, name, f)) for name, f in declared.items()
        if f.required or draw(st.booleans())
    }
    obj[api.id_param] = REQUESTED[api.action]
    envelope: dict[str, Any] = {"RequestId": draw(st.text(min_size=1, max_size=40)),
                                api.response_key: obj}
    if api.success_flag:
        envelope["Success"] = True
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from([envelope, obj]))
        keys = st.text(max_size=8)
        if target:  # earlier mutations may have emptied it
            keys = st.sampled_from(sorted(target)) | keys
        key = draw(keys)
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(json_values)
    return envelope


def _check(api: ApiSpec, payload: Any, counts: Counter[str]) -> None:
    try:
        result = schemas.load_response(api, payload, requested_id=REQUESTED[api.action])
    except errors.ResponseValidationError as exc:
        counts["refused"] += 1
        assert str(exc) and exc.code == "ResponseValidationError"
        return
    except Exception as exc:  # noqa: BLE001 - recorded, then the property fails
        counts["other"] += 1
        raise AssertionError(f"{type(exc).__name__} for {payload!r:.200}") from exc
    counts["results"] += 1
    _assert_valid(api, result)


def _assert_valid(api: ApiSpec, result: Any) -> None:
    assert isinstance(result, api.result_type)
    assert result.id == REQUESTED[api.action]
    assert getattr(result, api.state_field) in api.states
    assert isinstance(result.request_id, str)
    for name, field in api.schema._declared_fields.items():
        value = getattr(result, name)
        if isinstance(field, mfields.Integer):
            assert value is None or (type(value) is int and 0 <= value < 2**63), name
        else:
            assert value is None or isinstance(value, str), name
    json.dumps(result.to_dict(), allow_nan=False)  # JSON-ready, no NaN anywhere


def _record(figures: Any, target: str, counts: Counter[str]) -> None:
    figures("property", {"target": target, "examples": sum(counts.values()),
                         "results": counts["results"], "refused": counts["refused"],
                         "other": counts["other"]})


@pytest.mark.parametrize("api", [HANDSHAKE, AUTH_ORDER], ids=lambda api: api.action)
def test_any_json_value_gives_a_result_or_a_validation_error(api, figures):
    counts: Counter[str] = Counter()

    @SETTINGS
    @given(payload=_near_valid(api))
    def prop(payload: Any) -> None:
        _check(api, payload, counts)

    try:
        prop()
    finally:
        _record(figures, f"load_response({api.action}, any JSON)", counts)
    assert counts["results"] > 0 and counts["refused"] > 0, "both outcomes were reached"


@pytest.mark.parametrize("api", [HANDSHAKE, AUTH_ORDER], ids=lambda api: api.action)
def test_any_bytes_decode_to_json_or_a_validation_error(api, figures):
    counts: Counter[str] = Counter()
    valid = {"RequestId": "R", api.response_key: {api.id_param: REQUESTED[api.action],
                                                  "Status" if api is HANDSHAKE
                                                  else "OrderState": api.states[0]}}
    if api.success_flag:
        valid["Success"] = True
    encoded = json.dumps(valid).encode()
    bodies = (
        st.binary(max_size=200)
        | json_values.map(lambda v: json.dumps(v).encode())
        | st.integers(0, len(encoded)).map(lambda n: encoded[:n])  # truncations
        | st.tuples(st.integers(0, len(encoded) - 1), st.binary(min_size=1, max_size=3)).map(
            lambda t: encoded[: t[0]] + t[1] + encoded[t[0] + 1:])  # corruptions
        | _near_valid(api).map(lambda v: json.dumps(v, ensure_ascii=False).encode())
        | st.just(encoded)
    )

    @SETTINGS
    @given(body=bodies)
    def prop(body: bytes) -> None:
        try:
            payload = schemas.decode_body(body, action=api.action, http_status=200)
        except errors.ResponseValidationError:
            counts["refused"] += 1
            return
        except Exception as exc:  # noqa: BLE001
            counts["other"] += 1
            raise AssertionError(f"{type(exc).__name__} for {body!r:.200}") from exc
        _check(api, payload, counts)

    try:
        prop()
    finally:
        _record(figures, f"decode_body + load_response({api.action}, any bytes)", counts)
    assert counts["results"] > 0 and counts["refused"] > 0
