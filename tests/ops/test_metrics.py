"""Prometheus metrics: names and labels, who may scrape, and one view over ``--workers 2``."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from pathlib import Path

import httpx

import ordermill
from ordermill.db.relay import cursor
from ordermill.events.relay import RelaySettings
from ordermill.events.runner import RelayOptions, run_relay
from tests.api.conftest import Shop
from tests.ops.server import free_port, serve


def _value(text: str, name: str, **labels: str) -> float:
    """The sample ``name{labels...}`` (labels in any order, others allowed), summed."""
    total = 0.0
    found = False
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(match[3])
            found = True
    assert found, f"no sample {name}{labels}"
    return total


def test_metrics_are_for_admin_tokens_with_names_and_labels(shop: Shop) -> None:
    cursor(shop.oms.engine, "metrics-test", "beginning")  # a destination with a backlog
    order_uuid = shop.orders_a[0]
    assert shop.client.get(f"/api/v1/orders/{order_uuid}", headers=shop.admin).status_code == 200
    missing = shop.client.get(f"/api/v1/orders/{uuid.uuid4()}", headers=shop.admin)
    assert missing.status_code == 404
    assert shop.client.get("/metrics").status_code == 401
    assert shop.client.get("/metrics", headers=shop.customer_a).json()["code"] == (
        "permission_denied"
    )
    scraped = shop.client.get("/metrics", headers=shop.admin)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    name = "ordermill_http_request_duration_seconds_count"
    assert _value(text, name, operation="get_order", method="GET", status="200") >= 1
    assert _value(text, name, operation="get_order", method="GET", status="404") >= 1
    assert _value(text, "ordermill_service_calls_total", operation="get_order", outcome="ok") >= 1
    refusals = "ordermill_service_refusals_total"
    assert _value(text, refusals, operation="get_order", code="order_not_found") >= 1
    assert _value(text, refusals, operation="metrics", code="not_authenticated") >= 1
    assert _value(text, "ordermill_db_pool_in_use", database="primary") >= 0
    assert _value(text, "ordermill_db_pool_waiting", database="primary") == 0
    assert _value(text, "ordermill_outbox_backlog", destination="metrics-test") >= 3
    age = "ordermill_outbox_oldest_undelivered_age_seconds"
    assert _value(text, age, destination="metrics-test") >= 0


def test_deliveries_and_failures_are_counted(shop: Shop, db_url: str) -> None:
    from prometheus_client import REGISTRY

    from tests.events import subscriber_module

    name = "subscriber:tests.events.subscriber_module.on_placed"

    def sample(metric: str) -> float:
        return REGISTRY.get_sample_value(metric, {"destination": name}) or 0.0

    before = sample("ordermill_event_deliveries_total")
    failed_before = sample("ordermill_event_delivery_failures_total")
    subscriber_module.seen.clear()
    subscriber_module.failures_left[0] = 1
    options = RelayOptions(
        subscriber_modules=("tests.events.subscriber_module",),
        webhooks=False,
        settings=RelaySettings(once=True),
    )
    asyncio.run(run_relay(shop.oms.engine, options))
    assert sample("ordermill_event_deliveries_total") - before >= 3  # the shop's 3 orders
    assert sample("ordermill_event_delivery_failures_total") - failed_before >= 1


def _drive(base_url: str, secret: str, order_uuid: str, count: int) -> None:
    for _ in range(count):  # a connection each: the workers share them out
        answer = httpx.get(
            f"{base_url}/api/v1/orders/{order_uuid}",
            headers={"Authorization": f"Bearer {secret}", "Connection": "close"},
            timeout=10,
        )
        assert answer.status_code == 200


def _placed(oms: ordermill.Oms) -> tuple[str, str]:
    oms.set_stock("MUG", 5)
    placed = oms.place_order([{"sku": "MUG", "qty": 1, "price": "1.00"}], customer_email="a@b.c")
    _, secret = oms.create_token(role="admin")
    return placed.uuid, secret


def test_two_workers_give_one_view_on_the_main_port(
    oms: ordermill.Oms, db_url: str, tmp_path: Path
) -> None:
    order_uuid, secret = _placed(oms)
    with serve(db_url, tmp_path / "serve.log", "--log-level", "warning", workers=2) as server:
        _drive(server.base_url, secret, order_uuid, 20)
        assert httpx.get(f"{server.base_url}/metrics").status_code == 401
        auth = {"Authorization": f"Bearer {secret}"}
        for _ in range(4):  # whichever worker answers, it shows every worker's counts
            text = httpx.get(f"{server.base_url}/metrics", headers=auth, timeout=10).text
            count = _value(
                text,
                "ordermill_http_request_duration_seconds_count",
                operation="get_order",
                status="200",
            )
            assert count == 20
        # Each live worker's pool counts once: two pools of the same size (SQLite's
        # QueuePool keeps 5, pool_size is 10), once both workers have sampled theirs.
        deadline = time.monotonic() + 10
        while True:
            text = httpx.get(f"{server.base_url}/metrics", headers=auth, timeout=10).text
            sizes = _value(text, "ordermill_db_pool_size", database="primary")
            if sizes in (2 * 5, 2 * 10) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert sizes in (2 * 5, 2 * 10)


def test_metrics_bind_serves_them_apart_and_not_on_the_main_port(
    oms: ordermill.Oms, db_url: str, tmp_path: Path
) -> None:
    order_uuid, secret = _placed(oms)
    port = free_port()
    bind = f"127.0.0.1:{port}"
    with serve(db_url, tmp_path / "serve.log", "--metrics-bind", bind, workers=2) as server:
        _drive(server.base_url, secret, order_uuid, 10)
        auth = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(f"{server.base_url}/metrics", headers=auth).status_code == 404
        text = httpx.get(f"http://{bind}/metrics", timeout=10).text
    name = "ordermill_http_request_duration_seconds_count"
    assert _value(text, name, operation="get_order", method="GET", status="200") == 10
