"""One value in PostgreSQL's COPY text format, for the benchmarks that load data with COPY."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

__all__ = ["copy_field"]


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def copy_field(value: Any) -> str:
    """A value in COPY's text format, as psycopg's COPY writes it."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return _escape(json.dumps(value, separators=(",", ":")))
    if isinstance(value, (int, Decimal)):
        return str(value)
    return _escape(str(value))
