"""Credentials as users set them, under the real engine: Pulumi config (secret), an
aliyun CLI profile, the environment. The AccessKey secret and the STS token never reach
the state, the CLI's output (even at ``-v=9``) or any file the engine writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from engine_harness import Project
from pulumi_helpers import stack_config

from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

PROGRAM = f"""\
import pulumi
import pulumi_aliread as aliread

invite = aliread.Handshake("invite", handshake_id="{SEED_HANDSHAKE_ID}")
grant = aliread.JoinPermissionAuthOrder("grant", order_id="{SEED_ORDER_ID}")
pulumi.export("status", invite.status)
pulumi.export("state", grant.order_state)
pulumi.export("fn", aliread.get_handshake_output(handshake_id="{SEED_HANDSHAKE_ID}").status)
"""

SECRETS = (STS_ACCESS_KEY_SECRET, STS_TOKEN, DEFAULT_ACCESS_KEY_SECRET)


def _endpoints(emulator: Emulator) -> dict[str, str]:
    return {key: value for key, value in stack_config(emulator).items()
            if key.startswith("aliread:")}


def _profile(project: Project) -> None:
    folder = project.home / ".aliyun"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({
        "current": "ci",
        "profiles": [{"name": "ci", "mode": "StsToken", "access_key_id": STS_ACCESS_KEY_ID,
                      "access_key_secret": STS_ACCESS_KEY_SECRET, "sts_token": STS_TOKEN,
                      "region_id": "cn-shanghai"}],
    }), encoding="utf-8")


def _setup(kind: str, project: Project, emulator: Emulator) -> tuple[dict[str, str], list[str]]:
    config = _endpoints(emulator)
    if kind == "config-sts":
        config.update({"alicloud:accessKey": STS_ACCESS_KEY_ID,
                       "alicloud:secretKey": STS_ACCESS_KEY_SECRET,
                       "alicloud:securityToken": STS_TOKEN})
    elif kind == "config-keys":
        config.update({"alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
                       "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET})
    elif kind == "profile":
        _profile(project)
        config["alicloud:profile"] = "ci"
    elif kind == "environment":
        project.extra_env.update({"ALIBABA_CLOUD_ACCESS_KEY_ID": STS_ACCESS_KEY_ID,
                                  "ALIBABA_CLOUD_ACCESS_KEY_SECRET": STS_ACCESS_KEY_SECRET,
                                  "ALIBABA_CLOUD_SECURITY_TOKEN": STS_TOKEN})
    return config, ["alicloud:secretKey", "alicloud:securityToken"]


@pytest.mark.parametrize("kind", ["config-sts", "config-keys", "profile", "environment"])
def test_credentials_read_and_never_stored_or_printed(
        new_project: Callable[..., Project], emulator: Emulator, kind: str) -> None:
    project = new_project(program=PROGRAM)
    config, secret = _setup(kind, project, emulator)
    project.init_stack(config, secret=secret)

    up = project.pulumi("up", "--yes", "-v=9", "--logtostderr", "--logflow")

    assert up.returncode == 0, up.stdout + up.stderr
    assert project.outputs() == {"status": "Pending", "state": "ACCEPTED", "fn": "Pending"}
    used_key = DEFAULT_ACCESS_KEY_ID if kind == "config-keys" else STS_ACCESS_KEY_ID
    assert {request.params.get("AccessKeyId") for request in emulator.requests} == {used_key}
    exported = project.pulumi("stack", "export", check=True).stdout
    printed = up.stdout + up.stderr
    written = project.files_text()
    ours = json.dumps(_our_resources(project.export()))
    for value in SECRETS:
        assert value not in exported
        assert value not in printed
        assert value not in written
        assert value not in ours


SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


def _our_resources(deployment: dict[str, Any]) -> list[Any]:
    """The decrypted state (``--show-secrets``) less what the engine itself keeps of the
    stack config: it records every config key as the inputs of the default
    ``pulumi-python`` provider, secret keys as secrets (encrypted in the state file, as
    it keeps ``aws:secretKey`` for pulumi-aws). Those must be marked secret; nothing else
    of the state may hold a credential."""
    kept: list[Any] = []
    for resource in deployment["deployment"]["resources"]:
        if resource["type"] != "pulumi:providers:pulumi-python":
            kept.append(resource)
            continue
        for part in ("inputs", "outputs"):
            for key, value in (resource.get(part) or {}).items():
                if key in ("alicloud:secretKey", "alicloud:securityToken"):
                    assert isinstance(value, dict) and SECRET_SIGNATURE in value, key
                else:
                    kept.append(value)
    return kept
