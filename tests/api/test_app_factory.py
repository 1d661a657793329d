"""app_factory: the app uvicorn builds from the settings, with structured log lines."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

import ordermill
from ordermill.api import app_factory
from ordermill.ops.logs import configure_logging
from tests.api.conftest import bearer, client_for


@pytest.fixture
def fresh_ordermill_logger() -> Iterator[logging.Logger]:
    """The ``ordermill`` logger without handlers, restored afterwards (it is process-wide)."""
    logger = logging.getLogger("ordermill")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    logger.handlers.clear()
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved


def test_app_factory_builds_the_app_from_the_environment(
    oms: ordermill.Oms,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    fresh_ordermill_logger: logging.Logger,
) -> None:
    _, secret = oms.create_token(role="admin")
    monkeypatch.setenv("ORDERMILL_DATABASE_URL", db_url)
    monkeypatch.setenv("ORDERMILL_LOG_FORMAT", "json")
    monkeypatch.delenv("ORDERMILL_CONFIG", raising=False)
    with client_for(app_factory()) as client:
        assert client.get("/readyz").status_code == 200
        assert client.get("/api/v1/orders", headers=bearer(secret)).status_code == 200
    [handler] = fresh_ordermill_logger.handlers
    assert handler.formatter is not None


def test_a_500_is_one_json_log_line_with_its_problem_id(
    monkeypatch: pytest.MonkeyPatch, fresh_ordermill_logger: logging.Logger
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("json")
    try:
        raise ValueError("boom")
    except ValueError as exc:
        logging.getLogger("ordermill.api").error(
            "request", exc_info=exc, extra={"problem_id": "abc123"}
        )
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["problem_id"] == "abc123"
    assert record["level"] == "error"
    assert record["logger"] == "ordermill.api"
    assert "ValueError: boom" in record["exception"]


def test_text_logs_on_request(
    monkeypatch: pytest.MonkeyPatch, fresh_ordermill_logger: logging.Logger
) -> None:
    """ORDERMILL_LOG_FORMAT=text (the older name of console) still gives readable lines."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setenv("ORDERMILL_LOG_FORMAT", "text")
    from ordermill.ops.settings import load_settings

    settings = load_settings()
    assert settings.log_format == "console"
    configure_logging(settings.log_format)
    logging.getLogger("ordermill.api").info("hello")
    assert not stream.getvalue().startswith("{")
    assert "hello" in stream.getvalue()
