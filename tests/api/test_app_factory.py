"""app_factory: the app uvicorn builds from the environment, with JSON log lines."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

import ordermill
from ordermill.api import app_factory
from ordermill.api.logs import JsonFormatter, configure_logging
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
    monkeypatch.delenv("ORDERMILL_CONFIG", raising=False)
    with client_for(app_factory()) as client:
        assert client.get("/readyz").status_code == 200
        assert client.get("/api/v1/orders", headers=bearer(secret)).status_code == 200
    [handler] = fresh_ordermill_logger.handlers
    assert isinstance(handler.formatter, JsonFormatter)


def test_a_500_is_one_json_log_line_with_its_problem_id(
    monkeypatch: pytest.MonkeyPatch, fresh_ordermill_logger: logging.Logger
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging()
    try:
        raise ValueError("boom")
    except ValueError as exc:
        logging.getLogger("ordermill.api").error(
            "unexpected error problem_id=%s", "abc123", exc_info=exc, extra={"problem_id": "abc123"}
        )
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["problem_id"] == "abc123"
    assert record["level"] == "ERROR"
    assert record["logger"] == "ordermill.api"
    assert "ValueError: boom" in record["traceback"]


def test_text_logs_on_request(
    monkeypatch: pytest.MonkeyPatch, fresh_ordermill_logger: logging.Logger
) -> None:
    monkeypatch.setenv("ORDERMILL_LOG_FORMAT", "text")
    configure_logging()
    [handler] = fresh_ordermill_logger.handlers
    assert not isinstance(handler.formatter, JsonFormatter)
