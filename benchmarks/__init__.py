"""Benchmarks of pulumi_aliread: ``python -m benchmarks.run`` (``make bench``)."""
