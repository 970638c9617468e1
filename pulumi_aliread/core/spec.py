"""The kinds an operation is described with: ``Field``, ``ErrorSpec``, ``Operation`` and
its two shapes, ``ApiSpec`` (one object by id) and ``ListSpec`` (objects page by page).

The operations themselves are data, in ``apis``. Everything that varies by operation
derives from that data: the marshmallow schemas (``schemas``), the result classes
(``results``, generated), the Pulumi resources' typed attributes, the docstrings' field
lists, the plugin's ``schema.json`` and README's field tables (``tools.codegen``).
This module imports no marshmallow and no Pulumi (``aliread --help`` loads it).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import errors

if TYPE_CHECKING:
    from . import schemas

# The types of the reference pages' fields.
STRING = "String"
LONG = "Long"  # a JSON integer, 0 <= n < 2**63
BOOLEAN = "Boolean"
TIME = "Time"  # a String holding an ISO 8601 UTC time, e.g. 2018-08-10T09:55:41Z
ENUM = "Enum"  # a String holding one of ``Field.values``
TYPES = (STRING, LONG, BOOLEAN, TIME, ENUM)

# Who may see a field in an answer.
ANYONE = "anyone"
INVITED_ACCOUNT = "the invited account"


def snake_case(api_name: str) -> str:
    """``SomeFieldName`` -> ``some_field_name``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", api_name).lower()


def camel_case(snake: str) -> str:
    """``some_field_name`` -> ``someFieldName`` (the plugin's names)."""
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)


@dataclass(frozen=True)
class Field:
    """One field of an object in an answer, as its reference page documents it.

    ``api_name``: the field's name in the answer (``SomeFieldName``); its Python
    name is the snake_case of it, its plugin name the camelCase. ``type``: one of
    ``TYPES``. ``doc``: one sentence, the plugin schema's description (and the start of
    the Python docstring line). ``values``: an enum's documented values. ``required``:
    an answer without it is refused (the id, the state). ``in_list``: list answers carry
    it too (``ListSpec`` rows). ``seen_by``: who the API shows it to (``ANYONE``,
    ``INVITED_ACCOUNT``). ``example``: shown in docstrings.
    """

    api_name: str
    type: str
    doc: str
    values: tuple[str, ...] = ()
    required: bool = False
    in_list: bool = True
    seen_by: str = ANYONE
    example: str = ""

    @property
    def name(self) -> str:
        """The Python name (result attribute, keyword)."""
        return snake_case(self.api_name)

    @property
    def camel(self) -> str:
        """The plugin schema's property name."""
        return camel_case(self.name)


@dataclass(frozen=True)
class ErrorSpec:
    """One error code an API may answer with: its HTTP status, message and meaning."""

    code: str
    http_status: int
    message: str
    kind: type[errors.AlireadError]
    advice: str
    # True when every read with the same credentials would fail the same way (a wrong or
    # expired key, a missing RAM permission for the action), not just this object's.
    credentials_wide: bool = False

    @property
    def transient(self) -> bool:
        """Whether a retry may help."""
        return issubclass(self.kind, errors.ServiceUnavailableError)


