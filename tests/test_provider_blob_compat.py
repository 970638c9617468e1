"""Stacks written before the call path's redesign keep working: Pulumi state holds the
provider dill-pickled by reference (``pulumi_aliread.provider.ReadOnlyProvider``, state
``{"api_name": ...}``), and ``pulumi refresh`` / ``destroy`` unpickle it with whatever
version is installed then. These blobs were made by the code of 2026-12-01 (commit
71c805e) with ``pulumi.dynamic.dynamic.serialize_provider``, as ``pulumi stack export``
shows them under ``__provider``."""

from __future__ import annotations

import base64

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi_helpers import stack_config

from pulumi_aliread.pulumi.provider import ReadOnlyProvider
from pulumi_aliread.testing import (
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

BLOBS = {
    "handshake": "gASVTgAAAAAAAACMF3B1bHVtaV9hbGlyZWFkLnByb3ZpZGVylIwQUmVhZE9ubHlQcm92aWRlcpS"
                 "TlCmBlH2UjAhhcGlfbmFtZZSMCWhhbmRzaGFrZZRzYi4=",
    "auth-order": "gASVTwAAAAAAAACMF3B1bHVtaV9hbGlyZWFkLnByb3ZpZGVylIwQUmVhZE9ubHlQcm92aWRlcp"
                  "STlCmBlH2UjAhhcGlfbmFtZZSMCmF1dGgtb3JkZXKUc2Iu",
}


@pytest.mark.parametrize(("api_name", "object_id", "field", "value"), [
    ("handshake", SEED_HANDSHAKE_ID, "status", "Pending"),
    ("auth-order", SEED_ORDER_ID, "order_state", "ACCEPTED"),
])
def test_a_provider_blob_serialized_before_the_redesign_loads_and_reads(
    emulator: Emulator, api_name: str, object_id: str, field: str, value: str,
) -> None:
    provider = dill.loads(base64.b64decode(BLOBS[api_name]))

    assert type(provider) is ReadOnlyProvider and provider.api_name == api_name
    provider.configure(ConfigureRequest(Config(stack_config(emulator, **{
        "alicloud:accessKey": STS_ACCESS_KEY_ID,
        "alicloud:secretKey": STS_ACCESS_KEY_SECRET,
        "alicloud:securityToken": STS_TOKEN,
    }), "project")))
    assert provider.read(object_id, {}).outs[field] == value
