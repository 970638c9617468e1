"""The Pulumi entry points: read-only resources (dynamic providers), ``get_*`` and
``get_*_output`` functions, and the one module that touches Pulumi internals
(``compat``)."""