@dataclass(frozen=True, kw_only=True)
class Operation:
    """What every read-only RPC operation has: where it lives, which version, what the
    objects in its answer hold, and its own error codes."""

    name: str  # the CLI's word for it
    title: str  # how messages name the object
    product: str
    action: str
    version: str
    known_versions: tuple[str, ...]
    endpoint_template: str  # "{region}" is replaced by the region
    default_region: str
    endpoint_setting: str  # aliread:<key> and the env variable's stem
    endpoint_env: str
    success_flag: bool  # the envelope carries "Success"
    response_key: str  # the member of the envelope that holds the object(s)
    fields: tuple[Field, ...]
    result_name: str  # the class in ``results`` (generated)
    error_table: Mapping[str, ErrorSpec] = field(default_factory=dict)
    # The answers of the API gateway, common to every RPC product (after error_table).
    common_errors: Mapping[str, ErrorSpec] = field(default_factory=dict)

    @property
    def schema(self) -> type[schemas.ObjectSchema]:
        """The marshmallow schema class of one object in the answer (built from
        ``fields`` on first use: marshmallow's import is not needed to parse a command
        line)."""
        from . import schemas

        return schemas.object_schema(self)

    @property
    def result_type(self) -> type[Any]:
        """The frozen result class of this operation (``results.<result_name>``)."""
        result: type[Any] = getattr(importlib.import_module(".results", __package__),
                                    self.result_name)
        return result

    def field(self, name: str) -> Field:
        """The field whose Python name is ``name``."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def endpoint_for(self, region: str) -> str:
        return self.endpoint_template.format(region=region)

    def error(self, code: str) -> ErrorSpec | None:
        return self.error_table.get(code) or self.common_errors.get(code)

    def validate_version(self, version: object) -> str:
        if version is None:
            return self.version
        if version not in self.known_versions:
            raise errors.InvalidInputError(
                f"api_version {shown(version)} is not a known {self.product} API version: "
                f"use {one_of(self.known_versions)}."
            )
        return str(version)


@dataclass(frozen=True, kw_only=True)
class ApiSpec(Operation):
    """An operation that reads one object by its id."""

    id_param: str  # the request parameter
    id_keyword: str  # the Python keyword
    id_rule: str  # said to users when an id is refused
    id_pattern: re.Pattern[str]
    id_max_length: int
    state_field: str  # attribute of the result holding the state (an Enum field)
    terminal_states: tuple[str, ...]  # states an object never leaves
    success_states: tuple[str, ...]
    expect_keyword: str
    pulumi_name: str  # the resource's type name (aliread:index:<it>; get<it> function)
    # An error code that, answered to the invited account, means the object reached its
    # first success state (GetHandshake: 409 HandshakeStatusMismatch once accepted).
    invited_accepted_code: str | None = None
    # Result fields a table shows between the id and the state (``aliread -o table``);
    # empty: the first three fields of the result other than id, state and request id.
    summary_fields: tuple[str, ...] = ()

    @property
    def states(self) -> tuple[str, ...]:
        """The documented values of the state field."""
        return self.field(self.state_field).values

    def list_fields(self) -> tuple[Field, ...]:
        """The fields list answers carry too (``Field.in_list``)."""
        return tuple(f for f in self.fields if f.in_list)

    def validate_id(self, value: object) -> str:
        """Return ``value`` if it can be an id of this API, else raise InvalidInputError."""
        what = f"{self.id_keyword} for {self.action}"
        if value is None:
            raise errors.InvalidInputError(f"{what} is missing: pass {self.id_rule}.")
        if not isinstance(value, str):
            raise errors.InvalidInputError(
                f"{what} must be a string, got {type(value).__name__}: pass {self.id_rule}."
            )
        if value == "":
            raise errors.InvalidInputError(f"{what} is empty: pass {self.id_rule}.")
        if len(value) > self.id_max_length:
            raise errors.InvalidInputError(
                f"{what} {shown(value)} is {len(value)} characters long, more than "
                f"{self.id_max_length}: "
                f"pass {self.id_rule}."
            )
        if not self.id_pattern.fullmatch(value):
            raise errors.InvalidInputError(
                f"{what} {shown(value)} is not a valid id: pass {self.id_rule}."
            )
        return value

    def validate_states(self, expected: object, keyword: str | None = None) -> tuple[str, ...]:
        """Normalize states (one or several; None: none) and refuse unknown ones.
        ``keyword`` names the argument in messages (default: ``expect_keyword``)."""
        keyword = keyword or self.expect_keyword
        if expected is None:
            return ()
        values = [expected] if isinstance(expected, str) else expected
        try:
            values = list(values)  # type: ignore[call-overload]
        except TypeError:
            raise errors.InvalidInputError(
                f"{keyword} must be a state or a list of states, "
                f"got {type(expected).__name__}: use {one_of(self.states)}."
            ) from None
        if not values:
            raise errors.InvalidInputError(
                f"{keyword} is an empty list: give at least one of "
                f"{one_of(self.states)}, or leave it out."
            )
        for value in values:
            if not isinstance(value, str):
                raise errors.InvalidInputError(
                    f"{keyword} holds a {type(value).__name__} ({shown(value)}), not a "
                    f"state: use {one_of(self.states)}."
                )
            if value not in self.states:
                hint = next((f" (states are case-sensitive: did you mean {state!r}?)"
                             for state in self.states if state.lower() == value.lower()), "")
                raise errors.InvalidInputError(
                    f"{keyword} {shown(value)} is not a state of the "
                    f"{self.title}: use {one_of(self.states)}{hint}."
                )
        return tuple(dict.fromkeys(values))


@dataclass(frozen=True, kw_only=True)
class ListSpec(Operation):
    """An operation that lists objects page by page (``page_number_param`` from 1,
    ``page_size_param`` up to ``page_size_max``), with the total in the answer.

    The rows have the fields of ``item`` (the operation that reads one of them by id)
    that are ``in_list``; ``response_key`` holds ``{items_key: [row, ...]}``.
    """

    item: ApiSpec  # reads one listed object by id (``with_details``)
    items_key: str  # the list inside ``response_key``
    total_key: str  # the total number of objects
    page_number_param: str
    page_size_param: str
    page_size_max: int
    invited_view: bool  # the invited account's own view (its credentials)
    # The columns of ``aliread <name> -o table``, in order (result field names of
    # ``item``): what a person scanning a list looks at first.
    table_fields: tuple[str, ...] = ()
    # The plugin's function: aliread:index:get<it> (of the management account's view,
    # which takes the invited view as an input).
    pulumi_name: str = ""

    def views(self, lists: Mapping[str, ListSpec]) -> dict[bool, ListSpec]:
        """The list operations of ``lists`` over the same objects as this one, by
        ``invited_view`` (False: the management account's, True: the invited account's)."""
        return {spec.invited_view: spec for spec in lists.values() if spec.item is self.item}


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters: a long text is never copied whole."""
    if isinstance(value, str) and len(value) > limit:
        value = value[:limit]  # its repr is longer than ``limit`` still: cut below
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


def one_of(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]

