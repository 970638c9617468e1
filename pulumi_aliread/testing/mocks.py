"""``ProviderMocks``: unit-test Pulumi programs with their dynamic providers really running.

Pulumi's mock runtime replaces the engine; ``ProviderMocks`` plays the engine's part for
dynamic resources the way the provider plugin does: it deserializes ``__provider``,
calls ``configure`` with the stack config, then ``read`` for reads (also in preview,
unless the id is unknown), ``check`` then ``create`` for new resources (``check`` only in
preview). Other resources and invokes go to ``fallback`` mocks, or echo their inputs.

    mocks = ProviderMocks(config={"aliread:resourcemanagerEndpoint": emulator.url, ...})
    outputs = mocks.run(program, preview=True)   # the program's stack exports
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider
from pulumi.runtime import Mocks, rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from ..core.client import Client
from ..pulumi.compat import (
    deserialize_provider,
    ensure_event_loop,
    reset_runtime_for_new_program,
    set_read_id,
    stack_exports,
    sync_await,
)
from ..pulumi.compat import runtime_config as pulumi_runtime_config
from ..pulumi.outputs import bind_program_client

DYNAMIC_PREFIX = "pulumi-python:dynamic"
PROVIDER_KEY = "__provider"
SECRET_CONFIG_KEYS = ("alicloud:secretKey", "alicloud:securityToken")


class _Unknown:
    """Stands for a value that is unknown during a preview (``ProviderMocks.UNKNOWN``)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass
class Registration:
    """One resource the program declared, as the mocks saw and answered it."""

    type: str
    name: str
    id: str | None
    inputs: dict[str, Any]  # as registered, ``__provider`` included
    outputs: dict[str, Any] = field(default_factory=dict)
    read: bool = False


