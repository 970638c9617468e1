"""Pulumi's private runtime names are used in pulumi_compat.py only, and work with the
installed Pulumi."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import dill

import pulumi_aliread
from pulumi_aliread.pulumi import compat as pulumi_compat
from pulumi_aliread.pulumi.provider import ReadOnlyProvider

PACKAGE = Path(pulumi_aliread.__file__).parent
PRIVATE = re.compile(r"\bSETTINGS\b|_sync_await|_ensure_event_loop|_serialization|"
                     r"_SECRET_KEYS|pulumi\._\w")


def test_private_pulumi_names_appear_only_in_the_compat_module() -> None:
    users = sorted(
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).as_posix() != "pulumi/compat.py"
        and "plugin" not in path.parts
        and PRIVATE.search(path.read_text(encoding="utf-8"))
    )
    assert users == []


def test_compat_functions_work_with_the_installed_pulumi() -> None:
    blob = base64.b64encode(dill.dumps(ReadOnlyProvider("auth-order"))).decode()
    assert pulumi_compat.deserialize_provider(blob).api_name == "auth-order"
    config, secret_keys = pulumi_compat.runtime_config()
    assert isinstance(config, dict) and isinstance(secret_keys, set)

    async def answer() -> int:
        return 42

    assert pulumi_compat.sync_await(answer()) == 42
    assert pulumi_compat.ensure_event_loop() is not None
    pulumi_compat.current_program()  # no program runs: None or a leftover mock, no error
