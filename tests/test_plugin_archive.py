"""The plugin archive (``python -m pulumi_aliread.plugin.archive``, ``make plugin``) for
``pulumi plugin install resource aliread VERSION --file ARCHIVE``: its launcher serves the
plugin with the interpreter that built it, and says in one line what to do when that
interpreter is gone. (tests/engine installs it into the real engine.)"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.plugin import archive


def _extract(built: Path, into: Path) -> Path:
    with tarfile.open(built) as tar:
        assert tar.getnames() == ["pulumi-resource-aliread"]
        tar.extractall(into, filter="data")
    return into / "pulumi-resource-aliread"


def test_the_command_builds_an_archive_named_as_pulumi_names_plugins(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pulumi_aliread.plugin.archive",
                           "--out", str(tmp_path / "dist")],
                          capture_output=True, text=True, timeout=60, check=True)

    built = Path(done.stdout.strip())
    assert built.parent == tmp_path / "dist"
    assert built.name == (f"pulumi-resource-aliread-v{aliread.__version__}-"
                          f"{archive.platform_suffix()}.tar.gz")
    assert (f"pulumi plugin install resource aliread {aliread.__version__} --file {built}"
            in done.stderr)
    launcher = _extract(built, tmp_path / "plugin")
    assert launcher.stat().st_mode & 0o111
    assert sys.executable in launcher.read_text(encoding="utf-8")


def test_the_launcher_serves_the_plugin(tmp_path: Path) -> None:
    launcher = _extract(archive.build(tmp_path / "dist"), tmp_path / "plugin")

    with subprocess.Popen([str(launcher), "127.0.0.1:1"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=tmp_path) as plugin:
        assert plugin.stdout is not None
        port = plugin.stdout.readline().decode().strip()
        plugin.kill()

    assert port.isdigit(), port


def test_a_launcher_whose_python_is_gone_says_how_to_rebuild_it(tmp_path: Path) -> None:
    gone = tmp_path / "moved venv" / "bin" / "python"
    launcher = _extract(archive.build(tmp_path / "dist", python=str(gone)),
                        tmp_path / "plugin")

    done = subprocess.run([str(launcher), "127.0.0.1:1"], capture_output=True, text=True,
                          timeout=30)

    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert f"({gone} not found)" in line
    assert "-m pulumi_aliread.plugin.archive" in line
    assert f"pulumi plugin install resource aliread {aliread.__version__}" in line
    assert "--reinstall" in line


def test_an_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")

    done = subprocess.run([sys.executable, "-m", "pulumi_aliread.plugin.archive",
                           "--out", str(blocker / "dist")],
                          capture_output=True, text=True, timeout=60)

    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"pulumi-resource-aliread: cannot write the archive into {blocker}")


def test_a_relative_python_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="absolute path"):
        archive.build(tmp_path, python="venv/bin/python")
