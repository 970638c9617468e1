"""Where stacks written by earlier releases find the dynamic provider: Pulumi pickles a
provider class by reference (``pulumi_aliread.provider.ReadOnlyProvider``) into state,
so this name must keep importing. The class lives in ``pulumi/provider.py``."""

from .pulumi.provider import ReadOnlyProvider

__all__ = ["ReadOnlyProvider"]
