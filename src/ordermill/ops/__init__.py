"""Running ordermill in production: one settings object (``settings``), structured log
lines (``logs``), Prometheus metrics (``metrics``) and, with the ``ordermill[otel]``
extra, OpenTelemetry traces (``tracing``).

The adapters (``api``, ``cli``) and the relay (``events``) use it; it uses ``db`` for
the pool and outbox figures it reports, and never the adapters.
"""