class ProviderMocks(Mocks):
    """Pulumi ``Mocks`` that run dynamic providers in-process, as the plugin would.

    ``config``: the stack config, namespaced (``aliread:region``, ``alicloud:accessKey``,
    ``<project>:key``). When given, it becomes Pulumi's runtime config at once (as
    ``pulumi config set`` would make it), so that it also works with Pulumi's stock
    ``pulumi.runtime.set_mocks(ProviderMocks(config))``; each provider's ``configure``
    receives it too. ``fallback``: mocks for every other resource and invoke.
    """

    UNKNOWN = UNKNOWN

    def __init__(
        self,
        config: Mapping[str, str] | None = None,
        *,
        fallback: Mocks | None = None,
        project: str = "project",
        stack: str = "stack",
    ) -> None:
        self.config = dict(config or {})
        self.fallback = fallback
        self.project = project
        self.stack = stack
        self.registrations: list[Registration] = []
        self._providers: dict[str, ResourceProvider] = {}
        self._lock = threading.Lock()
        self._config_before: tuple[dict[str, Any], set[str]] | None = None
        # The client of the program installed last (its shared reads, its counters).
        self.client: Client | None = None
        if self.config:
            self._apply_config()

    # -- pulumi.runtime.Mocks ------------------------------------------------------

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        if not args.typ.startswith(DYNAMIC_PREFIX):
            if self.fallback is not None:
                return self.fallback.new_resource(args)
            return args.resource_id or f"{args.name}_id", dict(args.inputs)
        inputs = {key: rpc.unwrap_rpc_secret(value) for key, value in args.inputs.items()}
        provider = self._provider(inputs[PROVIDER_KEY])
        preview = pulumi.runtime.is_dry_run()
        # Pulumi's mock monitor leaves ``custom`` unset for reads (ReadResource); a
        # registration with an id is an import, which the engine also does with Read.
        is_read = args.custom is None or bool(args.resource_id)
        record = Registration(args.typ, args.name, args.resource_id or None,
                              dict(args.inputs), read=is_read)
        self.registrations.append(record)
        if is_read:  # on preview and up alike
            if not args.resource_id or args.resource_id == rpc.UNKNOWN:
                return "", {}  # the engine skips it: every output stays unknown
            result = provider.read(args.resource_id, inputs)
            outs = dict(result.outs or {})
            object_id = result.id or args.resource_id
        else:
            checked = provider.check({}, inputs)
            if checked.failures:
                reasons = "; ".join(f"{f.property}: {f.reason}" for f in checked.failures)
                raise ValueError(f"{args.typ} {args.name!r} failed its check: {reasons}")
            if preview:
                outs, object_id = dict(checked.inputs), ""
            else:
                created = provider.create(checked.inputs)
                outs, object_id = dict(created.outs or {}), created.id
        outs[PROVIDER_KEY] = args.inputs[PROVIDER_KEY]
        record.id, record.outputs = object_id, outs
        return object_id, outs

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        if self.fallback is not None:
            return self.fallback.call(args)
        return {}, None

    # -- the harness ---------------------------------------------------------------

    def monitor(self) -> MockMonitor:
        """A mock monitor that, unlike Pulumi's, hands a read's id back to the program."""
        return _ReadIdMonitor(self)

    def install(self, *, preview: bool = False) -> None:
        """Make these mocks Pulumi's runtime for the next program: a fresh root stack,
        ``config`` as the stack config (it stays set afterwards), and providers that are
        deserialized and configured anew, as by a new plugin process; the program's reads
        get a new ``client.Client`` (``self.client``)."""
        with self._lock:
            self._providers.clear()
        reset_runtime_for_new_program()
        self._apply_config()
        pulumi.runtime.set_mocks(
            self, project=self.project, stack=self.stack, preview=preview,
            monitor=self.monitor(),
        )
        if self.client is not None:
            self.client.close()  # the last program's loop and connections
        self.client = Client()  # a new program, a new client: no answer carried over
        bind_program_client(self.client)

    def run(self, program: Callable[[], Any], *, preview: bool = False) -> dict[str, Any]:
        """Run ``program`` as ``pulumi preview`` (``preview=True``) or ``pulumi up`` would,
        and return its stack exports, resolved (``UNKNOWN`` where unknown).

        A failed read (not found, expectation not met, ...) is raised as the library's
        own exception. Pulumi's runtime config is restored afterwards.
        """
        from pulumi.runtime.stack import run_pulumi_func

        _quiet_reported_errors(ensure_event_loop())
        try:
            self.install(preview=preview)

            async def main() -> dict[str, Any]:
                await run_pulumi_func(program)
                root = pulumi.runtime.get_root_resource()
                exports = stack_exports(dict(getattr(root, "outputs", {}) or {}))
                return {name: await _resolve(value) for name, value in exports.items()}

            return sync_await(main())
        finally:
            self._restore_config()

    # -- internals -----------------------------------------------------------------

    def _apply_config(self) -> None:
        from pulumi.runtime import config as runtime_config

        if self._config_before is None:  # what ``run`` puts back when it ends
            self._config_before = pulumi_runtime_config()
        runtime_config.set_all_config(
            dict(self.config), [key for key in self.config if key in SECRET_CONFIG_KEYS]
        )

    def _restore_config(self) -> None:
        from pulumi.runtime import config as runtime_config

        if self._config_before is not None:
            config, secret_keys = self._config_before
            runtime_config.set_all_config(config, list(secret_keys))

    def _provider(self, serialized: str) -> ResourceProvider:
        """Deserialize and configure once per distinct provider, as the plugin does."""
        with self._lock:
            provider = self._providers.get(serialized)
            if provider is None:
                provider = deserialize_provider(serialized)
                provider.configure(ConfigureRequest(Config(self._stack_config(),
                                                           self.project)))
                self._providers[serialized] = provider
            return provider

    def _stack_config(self) -> dict[str, Any]:
        if self.config:
            return dict(self.config)
        return pulumi_runtime_config()[0]


class _ReadIdMonitor(MockMonitor):
    def ReadResource(self, request: Any) -> Any:  # noqa: N802 - Pulumi's name
        response = super().ReadResource(request)
        registered = self.resources.get(response.urn)
        if registered is not None and registered.id:
            set_read_id(response, registered.id)
        return response


def _quiet_reported_errors(loop: Any) -> None:
    """On Pulumi's event loop, drop "Future exception was never retrieved" for the
    library's errors: ``run`` raises them, and Pulumi leaves copies in the outputs of the
    failed resource. Everything else still reaches the previous handler."""
    previous = loop.get_exception_handler()
    if getattr(previous, "aliread_quiet", False):
        return

    def handler(loop: Any, context: dict[str, Any]) -> None:
        from ..errors import AlireadError

        if isinstance(context.get("exception"), AlireadError) and "never retrieved" in str(
            context.get("message", "")
        ):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    handler.aliread_quiet = True  # type: ignore[attr-defined]
    loop.set_exception_handler(handler)


async def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    if not await output.is_known():
        return UNKNOWN
    return await output.future()


__all__ = ["ProviderMocks", "Registration", "UNKNOWN"]
