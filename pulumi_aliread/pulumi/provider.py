"""The dynamic provider behind ``Handshake`` and ``JoinPermissionAuthOrder``, and their
base class (the resources themselves are generated, in ``resources``).

One provider class, generic over ``ApiSpec``: it reads, and refuses to create, update or
delete. Pulumi pickles the provider instance into state (dill), so it holds only the
API's name; credentials and settings are read at call time from the stack config handed
to ``configure()`` (inside the plugin) or from the environment.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from ..core import settings
from ..core.apis import APIS, ApiSpec
from ..core.spec import LONG
from ..core.validation import (
    SETTING_KEYS,
    is_plain,
    validate_option,
    validate_plain,
)
from ..errors import AlireadError, InvalidInputError
from .compat import one_line_plugin_errors

# Handshake only: the invited account's 409 HandshakeStatusMismatch counts as Accepted.
MISMATCH_KEY = "mismatch_means_accepted"


class ReadOnlyProvider(ResourceProvider):
    """Reads one object of an API on every preview, up and refresh; never changes it."""

    # The pickled provider holds no secret, so state stays readable and diff-stable.
    serialize_as_secret_always = False

    def __init__(self, api_name: str) -> None:
        super().__init__()
        if api_name not in APIS:
            raise InvalidInputError(f"unknown API {api_name!r}: use one of {sorted(APIS)}.")
        self.api_name = api_name
        self._config: settings.ConfigLookup | None = None

    # Only the API's name is pickled: never configuration, credentials or clients.
    def __getstate__(self) -> dict[str, str]:
        return {"api_name": self.api_name}

    def __setstate__(self, state: dict[str, str]) -> None:
        # Unpickling happens in the dynamic-provider plugin the engine starts: from here
        # on our errors reach `pulumi preview` as one line, not a Python traceback.
        one_line_plugin_errors(AlireadError)
        self.api_name = state["api_name"]
        self._config = None

    @property
    def api(self) -> ApiSpec:
        return APIS[self.api_name]

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the stack config (namespaced keys, secrets unwrapped) for later reads."""
        self._config = req.config  # pulumi.dynamic.Config has .get(namespaced_key)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        for key in (*SETTING_KEYS, self.api.expect_keyword, MISMATCH_KEY):
            try:
                validate_option(self.api, key, news.get(key))
            except InvalidInputError as error:
                failures.append(CheckFailure(key, str(error)))
        return CheckResult(news, failures)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Read the live object; raise (one clear line) when it fails or is unexpected."""
        # Imported here: a program that declares these resources reads nothing itself
        # (the dynamic provider's process does), so it need not load the read path.
        from ..core import client

        api = self.api
        options = {key: props.get(key) for key in SETTING_KEYS}
        expected = props.get(api.expect_keyword)
        try:
            result = client.read(
                api, id_, expected=expected, config=self._config,
                mismatch_means_accepted=props.get(MISMATCH_KEY), **options
            )
        except AlireadError as error:
            # Re-raised from here so the engine shows the message, not the retry machinery.
            raise error.with_traceback(None) from None
        outs: dict[str, Any] = result.to_dict(include_request_id=False)
        # Settings travel with the outputs so that `pulumi refresh`, which hands back the
        # previous outputs only, reads the same way.
        for key in (*SETTING_KEYS, api.expect_keyword, MISMATCH_KEY):
            if props.get(key) is not None:
                outs[key] = props[key]
        return ReadResult(result.id, outs)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def create(self, props: dict[str, Any]) -> Any:
        api = self.api
        raise InvalidInputError(
            f"pulumi-aliread only reads the {api.title}: it cannot create one. Register it "
            f"with its id ({api.id_keyword}=...), which makes Pulumi read it."
        )

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        raise InvalidInputError(
            f"pulumi-aliread only reads the {self.api.title}: it never changes one."
        )

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to do: the object is not Pulumi's; forgetting it deletes nothing."""


# Stacks hold the provider pickled by reference under this stable name (see
# ``pulumi_aliread/provider.py``), wherever the class is defined.
ReadOnlyProvider.__module__ = "pulumi_aliread.provider"


class ReadResource(Resource):
    """A dynamic resource that reads one object of ``_api`` by id, registered as a read
    of an existing object (``ResourceOptions(id=...)``): the engine reads it on every
    ``pulumi preview`` and ``pulumi up`` and never creates, updates or deletes anything.
    When the id is unknown during a preview, the outputs are unknown."""

    _api: ClassVar[ApiSpec]

    def __init__(
        self,
        resource_name: str,
        object_id: pulumi.Input[str],
        *,
        expected: Any,
        opts: pulumi.ResourceOptions | None,
        **options: Any,
    ) -> None:
        api = self._api
        validate_plain(api, object_id, expected, options)  # known values: refused now
        props: dict[str, Any] = dict.fromkeys(api.result_type.output_names())
        props.update({key: value for key, value in options.items() if value is not None})
        if expected is not None:  # known states as a list (JSON-ready); Outputs as they are
            props[api.expect_keyword] = list(api.validate_states(expected)) \
                if is_plain(expected) else expected
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=object_id))
        super().__init__(ReadOnlyProvider(api.name), resource_name, props, opts)
        # Numbers cross the Pulumi wire as floats: give integer outputs back as int.
        for field in api.fields:
            if field.type == LONG:
                self.__dict__[field.name] = self.__dict__[field.name].apply(_as_int)


def _as_int(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value
