"""Driving the real ``pulumi`` CLI as users run it: where the engine is, one virtualenv
with the package installed from a wheel of this checkout, and one temporary project per
test.

The engine is the one ``scripts/pulumi-engine.sh`` builds from the Go module proxy
(``make engine``), else a ``pulumi`` on PATH. Runs are as a user's: the virtualenv is not
on PATH (``PULUMI_PYTHON_CMD`` names its python), automatic plugin acquisition is left on,
the ``aliread`` plugin is installed with ``pulumi plugin install ... --file`` where a
program needs it; plus a temporary ``PULUMI_HOME``, a ``file://`` backend, no update check.
Every preview, up, refresh and destroy runs at ``-v=5`` with its log kept apart, and
fails the test when the engine looked for, downloaded or took from PATH an ``aliread``
plugin a program does not need.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ENGINE_SCRIPT = REPO / "scripts" / "pulumi-engine.sh"
PASSPHRASE = "engine-test-passphrase"
COMMAND_TIMEOUT = 600  # seconds: a hung engine fails the test instead of hanging CI
HOW_TO_BUILD = ("no Pulumi engine: build it with `make engine` "
                "(scripts/pulumi-engine.sh, needs Go and the Go module proxy)")


def engine_version() -> str:
    return subprocess.run([str(ENGINE_SCRIPT), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def find_engine() -> Path | None:
    """The folder holding ``pulumi`` and ``pulumi-language-python``, or ``None``."""
    built = Path(subprocess.run([str(ENGINE_SCRIPT), "--bin-dir"], capture_output=True,
                                text=True, check=True).stdout.strip())
    if (built.parent / ".complete").exists():
        return built
    on_path = shutil.which("pulumi")
    return Path(on_path).parent if on_path else None


def _run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                          **kwargs)


def build_wheel(source: Path, out: Path) -> Path:
    """A wheel of ``source`` (a checkout), as a user would install a release. Built from a
    copy of its tracked-looking files: setuptools builds in ``build/`` and would ship a
    file since deleted from the checkout, left there by an earlier build."""
    copy = out / "source"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
        ".pytest_cache", "node_modules", "sdk"))
    done = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                 "--disable-pip-version-check", "-w", str(out), str(copy)])
    if done.returncode != 0:
        raise RuntimeError(f"building the wheel failed:\n{done.stdout}{done.stderr}")
    (wheel,) = out.glob("pulumi_aliread-*.whl")
    return wheel


def make_virtualenv(path: Path, wheel: Path) -> Path:
    """A virtualenv with ``wheel`` and the Pulumi SDK this test run uses; returns it."""
    import pulumi

    version = getattr(pulumi, "__version__", None) or _installed_version("pulumi")
    for argv in ([sys.executable, "-m", "venv", str(path)],
                 [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet",
                  "--disable-pip-version-check", str(wheel), f"pulumi=={version}"]):
        done = _run(argv)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    return path


def build_plugin_archive(venv: Path, out: Path) -> Path:
    """The plugin archive, built as README says (``python -m
    pulumi_aliread.plugin.archive``) by ``venv``'s python, so its launcher runs that."""
    done = _run([str(venv / "bin" / "python"), "-m", "pulumi_aliread.plugin.archive",
                 "--out", str(out)], cwd=out.parent)
    if done.returncode != 0:
        raise RuntimeError(f"building the plugin archive failed:\n{done.stdout}{done.stderr}")
    return Path(done.stdout.strip())


def plugin_version(archive: Path) -> str:
    """``0.1.0`` of ``pulumi-resource-aliread-v0.1.0-linux-amd64.tar.gz``."""
    found = re.fullmatch(r"pulumi-resource-aliread-v(.+?)-[a-z]+-[a-z0-9]+\.tar\.gz", archive.name)
    assert found, archive
    return found.group(1)


DEPLOYMENT_COMMANDS = ("preview", "up", "refresh", "destroy")
# What the engine logs (or prints) when it looks for the aliread plugin: a download from
# GitHub releases or get.pulumi.com, or the plugin taken from PATH.
_DOWNLOAD_OR_PATH = re.compile(
    r"aliread (?:trying direct download|direct download failed|downloading)"
    r"|pulumi/pulumi-aliread/releases|using pulumi-resource-aliread from \$PATH")
# ...and any mention of the plugin at all, in a program that does not use it (Python).
_ANY_PLUGIN = re.compile(_DOWNLOAD_OR_PATH.pattern + r"|pulumi-resource-aliread|resource-aliread-v")


