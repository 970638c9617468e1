"""The Pulumi entry points: read-only resources (dynamic providers), ``get_*`` and
``get_*_output`` functions, and the one module that touches Pulumi internals
(``compat``)."""

from ..core.results import GetHandshakeResult, GetJoinPermissionAuthOrderResult
from .compat import export_as_object

# Stack outputs show results as objects, as they show generated SDKs' result types; the
# core knows nothing of Pulumi, so the marks are added here, below every entry point.
for _result in (GetHandshakeResult, GetJoinPermissionAuthOrderResult):
    export_as_object(_result)
