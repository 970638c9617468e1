"""Build the provider plugin as an archive for ``pulumi plugin install``.

    python -m pulumi_aliread.plugin.archive [--out DIR]     # or: make plugin

writes ``DIR/pulumi-resource-aliread-v<version>-<os>-<arch>.tar.gz`` (default DIR: the
current folder) and prints its path and the install command::

    pulumi plugin install resource aliread <version> --file <archive>

The archive holds one file, the launcher ``pulumi-resource-aliread``: a POSIX shell
script that runs ``<python> -m pulumi_aliread.plugin`` with the absolute path of the
Python interpreter that built it (``sys.executable``: the virtualenv's own ``python``,
not the interpreter it links to, so the virtualenv's packages are the ones imported).
The plugin therefore uses that environment as it is when the engine starts it:
upgrading ``pulumi-aliread`` there upgrades the plugin (rebuild and reinstall the archive
when the version changes, since Pulumi files plugins by version). Moving or deleting the
environment breaks the plugin: it then exits at once with one line naming the missing
interpreter and the command that rebuilds the archive.
"""

from __future__ import annotations

import argparse
import io
import platform
import shlex
import sys
import tarfile
import time
from pathlib import Path

from .. import __version__

PLUGIN = "pulumi-resource-aliread"

_LAUNCHER = """\
#!/bin/sh
# {plugin} {version}: the aliread Pulumi provider plugin, built by
# `python -m pulumi_aliread.plugin.archive` from the Python environment below.
python={python}
if [ ! -x "$python" ]; then
  echo "{plugin}: the Python environment this plugin was built from is gone ($python" \\
       "not found): reinstall pulumi-aliread there, or rebuild the plugin from the new" \\
       "environment with '<its python> -m pulumi_aliread.plugin.archive' and run" \\
       "'pulumi plugin install resource aliread {version} --file <archive> --reinstall'." >&2
  exit 1
fi
exec "$python" -m pulumi_aliread.plugin "$@"
"""


def launcher(python: str, version: str = __version__) -> str:
    """The ``pulumi-resource-aliread`` shell script that runs the plugin with ``python``
    (an absolute path)."""
    return _LAUNCHER.format(plugin=PLUGIN, version=version, python=shlex.quote(python))


def platform_suffix() -> str:
    """``<os>-<arch>`` as Pulumi names plugin archives (``linux-amd64``, ``darwin-arm64``)."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine)
    return f"{platform.system().lower()}-{arch}"


def build(out: Path, python: str | None = None) -> Path:
    """Write the plugin archive into the folder ``out`` (created if missing).

    Args:
        out (Path): folder for the archive.
        python (str | None): absolute path of the interpreter the launcher runs; default
            ``sys.executable`` (the environment running this function).

    Returns:
        Path: the archive, ``out/pulumi-resource-aliread-v<version>-<os>-<arch>.tar.gz``.

    Raises:
        ValueError: ``python`` is not an absolute path.
        OSError: the folder or the archive cannot be written.
    """
    python = python or sys.executable
    if not Path(python).is_absolute():
        raise ValueError(f"python must be an absolute path, got {python!r}")
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"{PLUGIN}-v{__version__}-{platform_suffix()}.tar.gz"
    data = launcher(python).encode("utf-8")
    info = tarfile.TarInfo(PLUGIN)
    info.size, info.mode, info.mtime = len(data), 0o755, int(time.time())
    with tarfile.open(archive, "w:gz") as tar:
        tar.addfile(info, io.BytesIO(data))
    return archive


def main(argv: list[str] | None = None) -> int:
    """``python -m pulumi_aliread.plugin.archive``: build the archive, print how to
    install it; exit 0, or 1 with one line on stderr when it cannot be written."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_aliread.plugin.archive",
        description="Build the aliread provider plugin archive for "
                    "`pulumi plugin install resource aliread VERSION --file ARCHIVE`.")
    parser.add_argument("--out", "-o", type=Path, default=Path.cwd(),
                        help="folder for the archive (default: the current folder)")
    args = parser.parse_args(argv)
    try:
        archive = build(args.out)
    except OSError as error:
        print(f"{PLUGIN}: cannot write the archive into {args.out}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    print(archive)
    print(f"install it with: pulumi plugin install resource aliread {__version__} "
          f"--file {shlex.quote(str(archive))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
