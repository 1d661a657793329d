"""The service's log lines, from a real ``ordermill serve``: one JSON line per request with
its id, operation, token id, order uuid, status and duration; never a secret or an e-mail."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

import ordermill
from ordermill.ops.logs import configure_logging, formatter
from tests.ops.server import serve

EMAIL = "alice.private@example.com"


def _lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def test_request_lines_name_the_request_and_carry_no_secret(
    oms: ordermill.Oms, db_url: str, tmp_path: Path
) -> None:
    oms.set_stock("MUG", 10)
    token, secret = oms.create_token(role="admin", label="ops")
    with serve(db_url, tmp_path / "serve.log", "--log-format", "json") as server:
        auth = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=server.base_url, headers=auth, timeout=10) as client:
            placed = client.post(
                "/api/v1/orders",
                json={
                    "items": [{"sku": "MUG", "qty": 1, "price": "9.90"}],
                    "customer_email": EMAIL,
                },
                headers={"X-Request-ID": "place-0001"},
            )
            assert placed.status_code == 201
            assert placed.headers["x-request-id"] == "place-0001"
            order_uuid = placed.json()["uuid"]
            assert client.get(f"/api/v1/orders/{order_uuid}").status_code == 200
            # Filters carry e-mail addresses: the query string is never logged.
            assert client.get("/api/v1/orders", params={"q": EMAIL}).is_success
            hook = client.post(
                "/api/v1/webhooks",
                json={
                    "url": "http://127.0.0.1:9/in",
                    "events": ["ordermill.order.*"],
                    "allow_private_network": True,
                },
            )
            assert hook.status_code == 201, hook.text
            webhook_secret = hook.json()["secret"]
            missing = client.get(
                f"/api/v1/orders/{uuid.uuid4()}", headers={"X-Request-ID": "bad id with spaces"}
            )
            assert missing.status_code == 404
            generated = missing.headers["x-request-id"]
            assert generated != "bad id with spaces"
            assert missing.json()["request_id"] == generated
            refused = httpx.get(f"{server.base_url}/api/v1/orders", headers=bearer_of(secret[:-2]))
            assert refused.status_code == 401
        log = server.log_text()
    for needle in (secret, webhook_secret, EMAIL, EMAIL.replace("@", "%40")):
        assert needle not in log
    requests = [line for line in _lines(log) if line.get("event") == "request"]
    by_id = {line["request_id"]: line for line in requests}
    place = by_id["place-0001"]
    assert place["operation"] == "place_order"
    assert place["token_id"] == token.token_id
    assert place["status"] == 201
    assert place["level"] == "info"
    assert place["duration_ms"] > 0
    assert place["route"] == "/api/v1/orders"
    read = next(line for line in requests if line.get("order_uuid") == order_uuid)
    assert read["status"] == 200
    not_found = by_id[generated]
    assert not_found["error_code"] == "order_not_found"
    assert not_found["status"] == 404
    assert any(line.get("error_code") == "not_authenticated" for line in requests)


def bearer_of(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def fresh_logger() -> Any:
    logger = logging.getLogger("ordermill")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved


def test_console_lines_on_a_terminal_and_json_otherwise(
    fresh_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    configure_logging("auto", force=True)
    record = logging.makeLogRecord(
        {"name": "ordermill.api", "levelno": 20, "levelname": "INFO", "msg": "request"}
    )
    assert json.loads(fresh_logger.handlers[0].format(record))["event"] == "request"
    text = formatter("console").format(record)
    assert "request" in text
    assert not text.startswith("{")
