"""The ``aliread`` command for CI shell steps (``python -m pulumi_aliread``).

Importing ``pulumi_aliread`` does not import this package (nor click); this package never
imports Pulumi.
"""

from __future__ import annotations

from .app import cli, main

__all__ = ["cli", "main"]
