"""Customer scoping: own orders only, no existence oracle, internal notes never leak."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.api.conftest import CANARY, CUSTOMER_A, CUSTOMER_B, Shop, bearer
from tests.api.test_auth_matrix import OPERATIONS_TESTED as OPERATIONS


def test_customer_lists_only_their_own_orders(shop: Shop) -> None:
    for _ in range(3):
        shop.place(CUSTOMER_B)
    response = shop.client.get("/api/v1/orders", headers=shop.customer_a)
    assert response.status_code == 200
    assert {o["uuid"] for o in response.json()["items"]} == set(shop.orders_a)
    # Asking for another customer's orders narrows to nothing; it never widens.
    other = shop.client.get(f"/api/v1/orders?customer_id={CUSTOMER_B}", headers=shop.customer_a)
    assert other.status_code == 200
    assert other.json()["items"] == []
    everything = shop.client.get("/api/v1/orders?limit=100", headers=shop.admin).json()["items"]
    assert len(everything) == 6


def test_customer_pages_through_own_orders_only(shop: Shop) -> None:
    for _ in range(3):
        shop.place(CUSTOMER_A)
        shop.place(CUSTOMER_B)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = shop.client.get("/api/v1/orders", params=params, headers=shop.customer_a).json()
        seen += [o["uuid"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    mine = shop.client.get("/api/v1/orders?limit=100", headers=shop.customer_a).json()["items"]
    assert {o["uuid"] for o in mine} == set(seen)


def _masked(text: str) -> str:
    """The body with uuids and the request's own id (every reply has one) masked."""
    text = re.sub(r'"request_id":"[^"]*"', '"request_id":"<id>"', text)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", text)


@pytest.mark.parametrize(
    "suffix", ["", "/activities", "/shipments", "/cancel"], ids=["order", "act", "ship", "cancel"]
)
def test_another_customers_order_answers_like_a_missing_one(shop: Shop, suffix: str) -> None:
    method = "POST" if suffix == "/cancel" else "GET"
    foreign = shop.client.request(
        method, f"/api/v1/orders/{shop.order_b}{suffix}", headers=shop.customer_a
    )
    missing = shop.client.request(
        method, f"/api/v1/orders/{uuid.uuid4()}{suffix}", headers=shop.customer_a
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.headers["content-type"] == missing.headers["content-type"]
    assert _masked(foreign.text) == _masked(missing.text)
    # Order numbers are guessable: the same answer by number too.
    number = shop.oms.get_order(shop.order_b).order_number
    by_number = shop.client.request(
        method, f"/api/v1/orders/{number}{suffix}", headers=shop.customer_a
    )
    nothing = shop.client.request(method, f"/api/v1/orders/99999{suffix}", headers=shop.customer_a)
    assert by_number.status_code == nothing.status_code == 404
    assert by_number.json().keys() == nothing.json().keys()
    assert by_number.json()["detail"] == f"Order not found: {number}"


def test_another_customers_shipment_answers_like_a_missing_one(shop: Shop) -> None:
    shipment = shop.oms.create_shipment(shop.order_b, "ups", "1Z")
    foreign = shop.client.get(f"/api/v1/shipments/{shipment.uuid}", headers=shop.customer_a)
    missing = shop.client.get(f"/api/v1/shipments/{uuid.uuid4()}", headers=shop.customer_a)
    assert foreign.status_code == missing.status_code == 404
    assert _masked(foreign.text) == _masked(missing.text)
    mine = shop.client.get(f"/api/v1/shipments/{shipment.uuid}", headers=shop.customer_b)
    assert mine.status_code == 200


def test_customer_may_cancel_own_cancelable_order_only(shop: Shop) -> None:
    own = shop.client.post(
        f"/api/v1/orders/{shop.orders_a[0]}/cancel", headers=shop.customer_a, json={}
    )
    assert own.status_code == 200, own.text
    assert own.json()["status"] == "canceled"
    assert "order_id" not in own.json()
    shop.oms.create_shipment(shop.orders_a[1], "ups", "1Z")
    shipped = shop.client.post(f"/api/v1/orders/{shop.orders_a[1]}/cancel", headers=shop.customer_a)
    assert shipped.status_code == 409
    assert shipped.json()["code"] == "order_not_cancelable"


def test_a_customer_token_for_a_customer_with_no_orders_sees_an_empty_list(shop: Shop) -> None:
    _, secret = shop.oms.create_token(role="customer", customer_id=999_999)
    response = shop.client.get("/api/v1/orders", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def _customer_get_paths(
    shop: Shop, order_uuid: str, shipment_uuid: str, return_uuid: str
) -> list[str]:
    paths = []
    for _, method, template in OPERATIONS:
        if method != "GET" or not template.startswith("/api/") or "{token}" in template:
            continue
        paths.append(
            template.replace("{order_uuid}", order_uuid)
            .replace("{shipment_uuid}", shipment_uuid)
            .replace("{return_uuid}", return_uuid)
            .replace("{sku}", "MUG")
        )
    return paths


def test_internal_notes_never_reach_a_customer(shop: Shop) -> None:
    # More places a staff note could hide: a cancel reason and a staff-only reference.
    noted = shop.place(CUSTOMER_A, external_reference=f"{CANARY}-ref")
    shop.oms.update_payment_status(noted.uuid, "paid")
    shipment = shop.oms.create_shipment(noted.uuid, "ups", "1Z")
    canceled = shop.place(CUSTOMER_A)
    shop.oms.add_order_activity_log(canceled.uuid, f"{CANARY} do not tell", False)
    shop.oms.cancel_order(canceled.uuid, f"{CANARY} suspected fraud")
    fresh = shop.place(CUSTOMER_A)
    shop.oms.add_order_activity_log(fresh.uuid, f"{CANARY} before the cancel", False)
    # A staff note on a return and a staff reason in its history.
    shop.oms.update_shipment_status(noted.uuid, "delivered")
    noted_line = (noted.items or ())[0].order_item_id
    asked = shop.oms.request_return(
        noted.uuid, [{"order_item_id": noted_line, "qty": 1}], note=f"{CANARY} return note"
    )

    bodies: list[str] = []
    for order_uuid in [*shop.orders_a, noted.uuid, canceled.uuid]:
        for path in _customer_get_paths(shop, order_uuid, shipment.uuid, asked.uuid):
            response = shop.client.get(path, headers=shop.customer_a)
            assert response.status_code in (200, 403), (path, response.text)
            bodies.append(response.text)
    for sort in ("-created_at", "order_number", "grand_total"):
        listing = shop.client.get(f"/api/v1/orders?sort={sort}&q=c", headers=shop.customer_a)
        bodies.append(listing.text)
    cancel = shop.client.post(f"/api/v1/orders/{fresh.uuid}/cancel", headers=shop.customer_a)
    assert cancel.status_code == 200
    bodies.append(cancel.text)
    assert all(CANARY not in body for body in bodies)
    assert any("Your order is being prepared" in body for body in bodies)

    # The notes exist and staff see them: the check above is not vacuous.
    staff = shop.client.get(f"/api/v1/orders/{canceled.uuid}", headers=shop.admin).text
    assert staff.count(CANARY) >= 2
    assert CANARY in shop.client.get(f"/api/v1/returns/{asked.uuid}", headers=shop.admin).text
    staff_activities = shop.client.get(
        f"/api/v1/orders/{shop.orders_a[0]}/activities", headers=shop.admin
    ).text
    assert CANARY in staff_activities
