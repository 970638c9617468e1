"""Serve ``AlireadProvider`` over gRPC the way the engine expects a plugin to.

Pulumi's ``pulumi.provider.experimental.server`` appends the Python traceback to every
error's text, and the engine prints that text as the diagnostic. Our own errors
(``AlireadError``: a refused input, a failed read, an expectation not met) already say
what went wrong and what to do, so they are sent as their one-line message; any other
exception (a bug) keeps Pulumi's traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import sys
import threading
from typing import Any

import grpc
import grpc.aio
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from .. import __version__
from ..core.redaction import one_line
from ..errors import AlireadError
from .provider import AlireadProvider

_RPCS = ("GetSchema", "CheckConfig", "DiffConfig", "Configure", "Invoke", "Check", "Diff",
         "Create", "Read", "Update", "Delete")


def _one_line(name: str) -> Any:
    base = getattr(ProviderServicer, name)

    async def method(self: ProviderServicer, request: Any, context: Any) -> Any:
        try:
            return await base(self, request, context)
        except Exception as error:
            # Pulumi's wrapper raises a new Exception while handling ours (__context__).
            ours = error if isinstance(error, AlireadError) else error.__context__
            if isinstance(ours, AlireadError):
                await context.abort(grpc.StatusCode.UNKNOWN, one_line(str(ours)))
            raise

    method.__name__ = name
    return method


OneLineServicer = type(
    "OneLineServicer", (ProviderServicer,), {name: _one_line(name) for name in _RPCS}
)


def serve(argv: list[str]) -> None:
    """Listen on a loopback port, print it, and serve until the engine stops us."""
    parser = argparse.ArgumentParser(
        prog="pulumi-resource-aliread",
        description="The aliread Pulumi provider plugin (started by the Pulumi engine).",
    )
    parser.add_argument("engine", help="address of the Pulumi engine")
    parser.add_argument("--logflow", action="store_true", help="ignored")
    parser.add_argument("--logtostderr", action="store_true", help="ignored")
    parser.add_argument("-v", dest="verbosity", default=None, help="ignored")
    args, _ = parser.parse_known_args(argv)

    async def run() -> None:
        server = grpc.aio.server()
        servicer = OneLineServicer(argv, __version__, AlireadProvider(), args.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        # The read path's modules load while the engine asks for the schema and
        # configures the plugin, rather than before the port it waits for.
        threading.Thread(target=importlib.import_module, args=("..core.client", __package__),
                         daemon=True, name="aliread-warm").start()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
