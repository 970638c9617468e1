"""The ``aliread`` provider: functions that read, and resources that only read.

Resources never change anything in the cloud: create reads the object (and fails when
the expectation is not met), diff reads it again so that every preview checks the live
state, update takes the new reading, delete forgets. With an id still unknown in a
preview, no request is sent and the outputs are unknown.
"""

from __future__ import annotations

import asyncio
import json
import re
from importlib import resources
from typing import Any

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from ..core import paging
from ..core.apis import ApiSpec
from ..core.spec import ListSpec, snake_case
from ..core.validation import validate_mismatch_means_accepted, validate_option
from ..errors import AlireadError, InvalidInputError
from .config import ProviderConfig, stack_config, without_stack_secrets
from .values import (
    EXPECT_INPUT,
    FUNCTIONS,
    ID_INPUT,
    LIST_FUNCTIONS,
    OPTION_INPUTS,
    RESOURCES,
    Unknown,
    input_names,
    is_known,
    list_properties,
    plain,
    result_properties,
    unknown,
    wrap,
)


def load_schema() -> str:
    """The package schema kept in the repository (``pulumi_aliread/plugin/schema.json``)."""
    return resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")


def _api_for(table: dict[str, ApiSpec], token: str, what: str) -> ApiSpec:
    api = table.get(token)
    if api is None:
        raise InvalidInputError(
            f"unknown {what} {token!r}: the aliread provider has {', '.join(sorted(table))}."
        )
    return api


# Seconds a failed resource read waits, once no function read is in flight, for the
# program's next one (a YAML program sends it as soon as the previous one answered).
INVOKE_GRACE = 0.5


