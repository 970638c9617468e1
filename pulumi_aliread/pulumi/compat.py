"""Where pulumi-aliread leans on Pulumi internals that have no public API.

Each use is guarded: when Pulumi changes the internal, the feature degrades to Pulumi's
own behaviour instead of breaking a program.
"""

from __future__ import annotations

import sys
import traceback
from types import ModuleType
from typing import Any

# `python -m pulumi.dynamic` (the dynamic-provider plugin the engine starts) runs this
# module as `__main__`; its gRPC methods are wrapped by `_abort_with_traceback`, which
# sends `traceback.format_exc()` to the engine as the error's text (up to 3.272 at least).
# Pulumi 3.139 has no such wrapper: the exception reaches grpc, which sends
# "Exception calling application: <message>", one line already.
_DYNAMIC_PLUGIN_MODULE = "pulumi.dynamic.__main__"


class _OneLineFor:
    """Stands in for the ``traceback`` module inside the plugin's ``__main__``: the
    exception types given are formatted as their message alone, anything else exactly
    as ``traceback`` formats it."""

    def __init__(self, real: ModuleType, one_line: tuple[type[BaseException], ...]) -> None:
        self._real = real
        self._one_line = one_line

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, self._one_line):
            return str(error)
        return self._real.format_exc(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def one_line_plugin_errors(*error_types: type[BaseException]) -> bool:
    """Inside the dynamic-provider plugin, report ``error_types`` to the engine as their
    message alone, with no Python traceback.

    The engine shows the text a provider's gRPC error carries as the resource's
    diagnostic (``error: Preview failed: <text>``). The dynamic-provider server sends a
    full ``traceback.format_exc()``, so without this a failed read shows a Python
    traceback in ``pulumi preview``. Other exceptions (for example from a user's own
    dynamic providers in the same plugin process) keep their tracebacks.

    Returns True when installed (now or earlier), False outside the plugin process or
    when the plugin's internals are not as expected.
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if main is None or getattr(spec, "name", None) != _DYNAMIC_PLUGIN_MODULE:
        return False
    current = getattr(main, "traceback", None)
    if isinstance(current, _OneLineFor):
        return True
    if current is not traceback or not hasattr(main, "_abort_with_traceback"):
        return False
    main.traceback = _OneLineFor(traceback, error_types)  # type: ignore[attr-defined]
    return True


def stack_exports(outputs: dict[str, Any]) -> dict[str, Any]:
    """The root stack's exports as the runtime hands them to the engine.

    ``pulumi.export`` values pass through ``pulumi.runtime.stack.massage`` before they
    become stack outputs: dicts stay dicts, resources become dicts of their outputs, and
    every other iterable becomes a list. ``ProviderMocks`` returns exports through this,
    so a unit test sees what ``pulumi stack output`` shows.
    """
    try:
        from pulumi.runtime.stack import massage
    except ImportError:  # pragma: no cover - a Pulumi without it: exports as given
        return dict(outputs)
    return {name: massage(value, []) for name, value in outputs.items()}


# Pulumi's marks of an output type (`@pulumi.output_type` / `@pulumi.getter`), as
# `pulumi._types` reads them (pulumi 3.x). Set by name: this module imports no Pulumi.
_OUTPUT_TYPE_MARK = "_pulumi_output_type"
_GETTER_NAME_MARK = "_pulumi_name"


def export_as_object(cls: type) -> type:
    """Make the stack outputs show instances of the slotted dataclass ``cls`` as an
    object of its non-``None`` fields, as they show the result types of generated
    Pulumi SDKs.

    The runtime turns an export that is neither a dict, a resource nor an output type
    into a list (of a Mapping's keys: the real engine showed it for an exported
    result). A result cannot be a ``dict``: ``Output.from_input`` rebuilds every dict as
    a plain one, which would strip the result's type inside ``Output.all``. So the class
    gets Pulumi's output-type marks instead: each field's slot is wrapped in a property
    that the runtime's ``output_type_to_dict`` reads by its ``@pulumi.getter`` name.
    """
    import dataclasses

    for field in dataclasses.fields(cls):
        slot = cls.__dict__[field.name]

        def get(self: Any, _slot: Any = slot) -> Any:
            return _slot.__get__(self, type(self))

        def put(self: Any, value: Any, _slot: Any = slot) -> None:
            _slot.__set__(self, value)

        setattr(get, _GETTER_NAME_MARK, field.name)
        setattr(cls, field.name, property(get, put, doc=field.name))
    setattr(cls, _OUTPUT_TYPE_MARK, True)
    return cls


def invoke_options_type() -> Any:
    """``pulumi.InvokeOutputOptions | pulumi.InvokeOptions | None``, the ``opts`` an
    ``*_output`` function takes, as a run-time union; pulumi 3.139 (the oldest the
    package allows) has no ``InvokeOutputOptions``, and there it is
    ``pulumi.InvokeOptions | None``."""
    import pulumi

    output_options = getattr(pulumi, "InvokeOutputOptions", None)
    if output_options is None:
        return pulumi.InvokeOptions | None
    return output_options | pulumi.InvokeOptions | None


# -- Pulumi's runtime internals (pulumi 3.x): every use of a private name is here --------


def current_program() -> object:
    """What tells the running Pulumi program from the next one: its resource monitor
    (``pulumi.runtime.settings.get_monitor()``, a public function), a new object for
    every program run, ``set_mocks`` included. None when no program runs, or when
    Pulumi is not installed."""
    try:
        from pulumi.runtime.settings import get_monitor
    except ImportError:  # pragma: no cover - not in a Pulumi program
        return None
    try:
        return get_monitor()
    except Exception:  # noqa: BLE001 - any Pulumi without a monitor: no program
        return None


def reset_runtime_for_new_program() -> None:
    """Forget the previous program's registered outputs and root stack resource
    (``SETTINGS.outputs``, ``set_root_resource(None)``), as a new program process would."""
    from pulumi.runtime import settings as runtime_settings

    runtime_settings.SETTINGS.outputs.clear()
    runtime_settings.set_root_resource(None)  # type: ignore[arg-type]


def ensure_event_loop() -> Any:
    """The event loop Pulumi runs programs on (``sync_await._ensure_event_loop``)."""
    from pulumi.runtime.sync_await import _ensure_event_loop

    return _ensure_event_loop()


def sync_await(awaitable: Any) -> Any:
    """Run ``awaitable`` to completion on Pulumi's loop (``sync_await._sync_await``)."""
    from pulumi.runtime.sync_await import _sync_await

    return _sync_await(awaitable)


def runtime_config() -> tuple[dict[str, Any], set[str]]:
    """The program's config and its secret keys (``config.CONFIG``, ``_SECRET_KEYS``)."""
    from pulumi.runtime import config as runtime_config_module

    return (dict(runtime_config_module.CONFIG.get()),
            set(runtime_config_module._SECRET_KEYS.get()))


def deserialize_provider(serialized: str) -> Any:
    """A dynamic provider from its state blob (base64 of dill), as the dynamic-provider
    plugin deserializes it (inside ``_serialization._deserialize``)."""
    import base64

    import dill
    from pulumi.runtime._serialization import _deserialize

    return _deserialize(lambda: dill.loads(base64.b64decode(serialized)))


def set_read_id(response: Any, resource_id: str) -> bool:
    """Put ``resource_id`` in a ``ReadResourceResponse`` (what a read resource's ``id``
    resolves to). Returns False, leaving ``response`` as it is, on a pulumi whose
    protocol has no such field (3.139): there the SDK takes the id the read was given."""
    if "id" not in response.DESCRIPTOR.fields_by_name:
        return False
    response.id = resource_id
    return True
