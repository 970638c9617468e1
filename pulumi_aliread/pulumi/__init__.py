"""The Pulumi entry points: read-only resources (dynamic providers), ``get_*`` and
``get_*_output`` functions, and the one module that touches Pulumi internals
(``compat``)."""

from ..core import results
from .compat import export_as_object

# Stack outputs show results as objects, as they show generated SDKs' result types; the
# core knows nothing of Pulumi, so the marks are added here, below every entry point.
for _name in results.__all__:
    _result = getattr(results, _name)
    if isinstance(_result, type) and issubclass(_result, results.Result) \
            and _result is not results.Result:
        export_as_object(_result)