class AlireadProvider(p.Provider):
    """Serves the package schema and reads through ``core.read``."""

    def __init__(self) -> None:
        self._config = ProviderConfig({}, {})
        self._invokes: set[asyncio.Future[Any]] = set()  # function reads in flight

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(schema=load_schema())

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        return p.CheckResponse(inputs=without_stack_secrets(request.new_inputs, stack_config()))

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        return p.DiffResponse(changes=False)

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        self._config = ProviderConfig(request.args, request.variables, stack_config())
        return p.ConfigureResponse(
            accept_secrets=True, supports_preview=True, accept_resources=False,
            accept_outputs=False,
        )

    # Functions -----------------------------------------------------------------------

    async def invoke(self, request: p.InvokeRequest) -> p.InvokeResponse:
        if request.tok in LIST_FUNCTIONS:
            return await self._invoke_list(LIST_FUNCTIONS[request.tok], request)
        api = _api_for(FUNCTIONS, request.tok, "function")
        inputs = _inputs(api, request.args)  # an unknown input: the engine never sends one
        # A failed read is a gRPC error, not InvokeResponse.failures: the Go SDK (and so
        # Pulumi YAML) words failures as a multi-line "1 error occurred: * ..." block,
        # the gRPC error as one line; Node.js prints a stack either way (README).
        read = asyncio.ensure_future(self._read(api, inputs))
        self._invokes.add(read)
        read.add_done_callback(self._invokes.discard)
        result = await read
        props = result_properties(api, result, request_id=True)
        return p.InvokeResponse(return_value={k: wrap(v) for k, v in props.items()})

    async def _invoke_list(self, views: dict[bool, ListSpec],
                           request: p.InvokeRequest) -> p.InvokeResponse:
        """A list function: the inputs checked as ``paging.prepare`` checks them, then
        the one paged read (``paging.read_list``), which waits on the client's loop, in a
        thread. Tracked as the other invokes are (a resource's failure waits for them)."""
        listing = asyncio.ensure_future(self._list(views, request))
        self._invokes.add(listing)
        listing.add_done_callback(self._invokes.discard)
        return await listing

    async def _list(self, views: dict[bool, ListSpec],
                    request: p.InvokeRequest) -> p.InvokeResponse:
        from ..core.client import default_client  # the read path: on the first read

        spec = views[False]
        allowed = _list_inputs(request.tok)
        unexpected = sorted(set(request.args) - set(allowed))
        if unexpected:
            raise InvalidInputError(
                f"{', '.join(unexpected)}: not an input of {request.tok}: use "
                f"{', '.join(allowed)}.")
        given = {snake_case(name): _whole(plain(value))
                 for name, value in request.args.items() if plain(value) is not None}
        settings = {k: given.pop(k) for k in ("region", "endpoint") if k in given}
        try:
            prepared = paging.prepare(views, **given)
            result = await asyncio.to_thread(
                paging.read_list, default_client(), prepared.spec,
                filters=prepared.filters, with_details=prepared.with_details,
                max_items=prepared.max_items, config=self._config, **settings)
        except AlireadError as error:
            error.message = list_plugin_words(spec, error.message, allowed)
            error.args = (error.message,)
            raise
        props = list_properties(prepared.spec, result)
        return p.InvokeResponse(return_value={k: wrap(v) for k, v in props.items()})

    # Resources -----------------------------------------------------------------------

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        api = _api_for(RESOURCES, request.type, "resource type")
        news = _with_text_id(api, request.new_inputs)
        failures = []
        for name in input_names(api):
            try:
                value = plain(news.get(name))
            except Unknown:
                continue
            try:
                if name == ID_INPUT[api.name]:
                    api.validate_id(value)
                elif name == "mismatchMeansAccepted":
                    validate_mismatch_means_accepted(api, value)
                else:
                    validate_option(api, _keyword(api, name), value)
            except InvalidInputError as error:
                failures.append(p.CheckFailure(name, plugin_words(api, str(error))))
        unexpected = sorted(set(news) - set(input_names(api)))
        failures.extend(
            p.CheckFailure(name, f"{name} is not an input of {request.type}: use "
                           f"{', '.join(input_names(api))}.")
            for name in unexpected
        )
        return p.CheckResponse(inputs=news, failures=failures)

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        api = _api_for(RESOURCES, request.type, "resource type")
        if not is_known(request.properties):
            unknown = _unknown_outputs(api, request.properties)
            return p.CreateResponse(resource_id="", properties=unknown)
        inputs = _inputs(api, request.properties)
        result = await self._read_resource(api, inputs)
        # As with any provider, the id of a resource still to be created is unknown in a
        # preview (the outputs read are known).
        return p.CreateResponse(resource_id="" if request.preview else result.id,
                                properties=_state(api, result, request.properties))

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        """``Handshake.get(name, id)`` and ``pulumi refresh``: read by id."""
        api = _api_for(RESOURCES, request.type, "resource type")
        given = dict(request.inputs) or {
            k: v for k, v in request.properties.items() if k in input_names(api)
        }
        given[ID_INPUT[api.name]] = PropertyValue(request.resource_id)
        inputs = _inputs(api, given)
        result = await self._read_resource(api, inputs)
        return p.ReadResponse(resource_id=result.id, properties=_state(api, result, given),
                              inputs=given)

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        """Inputs changed: update (a new id: replace). Otherwise read the live object, so
        every preview checks its expectation, and update when the object moved."""
        api = _api_for(RESOURCES, request.type, "resource type")
        id_name = ID_INPUT[api.name]
        changed = [name for name in input_names(api)
                   if _same(request.new_inputs.get(name), request.old_state.get(name)) is False]
        if id_name in changed:
            return p.DiffResponse(changes=True, replaces=[id_name], diffs=changed)
        if changed or not is_known(request.new_inputs):
            return p.DiffResponse(changes=True, diffs=changed)
        result = await self._read_resource(api, _inputs(api, request.new_inputs))
        live = _state(api, result, request.new_inputs)
        moved = sorted(k for k in set(live) | set(request.old_state)
                       if not _same(live.get(k), request.old_state.get(k)))
        return p.DiffResponse(changes=bool(moved), diffs=moved)

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        api = _api_for(RESOURCES, request.type, "resource type")
        if not is_known(request.news):
            return p.UpdateResponse(properties=_unknown_outputs(api, request.news))
        result = await self._read_resource(api, _inputs(api, request.news))
        return p.UpdateResponse(properties=_state(api, result, request.news))

    async def delete(self, request: p.DeleteRequest) -> None:
        """Forget: the object is not Pulumi's, so nothing is sent to the cloud."""

    # ---------------------------------------------------------------------------------

    async def _read_resource(self, api: ApiSpec, inputs: dict[str, Any]) -> Any:
        """``_read`` for a resource step. When it fails, the engine stops every plugin at
        once, and a function read still in flight then fails with only "grpc: the client
        connection is closing"; so does one the program sends just after another
        answered (Pulumi YAML evaluates its ``fn::invoke`` variables one at a time). So
        the failure is returned once no function read has been in flight for
        ``INVOKE_GRACE`` seconds (each ends within its own deadline), and each names its
        cause."""
        try:
            return await self._read(api, inputs)
        except AlireadError:
            while True:
                if self._invokes:
                    await asyncio.wait(set(self._invokes))
                await asyncio.sleep(INVOKE_GRACE)
                if not self._invokes:
                    break
            raise

    async def _read(self, api: ApiSpec, inputs: dict[str, Any]) -> Any:
        # The read path (marshmallow, the signer, httpx) is imported here, not at start:
        # the engine waits for the plugin's port before its first call, and server.serve
        # imports it on a thread once the port is printed.
        from ..core.client import default_client
        from ..core.read import prepare, settle

        # The read runs on the client's loop; this (the gRPC server's) loop only awaits it.
        object_id = inputs.pop("object_id")
        expected = inputs.pop("expected")
        try:
            one = prepare(api, object_id, expected=expected, config=self._config, **inputs)
            reader = default_client()
            pending = reader.start(one)
            await asyncio.wait([asyncio.wrap_future(pending)])
            return settle(one, pending)
        except AlireadError as error:
            error.message = plugin_words(api, error.message)
            error.args = (error.message,)
            raise


