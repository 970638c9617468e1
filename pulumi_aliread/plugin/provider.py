"""The ``aliread`` provider: functions that read, and resources that only read.

Resources never change anything in the cloud: create reads the object (and fails when
the expectation is not met), diff reads it again so that every preview checks the live
state, update takes the new reading, delete forgets. With an id still unknown in a
preview, no request is sent and the outputs are unknown.

Every name comes from the schema served (``schema.json``, generated from ``core/apis.py``
by ``tools.codegen``): the inputs, the outputs and the provider's config keys. An input's
Python keyword is its ``snake_case``; a result's field, its ``camel_case``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime import get_config_env
from pulumi.runtime.rpc import UNKNOWN

from ..core import paging
from ..core.apis import APIS, LISTS, ApiSpec
from ..core.settings import CREDENTIAL_CONFIG, config_keys
from ..core.spec import ListSpec, camel_case, snake_case
from ..core.validation import validate_option
from ..errors import AlireadError, InvalidInputError

RESOURCES = {f"aliread:index:{api.pulumi_name}": api for api in APIS.values()}
FUNCTIONS = {f"aliread:index:get{api.pulumi_name}": api for api in APIS.values()}
# The list functions: token -> the list operations of each view (``ListSpec.views``).
LIST_FUNCTIONS: dict[str, dict[bool, ListSpec]] = {
    f"aliread:index:get{spec.pulumi_name}": spec.views(LISTS)
    for spec in LISTS.values() if not spec.invited_view
}

# Seconds a failed resource read waits, once no function read is in flight, for the
# program's next one (a YAML program sends it as soon as the previous one answered).
INVOKE_GRACE = 0.5

# The provider's own names for what the library's messages call by their Python names:
# a YAML, TypeScript or Go program sets `aliread:accessKey`, not `alicloud:accessKey`.
_CONFIG_WORDS = {key: key.replace("alicloud:", "aliread:") for key in CREDENTIAL_CONFIG}
# ... and its input for what an item read's messages tell Python and CLI users.
_ITEM_WORDS = {"(mismatch_means_accepted=True in Python, --invited-account on the command "
               "line)": "(input mismatchMeansAccepted: true)"}


def load_schema() -> str:
    """The package schema kept in the repository (``pulumi_aliread/plugin/schema.json``)."""
    return resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")


@cache
def schema() -> dict[str, Any]:
    """``load_schema()``, parsed (once)."""
    result: dict[str, Any] = json.loads(load_schema())
    return result


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


def wrap(value: Any) -> PropertyValue:
    """A plain JSON-like value (a result's ``to_dict()``) as a PropertyValue: mapping keys
    under the schema's names (``camel_case``), members that are None left out, integers
    as numbers."""
    if isinstance(value, Mapping):
        return PropertyValue({camel_case(key): wrap(item) for key, item in value.items()
                              if item is not None})
    if isinstance(value, list | tuple):
        return PropertyValue([wrap(item) for item in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    return PropertyValue(value)


def outputs(result: Any, *, request_id: bool) -> dict[str, PropertyValue]:
    """A result under the schema's names; fields the API left out are omitted."""
    return {camel_case(key): wrap(value)
            for key, value in result.to_dict(include_request_id=request_id).items()
            if value is not None}


def input_names(api: ApiSpec) -> tuple[str, ...]:
    """The schema inputs of ``api``'s function and resource, in order."""
    return tuple(schema()["resources"][f"aliread:index:{api.pulumi_name}"]["inputProperties"])


def _stack_config() -> dict[str, Any]:
    """The stack's ``aliread:*`` config (names without the namespace), as the engine hands
    it to the plugin in ``PULUMI_CONFIG`` (decrypted); empty when not handed."""
    try:
        return dict(get_config_env())
    except (ValueError, TypeError):
        return {}


def _api_for(table: dict[str, ApiSpec], token: str, what: str) -> ApiSpec:
    api = table.get(token)
    if api is None:
        raise InvalidInputError(
            f"unknown {what} {token!r}: the aliread provider has {', '.join(sorted(table))}."
        )
    return api


class AlireadProvider(p.Provider):
    """Serves the package schema and reads through ``core.read``."""

    def __init__(self) -> None:
        # The namespaced config keys ``settings`` reads (``aliread:region``...), as
        # Configure received them: held in this process only, never returned or logged.
        self._config: dict[str, str] = {}
        self._invokes: set[asyncio.Future[Any]] = set()  # function reads in flight

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(schema=load_schema())

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        """The provider's inputs without the secrets that come from the stack config.

        The engine stores what ``CheckConfig`` returns as the provider's state (a
        ``--show-secrets`` export shows it in clear). Secrets set as stack config are left
        out of it: ``Configure`` takes them from the stack config again (``PULUMI_CONFIG``),
        on every run, refresh and destroy included. Secrets given to an explicit provider as
        inputs (not stack config) stay, as Pulumi keeps any provider's inputs.
        """
        stack = _stack_config()
        kept = dict(request.new_inputs)
        for key, declared in schema()["config"]["variables"].items():
            from_stack = declared.get("secret") and key in stack
            if from_stack and key in kept and kept[key].value == stack[key]:
                del kept[key]
        return p.CheckResponse(inputs=kept)

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        return p.DiffResponse(changes=False)

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        """Precedence stays that of the Python entry points: explicit provider
        configuration (the ``aliread:*`` stack config of the default provider, or the
        inputs of an explicit ``pulumi:providers:aliread``), then ``alicloud:*`` stack
        config where the engine hands it to the plugin, then the environment, then the
        default credential chain."""
        stack = _stack_config()
        config: dict[str, str] = {}
        for key in schema()["config"]["variables"]:
            # The key ``settings`` looks up: aliread:region (first), alicloud:accessKey...
            namespaced = next(k for k in config_keys(APIS.values()) if k.endswith(f":{key}"))
            try:
                value = plain(request.args.get(key))
            except Unknown:
                value = None
            if value is None:  # a secret kept out of the provider's state (check_config)
                value = stack.get(key)
            if isinstance(value, str) and value:
                config[namespaced] = value
        # `alicloud:*` keys, if the engine hands them (it hands a plugin its own package's).
        for key, value in request.variables.items():
            if key.startswith("alicloud:") and value:
                config.setdefault(key.replace(":config:", ":"), value)
        self._config = config
        return p.ConfigureResponse(
            accept_secrets=True, supports_preview=True, accept_resources=False,
            accept_outputs=False,
        )

    # Functions -----------------------------------------------------------------------

    async def invoke(self, request: p.InvokeRequest) -> p.InvokeResponse:
        # A failed read is a gRPC error, not InvokeResponse.failures: the Go SDK (and so
        # Pulumi YAML) words failures as a multi-line "1 error occurred: * ..." block,
        # the gRPC error as one line; Node.js prints a stack either way (README).
        if request.tok in LIST_FUNCTIONS:
            reading = self._list(request.tok, request.args)
        else:
            reading = self._read(_api_for(FUNCTIONS, request.tok, "function"), request.args)
        read = asyncio.ensure_future(reading)
        self._invokes.add(read)  # a resource read's failure waits for them (``_read``)
        read.add_done_callback(self._invokes.discard)
        return p.InvokeResponse(return_value=outputs(await read, request_id=True))

    async def _list(self, token: str, args: Mapping[str, PropertyValue]) -> Any:
        """A list function: the inputs checked by ``paging.prepare``, then the one paged
        read (``paging.read_list``), which waits on the client's loop, in a thread."""
        from ..core.client import default_client  # the read path: on the first read

        allowed = tuple(schema()["functions"][token]["inputs"]["properties"])
        unexpected = sorted(set(args) - set(allowed))
        if unexpected:
            raise InvalidInputError(
                f"{', '.join(unexpected)}: not an input of {token}: use "
                f"{', '.join(allowed)}.")
        given = {snake_case(name): plain(value) for name, value in args.items()}
        # A whole number the wire carried as a float (``maxItems: 500``) as an int.
        given = {k: int(v) if isinstance(v, float) and v.is_integer() else v
                 for k, v in given.items() if v is not None}
        try:
            prepared = paging.prepare(LIST_FUNCTIONS[token], config=self._config, **given)
            return await asyncio.to_thread(paging.read_list, default_client(), prepared)
        except AlireadError as error:
            item = LIST_FUNCTIONS[token][False].item
            error.reword(plugin_words(error.message, allowed, {
                f"{item.id_keyword} for {item.action}": "ids",
                "(--max-items on the command line)": ""}))
            raise

    # Resources -----------------------------------------------------------------------

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        api = _api_for(RESOURCES, request.type, "resource type")
        news = _with_text_id(api, request.new_inputs)
        names = input_names(api)
        failures = []
        for name in names:
            try:
                value = plain(news.get(name))
            except Unknown:
                continue
            try:
                validate_option(api, snake_case(name), value)
            except InvalidInputError as error:
                failures.append(p.CheckFailure(name, plugin_words(str(error), names)))
        failures.extend(
            p.CheckFailure(name, f"{name} is not an input of {request.type}: use "
                           f"{', '.join(names)}.")
            for name in sorted(set(news) - set(names))
        )
        return p.CheckResponse(inputs=news, failures=failures)

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        api = _api_for(RESOURCES, request.type, "resource type")
        result, state = await self._state(api, request.properties)
        # As with any provider, the id of a resource still to be created is unknown in a
        # preview (the outputs read are known).
        return p.CreateResponse(resource_id="" if request.preview or result is None
                                else result.id, properties=state)

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        """``Handshake.get(name, id)`` and ``pulumi refresh``: read by id."""
        api = _api_for(RESOURCES, request.type, "resource type")
        given = dict(request.inputs) or {
            k: v for k, v in request.properties.items() if k in input_names(api)
        }
        given[camel_case(api.id_keyword)] = PropertyValue(request.resource_id)
        result, state = await self._state(api, given)
        return p.ReadResponse(resource_id=result.id, properties=state, inputs=given)

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        """Inputs changed: update (a new id: replace). Otherwise read the live object, so
        every preview checks its expectation, and update when the object moved."""
        api = _api_for(RESOURCES, request.type, "resource type")
        id_name = camel_case(api.id_keyword)
        changed = [name for name in input_names(api)
                   if _same(request.new_inputs.get(name), request.old_state.get(name)) is False]
        if id_name in changed:
            return p.DiffResponse(changes=True, replaces=[id_name], diffs=changed)
        if changed or not is_known(request.new_inputs):
            return p.DiffResponse(changes=True, diffs=changed)
        _, live = await self._state(api, request.new_inputs)
        moved = sorted(k for k in set(live) | set(request.old_state)
                       if not _same(live.get(k), request.old_state.get(k)))
        return p.DiffResponse(changes=bool(moved), diffs=moved)

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        api = _api_for(RESOURCES, request.type, "resource type")
        _, state = await self._state(api, request.news)
        return p.UpdateResponse(properties=state)

    async def delete(self, request: p.DeleteRequest) -> None:
        """Forget: the object is not Pulumi's, so nothing is sent to the cloud."""

    # ---------------------------------------------------------------------------------

    async def _state(self, api: ApiSpec, inputs: Mapping[str, PropertyValue]
                     ) -> tuple[Any, dict[str, PropertyValue]]:
        """The result and the resource's outputs: the object's fields, and the inputs it
        was read with (so that a refresh, which hands back the previous outputs, reads
        the same way). With an id (or an option) not known yet (a preview), no read:
        None, and every output unknown but the inputs given."""
        names = input_names(api)
        if not is_known(inputs):
            # PropertyValue.computed() does not marshal in pulumi 3.272: the wire's
            # sentinel string is sent.
            properties = schema()["resources"][f"aliread:index:{api.pulumi_name}"]["properties"]
            state = {name: PropertyValue(UNKNOWN) for name in properties}
            state.update({name: inputs[name] for name in names if inputs.get(name) is not None})
            return None, state
        result = await self._read(api, inputs, resource=True)
        state = outputs(result, request_id=False)
        for name in names:
            if inputs.get(name) is not None:
                state.setdefault(name, inputs[name])
        return result, state

    async def _read(self, api: ApiSpec, values: Mapping[str, PropertyValue], *,
                    resource: bool = False) -> Any:
        """Read ``api``'s object with the schema inputs ``values``, through ``core.read``.

        ``resource``: for a resource step. When it fails, the engine stops every plugin
        at once, and a function read still in flight then fails with only "grpc: the
        client connection is closing"; so does one the program sends just after another
        answered (Pulumi YAML evaluates its ``fn::invoke`` variables one at a time). So
        the failure is returned once no function read has been in flight for
        ``INVOKE_GRACE`` seconds (each ends within its own deadline), and each names its
        cause.
        """
        # The read path (marshmallow, the signer, httpx) is imported here, not at start:
        # the engine waits for the plugin's port before its first call, and server.serve
        # imports it on a thread once the port is printed.
        from ..core.client import default_client
        from ..core.read import finish, prepare

        values = _with_text_id(api, values)
        keywords = {snake_case(name): plain(values.get(name)) for name in input_names(api)}
        try:
            one = prepare(api, keywords.pop(api.id_keyword), config=self._config,
                          expected=keywords.pop(api.expect_keyword), **keywords)
            # The read runs on the client's loop; this (the gRPC server's) loop awaits it.
            return await finish(one, default_client().start(one))
        except AlireadError as error:
            error.reword(plugin_words(error.message, input_names(api)))
            while resource:
                if self._invokes:
                    await asyncio.wait(set(self._invokes))
                await asyncio.sleep(INVOKE_GRACE)
                resource = bool(self._invokes)
            raise


def plugin_words(text: str, inputs: Iterable[str],
                 words: Mapping[str, str] = _ITEM_WORDS) -> str:
    """``text`` (a library message) with the plugin's config keys, its input names
    (``inputs``) in place of the Python keywords (``expected_status=`` ->
    ``expectedStatus``, ``(expected_status=)`` -> ``(expectedStatus)``, ``handshake_id``
    -> ``handshakeId``) and ``words`` (default: an item read's), on one line."""
    words = {**_CONFIG_WORDS, **words}
    for name in inputs:
        keyword = snake_case(name)
        if keyword != name:
            words.update({f"({keyword}=)": f"({name})", f"{keyword}=": name, keyword: name})
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    return " ".join(pattern.sub(lambda match: words[match.group(0)], text).split())


def _same(new: PropertyValue | None, old: PropertyValue | None) -> bool | None:
    """Whether two values are equal (secrecy and dependencies aside); None if unknown."""
    try:
        return plain(new) == plain(old)
    except Unknown:
        return None


def _with_text_id(api: ApiSpec, values: Mapping[str, PropertyValue]) -> dict[str, PropertyValue]:
    """``values`` with a whole-number id as text: Pulumi YAML hands stack config that looks
    like a number (``orderId: 123``) to providers as a number, whatever its declared type."""
    values = dict(values)
    name = camel_case(api.id_keyword)
    value = values.get(name)
    if value is not None and isinstance(value.value, float) and value.value.is_integer():
        values[name] = PropertyValue(str(int(value.value)), is_secret=value.is_secret,
                                     dependencies=value.dependencies)
    return values
