"""Log lines for the service process: one JSON object per line, problem ids as fields.

``app_factory`` (the process ``ordermill serve`` and ``uvicorn --factory`` run)
installs this on the ``ordermill`` logger unless it already has handlers;
``create_app`` leaves logging to the application that embeds it.
``ORDERMILL_LOG_FORMAT=text`` keeps plain lines.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

__all__ = ["JsonFormatter", "configure_logging"]

# The ``extra`` fields ordermill's adapters attach (see api/problems.py).
FIELDS = ("problem_id", "http_method", "http_path", "error_class", "db_error_code", "statement")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging() -> None:
    """Send the ``ordermill`` loggers to stderr, as JSON lines unless told ``text``."""
    logger = logging.getLogger("ordermill")
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    if os.environ.get("ORDERMILL_LOG_FORMAT", "json").lower() == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