# The provider's own names for what the library's messages call by their Python names:
# a YAML, TypeScript or Go program sets `aliread:accessKey`, not `alicloud:accessKey`.
_PLUGIN_CONFIG_WORDS = {f"alicloud:{key}": f"aliread:{key}"
                        for key in ("accessKey", "secretKey", "securityToken", "profile")}


_PYTHON_MISMATCH_HINT = ("(mismatch_means_accepted=True in Python, --invited-account on the "
                         "command line)")


def plugin_words(api: ApiSpec, text: str) -> str:
    """``text`` (a library message) with the plugin's config keys and input names in
    place of the Python ones (``alicloud:accessKey`` -> ``aliread:accessKey``,
    ``expected_status=`` -> ``expectedStatus``, ``handshake_id`` -> ``handshakeId``)."""
    words = {**_PLUGIN_CONFIG_WORDS,
             _PYTHON_MISMATCH_HINT: "(input mismatchMeansAccepted: true)",
             f"({api.expect_keyword}=)": f"({EXPECT_INPUT[api.name]})",
             f"{api.expect_keyword}=": EXPECT_INPUT[api.name],
             api.expect_keyword: EXPECT_INPUT[api.name],
             api.id_keyword: ID_INPUT[api.name],
             **{python: name for name, python in OPTION_INPUTS.items() if python != name}}
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    return pattern.sub(lambda match: words[match.group(0)], text)


def _list_inputs(token: str) -> tuple[str, ...]:
    """The inputs of a list function, as the schema declares them."""
    schema = json.loads(load_schema())
    return tuple(schema["functions"][token]["inputs"]["properties"])


def _whole(value: Any) -> Any:
    """A whole number the wire carried as a float (``maxItems: 500``) as an int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def list_plugin_words(spec: ListSpec, text: str, inputs: tuple[str, ...]) -> str:
    """``text`` (a library message about a listing) with the plugin's config keys and
    input names in place of the Python ones (``target_entity`` -> ``targetEntity``,
    ``max_items=`` -> ``maxItems``, the listed object's id keyword -> ``ids``)."""
    item = spec.item
    words = {**_PLUGIN_CONFIG_WORDS,
             f"{item.id_keyword} for {item.action}": "ids",
             f"({item.expect_keyword}=)": f"({EXPECT_INPUT[item.name]})",
             "(--max-items on the command line)": "",
             **{f"{snake_case(name)}=": name for name in inputs if snake_case(name) != name},
             **{snake_case(name): name for name in inputs if snake_case(name) != name}}
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    return " ".join(pattern.sub(lambda match: words[match.group(0)], text).split())


def _same(new: PropertyValue | None, old: PropertyValue | None) -> bool | None:
    """Whether two values are equal (secrecy and dependencies aside); None if unknown."""
    try:
        return plain(new) == plain(old)
    except Unknown:
        return None


def _keyword(api: ApiSpec, name: str) -> str:
    return api.expect_keyword if name == EXPECT_INPUT[api.name] else OPTION_INPUTS[name]


def _with_text_id(api: ApiSpec, values: Any) -> dict[str, PropertyValue]:
    """``values`` with a whole-number id as text: Pulumi YAML hands stack config that looks
    like a number (``orderId: 123``) to providers as a number, whatever its declared type."""
    values = dict(values)
    name = ID_INPUT[api.name]
    value = values.get(name)
    if value is not None and isinstance(value.value, float) and value.value.is_integer():
        values[name] = PropertyValue(str(int(value.value)), is_secret=value.is_secret,
                                     dependencies=value.dependencies)
    return values


def _inputs(api: ApiSpec, values: Any) -> dict[str, Any]:
    """Schema inputs -> client.read arguments (``object_id``, ``expected``, options)."""
    values = _with_text_id(api, values)
    args: dict[str, Any] = {
        "object_id": plain(values.get(ID_INPUT[api.name])),
        "expected": plain(values.get(EXPECT_INPUT[api.name])),
    }
    for name in input_names(api)[2:]:
        value = plain(values.get(name))
        if value is not None:
            args[OPTION_INPUTS[name]] = value
    return args


def _state(api: ApiSpec, result: Any, inputs: Any) -> dict[str, PropertyValue]:
    """The resource's outputs: the object's fields, and the inputs it was read with (so
    that a refresh, which hands back the previous outputs, reads the same way)."""
    state = {k: wrap(v) for k, v in result_properties(api, result, request_id=False).items()}
    for name in input_names(api):
        value = inputs.get(name)
        if value is not None and name not in state:
            state[name] = wrap(value)
    return state


def _unknown_outputs(api: ApiSpec, inputs: Any) -> dict[str, PropertyValue]:
    """Preview of an object whose id (or an option) is not known yet: outputs unknown."""
    schema = json.loads(load_schema())
    token = next(t for t, a in RESOURCES.items() if a is api)
    state = {name: unknown() for name in schema["resources"][token]["properties"]}
    for name in input_names(api):
        if inputs.get(name) is not None:
            state[name] = inputs[name]
    return state
