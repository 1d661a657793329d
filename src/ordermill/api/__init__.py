"""The ordermill REST service (FastAPI): ``create_app(oms)``, or ``app_factory()`` for uvicorn."""

from __future__ import annotations

from ordermill.api.app import app_factory, create_app

__all__ = ["app_factory", "create_app"]
