"""The read core: operations described as data (``apis``), settings and credentials,
the one read with its retry policy (``client``, ``attempts``), HTTP (``transport``) and
answer validation (``schemas``). Nothing here imports the entry points above it."""
