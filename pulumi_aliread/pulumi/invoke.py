"""What the generated ``get_*`` functions (``functions``) call: their keywords read now,
through ``core.read`` (an object by id) or ``core.paging`` (a list), on the default
client.

This module does not import Pulumi: plain Python and CI scripts use it too.
"""

from __future__ import annotations

from typing import Any

from ..core import client, paging
from ..core.apis import LISTS
from ..core.options import NAMES as OPTION_NAMES
from ..core.options import ReadOptions
from ..core.spec import ApiSpec, ListSpec


def invoke(operation: ApiSpec | ListSpec, function: str, opts: Any, **keywords: Any) -> Any:
    """The body of the generated ``get_*`` function named ``function``: ``keywords``
    (its own, by name) read with ``operation``, every input checked before the first
    request."""
    check_opts(function, opts)
    options = ReadOptions.of(**{name: keywords.pop(name) for name in OPTION_NAMES})
    if isinstance(operation, ListSpec):
        return paging.read_list(client.default_client(), paging.prepare(
            operation.views(LISTS), options=options, **keywords))
    return client.read(operation, keywords.pop(operation.id_keyword),
                       expected=keywords.pop(operation.expect_keyword), options=options,
                       **keywords)


def check_opts(function: str, opts: Any) -> None:
    """Refuse an ``opts`` that is not a ``pulumi.InvokeOptions`` (or a subclass such as
    ``InvokeOutputOptions``). Pulumi is imported only when ``opts`` is given."""
    if opts is None:
        return
    import pulumi

    if not isinstance(opts, pulumi.InvokeOptions):
        raise TypeError(
            f"{function}() opts must be a pulumi.InvokeOptions or None, "
            f"not {type(opts).__name__}"
        )
