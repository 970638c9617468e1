"""The provider's configuration as the namespaced lookup ``settings`` reads.

Precedence stays that of the Python entry points: explicit provider configuration (the
``aliread:*`` stack config of the default provider, or the inputs of an explicit
``pulumi:providers:aliread``), then ``alicloud:*`` stack config where the engine hands it
to the plugin, then the environment, then the default credential chain.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from pulumi.provider.experimental.property_value import PropertyValue

from .values import Unknown, plain

# Provider configuration key -> the namespaced key ``settings`` looks up.
CONFIG_KEYS: Mapping[str, str] = {
    "region": "aliread:region",
    "resourcemanagerEndpoint": "aliread:resourcemanagerEndpoint",
    "linkwanEndpoint": "aliread:linkwanEndpoint",
    "accessKey": "alicloud:accessKey",
    "secretKey": "alicloud:secretKey",
    "securityToken": "alicloud:securityToken",
    "profile": "alicloud:profile",
}
SECRET_KEYS = ("secretKey", "securityToken")


def stack_config(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The stack's ``aliread:*`` config (names without the namespace), as the engine hands
    it to the plugin in ``PULUMI_CONFIG`` (decrypted); empty when not handed."""
    env = os.environ if env is None else env
    try:
        found = json.loads(env.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def without_stack_secrets(inputs: Mapping[str, PropertyValue],
                          stack: Mapping[str, str]) -> dict[str, PropertyValue]:
    """The provider's inputs without the secrets that come from the stack config.

    The engine stores what ``CheckConfig`` returns as the provider's state (a
    ``--show-secrets`` export shows it in clear). Secrets set as stack config are left
    out of it: ``Configure`` takes them from the stack config again (``PULUMI_CONFIG``),
    on every run, refresh and destroy included. Secrets given to an explicit provider as
    inputs (not stack config) stay, as Pulumi keeps any provider's inputs.
    """
    kept = dict(inputs)
    for key in SECRET_KEYS:
        try:
            value = plain(kept.get(key))
        except Unknown:
            continue
        if value is not None and value == stack.get(key):
            del kept[key]
    return kept


class ProviderConfig:
    """``get("aliread:region")`` and the like, over what ``Configure`` received.

    Values are held in this process only: never returned to the engine, never logged.
    """

    def __init__(self, args: Mapping[str, PropertyValue], variables: Mapping[str, str],
                 stack: Mapping[str, str] | None = None) -> None:
        stack = stack or {}
        self._values: dict[str, str] = {}
        for key, namespaced in CONFIG_KEYS.items():
            try:
                value = plain(args.get(key))
            except Unknown:
                value = None
            if value is None:  # older engines send only variables ("aliread:config:region")
                value = variables.get(f"aliread:{key}") or variables.get(f"aliread:config:{key}")
            if value is None:  # a secret kept out of the provider's state, see above
                value = stack.get(key)
            if isinstance(value, str) and value:
                self._values[namespaced] = value
        # `alicloud:*` keys, if the engine hands them (it hands a plugin its own package's).
        for key, value in variables.items():
            if key.startswith("alicloud:") and value:
                self._values.setdefault(key.replace(":config:", ":"), value)

    def get(self, key: str, /) -> Any:
        return self._values.get(key)

    def __repr__(self) -> str:  # names only: values may be secrets
        return f"ProviderConfig(keys={sorted(self._values)})"
