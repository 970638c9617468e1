"""help() on the public API documents our parameters, outputs, units and exceptions
(not Pulumi's internal ``provider``/``props``/``__provider``)."""

from __future__ import annotations

import inspect
import pydoc
from dataclasses import fields

import pytest

import pulumi_aliread as aliread

CALLABLES = [
    aliread.Handshake.__init__,
    aliread.JoinPermissionAuthOrder.__init__,
    aliread.get_handshake,
    aliread.get_join_permission_auth_order,
    aliread.get_handshake_output,
    aliread.get_join_permission_auth_order_output,
    aliread.get_handshakes,
    aliread.get_handshakes_output,
]


@pytest.mark.parametrize("fn", CALLABLES, ids=lambda fn: fn.__qualname__)
def test_every_parameter_is_documented_with_its_default_and_the_exceptions(fn):
    doc = inspect.getdoc(fn) or ""
    for name in inspect.signature(fn).parameters:
        if name != "self":
            assert f"{name} (" in doc, f"{fn.__qualname__}: {name} is not documented"
    assert "Raises:" in doc and "InvalidInputError" in doc
    assert "Default" in doc
    for internal in ("__provider", "props", "provider (", "{"):
        assert internal not in doc, f"{fn.__qualname__} mentions {internal!r}"


@pytest.mark.parametrize("resource", [aliread.Handshake, aliread.JoinPermissionAuthOrder])
def test_help_of_a_resource_lists_its_outputs(resource):
    text = pydoc.render_doc(resource, renderer=pydoc.plaintext)
    result = {aliread.Handshake: aliread.GetHandshakeResult,
              aliread.JoinPermissionAuthOrder: aliread.GetJoinPermissionAuthOrderResult}[resource]
    for name in result.output_names():
        assert f"{name} (" in inspect.getdoc(resource), name
    assert "resource_name (" in text and "__provider" not in text


@pytest.mark.parametrize("result", [aliread.GetHandshakeResult,
                                    aliread.GetJoinPermissionAuthOrderResult])
def test_results_describe_each_field_with_type_and_unit(result):
    doc = inspect.getdoc(result) or ""
    for field in fields(result):
        assert f"{field.name} (" in doc, field.name
    if result is aliread.GetHandshakeResult:
        assert "ISO 8601 in UTC" in doc
    else:
        assert "milliseconds since the epoch" in doc and "(int or None)" in doc
