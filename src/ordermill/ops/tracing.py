"""OpenTelemetry traces, with the optional extra ``pip install 'ordermill[otel]'``.

``instrument(app, engine)`` gives one span per request (FastAPI instrumentation), one
per service call (``oms.<method>``, around each public method of the app's ``Oms``)
and one per SQL statement (SQLAlchemy instrumentation), exported over OTLP/HTTP to
``endpoint`` (the ``otel_endpoint`` setting, else the SDK reads
``OTEL_EXPORTER_OTLP_ENDPOINT``). ``app_factory`` calls it only when one of them is
set, so without them (or without the extra) nothing of OpenTelemetry is imported.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy.engine import Engine

__all__ = ["instrument", "trace_services"]


def instrument(app: Any, engine: Engine, endpoint: str | None = None, exporter: Any = None) -> Any:
    """Trace ``app``, its Oms's services and ``engine``'s statements; returns the provider.

    ``exporter``: a span exporter (tests pass the SDK's in-memory one); default OTLP/HTTP.
    """
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "ordermill"}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        traces = f"{endpoint.rstrip('/')}/v1/traces" if endpoint else None
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces)))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    # skip_dep_check: the instrumentation pins sqlalchemy < 2.1; its engine events work on 2.1.
    SQLAlchemyInstrumentor().instrument(
        engine=engine, tracer_provider=provider, skip_dep_check=True
    )
    trace_services(app.state.oms, provider)
    return provider


def trace_services(oms: Any, provider: Any) -> None:
    """Wrap each public service method of this ``Oms`` instance in a span."""
    from ordermill.services import __all__ as service_names

    tracer = provider.get_tracer("ordermill")
    for name in service_names:
        method = getattr(oms, name, None)
        if not callable(method):
            continue

        def traced(*args: Any, _method: Any = method, _name: str = name, **kwargs: Any) -> Any:
            with tracer.start_as_current_span(f"oms.{_name}"):
                return _method(*args, **kwargs)

        setattr(oms, name, functools.update_wrapper(traced, method))
