"""Idempotency-Key over HTTP: replay, refusal of a changed request, retries after failures."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from ordermill.db.tables import idempotency_key, order
from tests.api.conftest import Shop, bearer

ORDER: dict[str, Any] = {
    "items": [{"sku": "MUG", "qty": 1, "price": "9.90"}],
    "customer_email": "retry@example.com",
}


def _count(shop: Shop, table: sa.Table) -> int:
    with shop.oms.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _keyed(shop: Shop, key: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or shop.admin), "Idempotency-Key": key}


def test_a_retried_place_order_is_replayed_not_executed(shop: Shop) -> None:
    orders_before = _count(shop, order)
    first = shop.client.post("/api/v1/orders", json=ORDER, headers=_keyed(shop, "place-1"))
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    for _ in range(3):
        again = shop.client.post("/api/v1/orders", json=ORDER, headers=_keyed(shop, "place-1"))
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["location"] == first.headers["location"]
        assert again.content == first.content
    assert _count(shop, order) == orders_before + 1


def test_key_order_and_spacing_of_the_body_do_not_make_a_different_request(shop: Shop) -> None:
    headers = {**_keyed(shop, "same"), "Content-Type": "application/json"}
    one = b'{"message": "hello", "customer_notified": false}'
    two = b'{"customer_notified":false,"message":"hello"}'
    url = f"/api/v1/orders/{shop.orders_a[0]}/activities"
    first = shop.client.post(url, content=one, headers=headers)
    second = shop.client.post(url, content=two, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/orders/{order}/cancel", {"reason": "one"}),
        ("POST", "/api/v1/orders/{order}/payment-status", {"status": "paid"}),
        ("POST", "/api/v1/orders/{order}/shipment-status", {"status": "processing"}),
        ("POST", "/api/v1/orders/{order}/shipments", {"carrier": "ups"}),
        ("POST", "/api/v1/orders/{order}/activities", {"message": "note"}),
        ("PUT", "/api/v1/stock/MUG", {"qty": 3}),
    ],
)
def test_every_mutation_runs_once_per_key(
    shop: Shop, db_snapshot: Any, method: str, path: str, body: dict[str, Any]
) -> None:
    url = path.replace("{order}", shop.orders_a[0])
    headers = _keyed(shop, f"k-{method}-{path}")
    first = shop.client.request(method, url, json=body, headers=headers)
    assert first.status_code in (200, 201), first.text
    after_first = db_snapshot(shop.oms.engine)
    for _ in range(4):
        again = shop.client.request(method, url, json=body, headers=headers)
        assert again.status_code == first.status_code
        assert again.content == first.content
        assert again.headers["idempotent-replayed"] == "true"
    assert db_snapshot(shop.oms.engine) == after_first


def test_the_same_key_for_a_different_request_is_a_422_and_changes_nothing(shop: Shop) -> None:
    first = shop.client.post("/api/v1/orders", json=ORDER, headers=_keyed(shop, "k"))
    assert first.status_code == 201
    orders_before = _count(shop, order)
    changed = {**ORDER, "customer_email": "other@example.com"}
    response = shop.client.post("/api/v1/orders", json=changed, headers=_keyed(shop, "k"))
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    elsewhere = shop.client.put("/api/v1/stock/MUG", json={"qty": 1}, headers=_keyed(shop, "k"))
    assert elsewhere.status_code == 422
    assert _count(shop, order) == orders_before
    assert shop.oms.get_stock("MUG").qty != 1


def test_a_failed_request_leaves_no_key_and_may_be_retried(shop: Shop) -> None:
    greedy = {**ORDER, "items": [{"sku": "TEA", "qty": 100, "price": "1"}]}
    refused = shop.client.post("/api/v1/orders", json=greedy, headers=_keyed(shop, "retry"))
    assert refused.status_code == 409
    assert _count(shop, idempotency_key) == 0
    shop.oms.set_stock("TEA", 500)
    retried = shop.client.post("/api/v1/orders", json=greedy, headers=_keyed(shop, "retry"))
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    invalid = shop.client.post("/api/v1/orders", json={}, headers=_keyed(shop, "bad-body"))
    assert invalid.status_code == 422
    assert _count(shop, idempotency_key) == 1


def test_keys_belong_to_one_token(shop: Shop) -> None:
    _, other_admin = shop.oms.create_token(role="admin")
    mine = shop.client.post("/api/v1/orders", json=ORDER, headers=_keyed(shop, "shared"))
    theirs = shop.client.post(
        "/api/v1/orders", json=ORDER, headers=_keyed(shop, "shared", bearer(other_admin))
    )
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["uuid"] != theirs.json()["uuid"]


def test_a_customer_replays_their_own_customer_view(shop: Shop) -> None:
    url = f"/api/v1/orders/{shop.orders_a[0]}/cancel"
    first = shop.client.post(url, headers=_keyed(shop, "c1", shop.customer_a))
    again = shop.client.post(url, headers=_keyed(shop, "c1", shop.customer_a))
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert "order_id" not in again.json()
    # Without the key the same cancel is a new request, and the order is no longer cancelable.
    assert shop.client.post(url, headers=shop.customer_a).status_code == 409


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_a_400(shop: Shop, key: str) -> None:
    response = shop.client.post(
        "/api/v1/orders",
        json=ORDER,
        headers={**shop.admin, "Idempotency-Key": key.encode("latin-1")},
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_idempotency_key"
    assert _count(shop, idempotency_key) == 0


def test_a_key_of_255_printable_characters_is_accepted(shop: Shop) -> None:
    key = ("A-z0_9 ~!" * 40)[:255]
    response = shop.client.post("/api/v1/orders", json=ORDER, headers=_keyed(shop, key))
    assert response.status_code == 201, response.text


def test_an_explicit_null_and_an_absent_field_are_different_requests(shop: Shop) -> None:
    shipment = shop.oms.create_shipment(shop.orders_a[0], "ups", "1Z")
    url = f"/api/v1/shipments/{shipment.uuid}"
    cleared = shop.client.patch(url, json={"tracking_number": None}, headers=_keyed(shop, "p"))
    assert cleared.status_code == 200
    assert cleared.json()["tracking_number"] is None
    other = shop.client.patch(url, json={}, headers=_keyed(shop, "p"))
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
