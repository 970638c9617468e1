"""help() on the public API documents our parameters, outputs, units and exceptions
(not Pulumi's internal ``provider``/``props``/``__provider``)."""

from __future__ import annotations

import inspect
import pydoc
import re
import sys
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


# -- each parameter's documented type is its annotation's ---------------------------------


def _args(doc: str, section: str = "Args") -> dict[str, str]:
    """The entries of ``section`` in ``doc`` (as ``inspect.getdoc`` gives it): each
    name and the text in parentheses after it, whitespace joined."""
    lines = doc.split(f"\n{section}:\n", 1)[1].splitlines() if f"\n{section}:\n" in doc else []
    block = []
    for line in lines:
        if line and not line.startswith(" "):
            break  # the next section
        block.append(line)
    text = " ".join(" ".join(block).split())
    return dict(re.findall(r"(?:^| )(\w+) \(([^)]*)\):", text))


def _aliases(fn) -> dict[str, str]:
    """The type aliases of ``fn``'s module as the type checker sees them (the first
    assignment: the ``TYPE_CHECKING`` branch comes before the run-time one)."""
    found: dict[str, str] = {}
    source = inspect.getsource(sys.modules[fn.__module__])
    for name, value in re.findall(r"^ *([A-Z]\w*) = (.+)$", source, re.MULTILINE):
        found.setdefault(name, value)
    return found


def _shown(annotation: str) -> str:
    """What a docstring calls ``annotation``: ``X | None`` is ``X`` (and optional),
    ``Sequence[X]`` is ``list of X``, ``|`` is ``or``."""
    parts = [part for part in annotation.split(" | ") if part != "None"]
    return " or ".join(re.sub(r"^Sequence\[(.*)\]$", r"list of \1", part) for part in parts)


def _documented(fn) -> list[tuple[str, str, str, bool, str]]:
    """(name, type the signature says, type the docstring says, optional?, unit) of each
    parameter of ``fn``."""
    entries = _args(inspect.getdoc(fn) or "")
    aliases = _aliases(fn)
    rows = []
    for name, param in inspect.signature(fn).parameters.items():
        if name == "self":
            continue
        assert name in entries, f"{fn.__qualname__}: {name} is not in its Args"
        kind = [part.strip() for part in entries[name].split(",")]
        optional = kind[-1] == "optional"
        annotation = str(param.annotation)
        rows.append((name, _shown(aliases.get(annotation, annotation)), kind[0],
                     optional, ", ".join(kind[1:-1] if optional else kind[1:])))
    return rows


@pytest.mark.parametrize("fn", CALLABLES, ids=lambda fn: fn.__qualname__)
def test_each_parameter_is_documented_with_the_type_of_its_annotation(fn):
    signature = inspect.signature(fn).parameters
    for name, annotated, documented, optional, unit in _documented(fn):
        assert documented == annotated, f"{fn.__qualname__}: {name} is documented as " \
            f"{documented!r}, annotated {annotated!r}"
        has_default = signature[name].default is not inspect.Parameter.empty
        assert optional == has_default, f"{fn.__qualname__}: {name} optional={optional}"
        if annotated == "float":
            assert unit == "seconds", f"{fn.__qualname__}: {name} has no unit"


@pytest.mark.parametrize("resource", [aliread.Handshake, aliread.JoinPermissionAuthOrder])
def test_help_of_a_resource_documents_its_arguments_and_failures_first(resource):
    """help(), editors and Sphinx show the class docstring first: it has the
    constructor's Args (the same entries as ``__init__``'s) and Raises, before the
    outputs."""
    doc = inspect.getdoc(resource) or ""
    assert doc.index("\nArgs:\n") < doc.index("\nRaises:\n") < doc.index("\nOutputs (")
    assert _args(doc) == _args(inspect.getdoc(resource.__init__) or "")
    for name in inspect.signature(resource.__init__).parameters:
        if name != "self":
            assert name in _args(doc), f"{resource.__name__}: {name} not in its Args"
    raises = doc.split("\nRaises:\n", 1)[1].split("\nOutputs (", 1)[0]
    for what in ("InvalidInputError", "NotFoundError", "ExpectationNotMetError",
                 "Preview failed", "TypeError"):
        assert what in raises, f"{resource.__name__}: {what} not in Raises"
    # The read options it does not take: their defaults are said.
    assert "connect_timeout 5 s" in doc


OUTPUT_FUNCTIONS = [fn for fn in CALLABLES if fn.__name__.endswith("_output")]


@pytest.mark.parametrize("fn", OUTPUT_FUNCTIONS, ids=lambda fn: fn.__name__)
def test_opts_accepts_what_its_docstring_names_and_refuses_what_raises_says(fn):
    """The ``opts`` entry names the classes it takes; each is accepted (the call gets
    as far as the malformed id), and what Raises says is refused is, at the call."""
    import pulumi

    doc = inspect.getdoc(fn) or ""
    named = _args(doc)["opts"].split(",")[0].split(" or ")
    assert "pulumi.InvokeOptions" in named
    refused = [line for line in doc.split("\nRaises:\n", 1)[1].splitlines()
               if line.strip().startswith("TypeError:")]
    assert len(refused) == 1 and "pulumi.InvokeOptions" in refused[0]
    first = next(iter(inspect.signature(fn).parameters))
    bad_id = {first: "not an id"} if first != "status" else {"ids": "not an id"}
    for name in named:
        options = getattr(pulumi, name.removeprefix("pulumi."))()
        with pytest.raises(aliread.InvalidInputError):
            fn(**bad_id, opts=options)
    with pytest.raises(TypeError, match=r"opts must be a pulumi\.InvokeOptions"):
        fn(**bad_id, opts=pulumi.ResourceOptions())
