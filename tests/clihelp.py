"""Running ``python -m pulumi_aliread`` as CI would, against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pulumi_aliread.testing import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

REPO = Path(__file__).resolve().parent.parent


def cli_env(**overrides: str | None) -> dict[str, str]:
    """The test process's (isolated) environment plus the emulator's AccessKey pair."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = DEFAULT_ACCESS_KEY_ID
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = DEFAULT_ACCESS_KEY_SECRET
    env["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def aliread(*args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the command; stdout and stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "pulumi_aliread", *args],
        capture_output=True, text=True, env=env or cli_env(), timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def elements(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    return data
