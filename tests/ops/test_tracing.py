"""OpenTelemetry (the ordermill[otel] extra): spans per request, service call and statement;
nothing imported when not configured."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.api.conftest import Shop, client_for

pytest.importorskip("opentelemetry.sdk")


def test_spans_for_the_request_the_service_and_the_statements(shop: Shop) -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ordermill.api import create_app
    from ordermill.ops.tracing import instrument

    exporter = InMemorySpanExporter()
    app = create_app(shop.oms)
    instrument(app, shop.oms.engine, exporter=exporter)
    try:
        client = client_for(app)
        assert client.get("/api/v1/stock/MUG", headers=shop.admin).status_code == 200
        names = [span.name for span in exporter.get_finished_spans()]
        assert any(name.startswith("GET /api/v1/stock/{sku") for name in names)
        assert "oms.get_stock" in names
        assert any(name.startswith("SELECT") for name in names)
    finally:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        SQLAlchemyInstrumentor().uninstrument()


def test_nothing_of_opentelemetry_is_imported_unless_configured(db_url: str) -> None:
    code = (
        "import os, sys\n"
        "os.environ.pop('OTEL_EXPORTER_OTLP_ENDPOINT', None)\n"
        f"os.environ['ORDERMILL_DATABASE_URL'] = {db_url!r}\n"
        "from ordermill.api import app_factory\n"
        "app_factory()\n"
        # (FastAPI itself imports opentelemetry-api when it is installed: not ordermill's.)
        "heavy = ('ordermill.ops.tracing', 'opentelemetry.sdk', 'opentelemetry.instrumentation')\n"
        "assert not [m for m in sys.modules if m.startswith(heavy)], 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)
