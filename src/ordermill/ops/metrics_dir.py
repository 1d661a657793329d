"""The name of prometheus-client's multi-process folder variable, importable without
importing prometheus-client (which picks its mode when first imported)."""

from __future__ import annotations

__all__ = ["MULTIPROC_ENV"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
