"""Every check of a read's input, in one place, before any I/O: id, states, options,
endpoint. Resources, functions, outputs, the provider and the CLI call these.

Values that are still Pulumi Outputs (or awaitables) are not known yet: the ``*_plain``
checks let them pass, and the read validates them once they resolve. This module does not
import Pulumi (plain Python and CI scripts use it too).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError
from . import settings
from .options import NAMES as OPTION_NAMES
from .options import ReadOptions
from .options import check_value as check_option

if TYPE_CHECKING:
    from .apis import ApiSpec

# Input properties that are call settings (the expectation keyword comes from the ApiSpec).
SETTING_KEYS = ("region", "endpoint", "api_version", "allow_insecure_http")


def is_plain(value: object) -> bool:
    """True if ``value`` holds no Pulumi Output or awaitable (it can be checked now)."""
    pulumi = sys.modules.get("pulumi")  # no Output can exist before Pulumi is imported
    if pulumi is not None and isinstance(value, pulumi.Output):
        return False
    if hasattr(value, "__await__"):
        return False
    if isinstance(value, list | tuple):
        return all(is_plain(item) for item in value)
    return True


def validate_mismatch_means_accepted(api: ApiSpec, value: object) -> bool:
    """``mismatch_means_accepted`` as a bool (None: False); InvalidInputError for
    anything else, or when ``api`` has no invited account's view."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInputError(
            f"mismatch_means_accepted must be True or False, got {type(value).__name__}."
        )
    if value and api.invited_accepted_code is None:
        raise InvalidInputError(
            f"mismatch_means_accepted applies to GetHandshake only, not {api.action}."
        )
    return value


def validate_option(api: ApiSpec, key: str, value: object) -> None:
    """Check one known input of ``api``'s read: the id (required), the expectation,
    ``mismatch_means_accepted``, ``region``, ``endpoint``, ``api_version``,
    ``allow_insecure_http`` or a ``ReadOptions`` field. Outputs, and ``None`` for any
    other than the id, pass."""
    if not is_plain(value) or (value is None and key != api.id_keyword):
        return
    if key == api.id_keyword:
        api.validate_id(value)
    elif key == api.expect_keyword:
        api.validate_states(value)
    elif key == "mismatch_means_accepted":
        validate_mismatch_means_accepted(api, value)
    elif key in OPTION_NAMES:
        # Alone: the others may be Outputs still (validate_plain checks them together).
        check_option(key, value)
    elif key in SETTING_KEYS:
        # Checked alone, as the read checks it: no config or environment consulted, and
        # no endpoint refused for plain http (allow_insecure_http may come from those).
        given: dict[str, Any] = {"allow_insecure_http": True, key: value}
        settings.resolve(api, config={}, env={}, **given)


def validate_plain(api: ApiSpec, object_id: object, expected: object,
                   options: Mapping[str, object]) -> None:
    """Refuse every option that is already known and malformed (no network).

    Values that are still Outputs are checked later, by the read itself, which also
    validates before its first request.
    """
    validate_option(api, api.id_keyword, object_id)
    validate_option(api, api.expect_keyword, expected)
    for key in (*SETTING_KEYS, *OPTION_NAMES, "mismatch_means_accepted"):
        validate_option(api, key, options.get(key))
    tuning = {key: options.get(key) for key in OPTION_NAMES}
    if is_plain(list(tuning.values())):
        ReadOptions.of(**tuning)  # together (backoff_base <= backoff_cap); None: default
