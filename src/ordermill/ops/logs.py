"""Log lines for ordermill's processes, with structlog over the standard ``logging``.

``configure_logging(format, level)`` puts one handler on the ``ordermill`` logger (and
uvicorn's, so that its start-up and error lines look the same): ``json`` writes one
JSON object per line (production, log collectors), ``console`` readable coloured lines,
``auto`` picks ``console`` when stderr is a terminal. Records from plain ``logging``
loggers get the same rendering, with the ``extra`` fields they carry.

Every field is a value ordermill chose to log: the request line (``api/observe.py``)
names the token by its id, never by its secret, and no request body, header or query
value is logged.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = ["configure_logging", "formatter", "get_logger"]

# The standard LogRecord attributes; anything else on a record is an ``extra`` field.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_SKIP = _RECORD_FIELDS | {"color_message"}  # uvicorn's copy of the message in colour
_LOGGERS = ("ordermill", "uvicorn.error")


def _extras(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    record = event.get("_record")
    if record is not None:
        for key, value in vars(record).items():
            if key not in _SKIP and not key.startswith("_") and value is not None:
                event.setdefault(key, value)
    return event


def _shared() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
    ]


def _renderers(log_format: str) -> list[Any]:
    if log_format == "auto":
        log_format = "console" if sys.stderr.isatty() else "json"
    if log_format == "console":
        return [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer(default=str)]


def configure_logging(
    log_format: str = "auto", level: str = "INFO", *, force: bool = False
) -> None:
    """Send ordermill's log lines to stderr as ``json`` or ``console`` lines (or ``auto``).

    Does nothing when the ``ordermill`` logger already has a handler (an application
    that embeds ordermill configured it), unless ``force``.
    """
    root = logging.getLogger("ordermill")
    if root.handlers and not force:
        return
    structlog.configure(
        processors=[
            *_shared(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False


def formatter(log_format: str = "json") -> logging.Formatter:
    """The formatter of ``configure_logging``: ``json``, ``console`` or ``auto``."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared(), _extras],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_renderers(log_format.lower()),
        ],
    )


def get_logger(name: str) -> Any:
    """A structlog logger over the standard logger ``name`` (``ordermill.*``)."""
    return structlog.stdlib.get_logger(name)