def assert_no_plugin_hunt(done: subprocess.CompletedProcess[str], logs: Path | None,
                          plugin_used: bool) -> None:
    """Fail when the run's output or ``-v=5`` logs show the engine looking for, downloading,
    or taking from PATH an ``aliread`` plugin (any mention of the plugin when
    ``plugin_used`` is False: a Python program runs on dynamic providers alone)."""
    texts = {"output": f"{done.stdout}\n{done.stderr}"}
    if logs is not None:
        texts.update({file.name: file.read_text(encoding="utf-8", errors="replace")
                      for file in logs.iterdir()
                      if ".log." in file.name and file.is_file() and not file.is_symlink()})
    pattern = _DOWNLOAD_OR_PATH if plugin_used else _ANY_PLUGIN
    for name, text in texts.items():
        hunt = [line for line in text.splitlines() if pattern.search(line)]
        assert not hunt, (f"the engine looked for an aliread plugin ({name}):\n"
                          + "\n".join(hunt[:5]))


def _installed_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


@dataclass
class Project:
    """One Pulumi project in a temporary folder, with its own ``PULUMI_HOME``, HOME and
    ``file://`` state folder, run by the real CLI."""

    path: Path
    engine: Path
    venv: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    # True once the aliread plugin is installed for the program (YAML, TypeScript, Go).
    uses_plugin: bool = False

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def pulumi_home(self) -> Path:
        return self.root / "pulumi-home"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def env(self) -> dict[str, str]:
        for folder in (self.state_dir, self.pulumi_home, self.home):
            folder.mkdir(exist_ok=True)
        env = {
            # The engine's own folder (CLI, language hosts, dynamic-provider plugin) and
            # the system's: the program's virtualenv is not on PATH, as for a user who
            # did not activate it; the Python language host runs PULUMI_PYTHON_CMD.
            "PATH": os.pathsep.join([str(self.engine), "/usr/local/bin", "/usr/bin", "/bin"]),
            "PULUMI_PYTHON_CMD": str(self.venv / "bin" / "python"),
            "HOME": str(self.home),
            "PULUMI_HOME": str(self.pulumi_home),
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "1",
            "PULUMI_SKIP_CONFIRMATIONS": "1",
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "LANG": "C.UTF-8",
        }
        env.update(self.extra_env)
        return env

    def install_plugin(self, archive: Path) -> None:
        """``pulumi plugin install resource aliread <version> --file <archive>`` into
        this project's ``PULUMI_HOME``, as README tells users."""
        self.pulumi("plugin", "install", "resource", "aliread", plugin_version(archive),
                    "--file", str(archive), check=True)
        self.uses_plugin = True

    def pulumi(self, *args: str, env: Mapping[str, str] | None = None,
               check: bool = False) -> subprocess.CompletedProcess[str]:
        full_env = self.env()
        full_env.update(env or {})
        argv = list(args)
        logs = None
        if args[0] in DEPLOYMENT_COMMANDS and not any(a.startswith("-v") for a in args):
            # The engine's -v=5 log (language hosts' too: --logflow) in a folder of its own.
            logs = Path(tempfile.mkdtemp(prefix="logs-", dir=self.root))
            argv += ["-v=5", "--logflow"]
            full_env["TMPDIR"] = str(logs)
        done = _run([str(self.engine / "pulumi"), *argv, "--non-interactive"],
                    cwd=self.path, env=full_env)
        if args[0] in DEPLOYMENT_COMMANDS:
            assert_no_plugin_hunt(done, logs, plugin_used=self.uses_plugin)
        if check and done.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def init_stack(self, config: Mapping[str, str] = (), secret: Iterable[str] = (),
                   stack: str = "dev") -> None:
        self.pulumi("stack", "init", stack, check=True)
        secret = set(secret)
        for key, value in dict(config).items():
            flags = ["--secret"] if key in secret else []
            self.pulumi("config", "set", *flags, key, value, check=True)

    def outputs(self) -> dict[str, Any]:
        done = self.pulumi("stack", "output", "--json", "--show-secrets", check=True)
        return json.loads(done.stdout)

    def export(self) -> dict[str, Any]:
        done = self.pulumi("stack", "export", "--show-secrets", check=True)
        return json.loads(done.stdout)

    def files_text(self) -> str:
        """Every file under PULUMI_HOME, the state folder and the project, as text."""
        chunks = []
        for folder in (self.pulumi_home, self.state_dir, self.path):
            for file in folder.rglob("*"):
                if file.is_file() and "venv" not in file.parts:
                    chunks.append(file.read_bytes().decode("utf-8", "replace"))
        return "\n".join(chunks)


def write_program(folder: Path, program: str, name: str = "aliread-engine-test",
                  venv: str = "venv") -> Path:
    """A Python project: ``Pulumi.yaml`` naming ``venv`` and ``toolchain: pip``."""
    folder.mkdir(parents=True)
    (folder / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {venv}\n", encoding="utf-8")
    (folder / "__main__.py").write_text(program, encoding="utf-8")
    return folder
