"""``pulumi-resource-aliread``: the same reads as a Pulumi provider plugin, for programs in
any Pulumi language (YAML, TypeScript, Go, ...).

The plugin serves the package schema kept beside this module (``schema.json``): the
functions ``aliread:index:getHandshake`` / ``aliread:index:getJoinPermissionAuthOrder``
and the read-only resources ``aliread:index:Handshake`` /
``aliread:index:JoinPermissionAuthOrder``. Every read goes through ``client.read`` with the
same ``ApiSpec``s, schemas and errors as the Python entry points.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Console script ``pulumi-resource-aliread``: serve the provider over gRPC.

    The engine starts it with its own address as the first argument; the plugin prints
    the port it listens on (loopback) as its first line of output.
    """
    from .server import serve

    serve(sys.argv[1:] if argv is None else argv)


__all__ = ["main"]
