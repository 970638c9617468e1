"""Driving the real ``pulumi`` CLI offline: where the engine is, one virtualenv with the
package installed from a wheel of this checkout, and one temporary project per test.

The engine is the one ``scripts/pulumi-engine.sh`` builds from the Go module proxy
(``make engine``), else a ``pulumi`` on PATH. Every run is offline: a temporary
``PULUMI_HOME``, a ``file://`` backend, no update check, no plugin download.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
    """A wheel of ``source`` (a checkout), as a user would install a release."""
    done = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                 "--disable-pip-version-check", "-w", str(out), str(source)])
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
            # The engine's own folder first (CLI, language host, dynamic-provider plugin),
            # then the program's virtualenv, as an activated venv would have it.
            "PATH": os.pathsep.join([str(self.engine), str(self.venv / "bin"),
                                     "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.home),
            "PULUMI_HOME": str(self.pulumi_home),
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "1",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "1",
            "PULUMI_SKIP_CONFIRMATIONS": "1",
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "LANG": "C.UTF-8",
        }
        env.update(self.extra_env)
        return env

    def pulumi(self, *args: str, env: Mapping[str, str] | None = None,
               check: bool = False) -> subprocess.CompletedProcess[str]:
        full_env = self.env()
        full_env.update(env or {})
        done = _run([str(self.engine / "pulumi"), *args, "--non-interactive"],
                    cwd=self.path, env=full_env)
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
