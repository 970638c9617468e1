"""Between the engine's ``PropertyValue``s and plain Python values, and the names the
package schema gives to ``ApiSpec`` fields (camelCase of the API's own field names)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.rpc import UNKNOWN

from ..core.apis import APIS, LISTS, ApiSpec
from ..core.spec import ListSpec, camel_case, snake_case

# Input name of the id, of the expectation, and the resource / function names, per API
# (as ``tools.codegen`` names them in schema.json).
ID_INPUT = {api.name: camel_case(api.id_keyword) for api in APIS.values()}
EXPECT_INPUT = {api.name: camel_case(api.expect_keyword) for api in APIS.values()}
RESOURCES = {f"aliread:index:{api.pulumi_name}": api for api in APIS.values()}
FUNCTIONS = {f"aliread:index:get{api.pulumi_name}": api for api in APIS.values()}
# The list functions: token -> the list operations of each view (``ListSpec.views``).
LIST_FUNCTIONS: dict[str, dict[bool, ListSpec]] = {
    f"aliread:index:get{spec.pulumi_name}": spec.views(LISTS)
    for spec in LISTS.values() if not spec.invited_view
}
# Schema input -> keyword of client.read / settings.resolve.
OPTION_INPUTS = {"region": "region", "endpoint": "endpoint", "apiVersion": "api_version",
                 "mismatchMeansAccepted": "mismatch_means_accepted"}


class Unknown(Exception):
    """A value the engine does not know yet (an output of another resource in preview)."""


def plain(value: PropertyValue | None) -> Any:
    """The Python value inside ``value`` (secrets unwrapped); raise Unknown if computed."""
    if value is None:
        return None
    inner = value.value
    # pulumi 3.272's PropertyValue reads the engine's unknown as its sentinel string.
    if isinstance(inner, Computed) or inner == UNKNOWN:
        raise Unknown
    if isinstance(inner, Mapping):
        return {key: plain(item) for key, item in inner.items()}
    if isinstance(inner, tuple | list):
        return [plain(item) for item in inner]
    return inner


def is_known(values: Mapping[str, PropertyValue]) -> bool:
    """True when no value (deeply) is computed."""
    try:
        for value in values.values():
            plain(value)
    except Unknown:
        return False
    return True


def unknown() -> PropertyValue:
    """A value the engine shows as unknown (``PropertyValue.computed()`` does not marshal
    in pulumi 3.272, so the wire's sentinel string is sent)."""
    return PropertyValue(UNKNOWN)


def wrap(value: Any) -> PropertyValue:
    """A plain JSON-like value as a PropertyValue (integers travel as numbers)."""
    if isinstance(value, PropertyValue):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return PropertyValue(value)
    if isinstance(value, int):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue({key: wrap(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return PropertyValue([wrap(item) for item in value])
    raise TypeError(f"cannot send a {type(value).__name__} to the engine")


def field_names(api: ApiSpec) -> dict[str, str]:
    """snake_case result field -> schema property name (camelCase of the API's field)."""
    return _field_names(api.name)


@cache
def _field_names(api_name: str) -> dict[str, str]:
    return {field.name: field.camel for field in APIS[api_name].fields}


def result_properties(api: ApiSpec, result: Any, *, request_id: bool) -> dict[str, Any]:
    """A result's fields under their schema names; fields the API left out are omitted."""
    names = field_names(api)
    props = {names[key]: value for key, value in result.to_dict(include_request_id=False).items()
             if value is not None}
    if request_id and result.request_id is not None:
        props["requestId"] = result.request_id
    return props


def input_names(api: ApiSpec) -> tuple[str, ...]:
    """The schema inputs of ``api``'s function and resource."""
    names: tuple[str, ...] = (ID_INPUT[api.name], EXPECT_INPUT[api.name], "region", "endpoint")
    if len(api.known_versions) > 1:
        names = (*names, "apiVersion")
    if api.invited_accepted_code is not None:  # the invited account's 409 (Handshake)
        names = (*names, "mismatchMeansAccepted")
    return names


def list_properties(spec: ListSpec, result: Any) -> dict[str, Any]:
    """A list result under the schema's names: the objects (each with its fields under
    their schema names, those the API left out omitted, and ``requestId``), ``ids``,
    ``totalCount``, ``requestIds``."""
    items = snake_case(spec.response_key)
    rows = [result_properties(spec.item, row, request_id=True)
            for row in getattr(result, items)]
    return {camel_case(items): rows, "ids": list(result.ids),
            "totalCount": result.total_count, "requestIds": list(result.request_ids)}
