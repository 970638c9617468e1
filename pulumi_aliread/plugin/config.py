"""The provider's configuration as the namespaced lookup ``settings`` reads.

Precedence stays that of the Python entry points: explicit provider configuration (the
``aliread:*`` stack config of the default provider, or the inputs of an explicit
``pulumi:providers:aliread``), then ``alicloud:*`` stack config where the engine hands it
to the plugin, then the environment, then the default credential chain.
"""

from __future__ import annotations

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


class ProviderConfig:
    """``get("aliread:region")`` and the like, over what ``Configure`` received.

    Values are held in this process only: never returned to the engine, never logged.
    """

    def __init__(self, args: Mapping[str, PropertyValue], variables: Mapping[str, str]) -> None:
        self._values: dict[str, str] = {}
        for key, namespaced in CONFIG_KEYS.items():
            try:
                value = plain(args.get(key))
            except Unknown:
                value = None
            if value is None:  # older engines send only variables ("aliread:config:region")
                value = variables.get(f"aliread:{key}") or variables.get(f"aliread:config:{key}")
            if isinstance(value, str) and value:
                self._values[namespaced] = value
        # `alicloud:*` keys, if the engine hands them (it hands a plugin its own package's).
        for key, value in variables.items():
            if key.startswith("alicloud:") and key not in self._values and value:
                self._values.setdefault(key.replace(":config:", ":"), value)

    def get(self, key: str, /) -> Any:
        return self._values.get(key)

    def __repr__(self) -> str:  # names only: values may be secrets
        return f"ProviderConfig(keys={sorted(self._values)})"
