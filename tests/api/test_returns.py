"""Returns over REST: the staff path, idempotent receipts, and customer scoping (own
orders' delivered lines only; another's order or return answers like a missing one)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.api.conftest import CANARY, CUSTOMER_A, CUSTOMER_B, Shop


def _masked(text: str) -> str:
    """The body with uuids and the request's own id (every reply has one) masked."""
    text = re.sub(r'"request_id":"[^"]*"', '"request_id":"<id>"', text)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", text)


def delivered(shop: Shop, customer: int = CUSTOMER_A) -> tuple[str, dict[str, int]]:
    """A fresh paid order of the customer, every unit delivered: uuid, item ids by SKU."""
    placed = shop.place(customer)
    shop.oms.record_payment(placed.uuid, "sale", str(placed.grand_total))
    shop.oms.update_shipment_status(placed.uuid, "delivered")
    return placed.uuid, {i.sku: i.order_item_id for i in placed.items or ()}


def lines(ids: dict[str, int], **qty: int) -> list[dict[str, Any]]:
    return [{"order_item_id": ids[sku], "qty": n} for sku, n in qty.items()]


def test_staff_request_approve_receive_refund(shop: Shop) -> None:
    order_uuid, ids = delivered(shop)
    asked = shop.client.post(
        f"/api/v1/orders/{order_uuid}/returns",
        headers=shop.admin,
        json={"lines": lines(ids, MUG=2), "reason": "damaged", "note": "box crushed"},
    )
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert asked.headers["location"] == f"/api/v1/returns/{body['uuid']}"
    assert (body["status"], body["requested_by"], body["note"]) == (
        "requested",
        "staff",
        "box crushed",
    )
    base = f"/api/v1/returns/{body['uuid']}"
    assert shop.client.post(f"{base}/approve", headers=shop.admin).json()["status"] == "approved"
    got = [{"order_item_id": ids["MUG"], "qty": 1, "condition": "opened", "restock": True}]
    mugs = shop.oms.get_stock("MUG").qty
    keyed = {**shop.admin, "Idempotency-Key": "receipt-1"}
    first = shop.client.post(f"{base}/receive", headers=keyed, json={"lines": got})
    again = shop.client.post(f"{base}/receive", headers=keyed, json={"lines": got})
    assert first.status_code == again.status_code == 200, first.text
    assert again.headers["idempotent-replayed"] == "true"
    assert first.json()["lines"][0]["qty_received"] == 1  # received once, not twice
    assert shop.oms.get_stock("MUG").qty == mugs + 1
    refunded = shop.client.post(f"{base}/refund", headers=shop.admin, json={"shipping": "all"})
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "refunded" and refunded.json()["refund_id"]
    order = shop.client.get(f"/api/v1/orders/{order_uuid}", headers=shop.admin).json()
    assert [i["qty_returned"] for i in order["items"]] == [1, 0]
    listed = shop.client.get(f"/api/v1/orders/{order_uuid}/returns", headers=shop.admin).json()
    assert [r["uuid"] for r in listed["items"]] == [body["uuid"]]
    refused = shop.client.post(f"{base}/cancel", headers=shop.admin)
    assert refused.status_code == 409
    assert refused.json()["code"] == "return_transition_refused"
    assert refused.json()["details"]["from_status"] == "refunded"


def test_a_customer_requests_and_reads_returns_of_own_delivered_lines(shop: Shop) -> None:
    order_uuid, ids = delivered(shop)
    asked = shop.client.post(
        f"/api/v1/orders/{order_uuid}/returns",
        headers=shop.customer_a,
        json={"lines": lines(ids, TEA=1), "reason": "not my taste"},
    )
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert body["requested_by"] == "customer"
    assert {"note", "return_id", "order_id", "refund_id"}.isdisjoint(body)
    assert (
        shop.client.get(f"/api/v1/returns/{body['uuid']}", headers=shop.customer_a).json() == body
    )
    listed = shop.client.get(f"/api/v1/orders/{order_uuid}/returns", headers=shop.customer_a)
    assert listed.json() == {"items": [body]}
    # Anything beyond a request is staff's, even on the customer's own return.
    for action in ("approve", "cancel"):
        denied = shop.client.post(
            f"/api/v1/returns/{body['uuid']}/{action}", headers=shop.customer_a
        )
        assert denied.status_code == 403
        assert denied.json()["code"] == "permission_denied"
    # Undelivered units of their own order: the same refusal staff get.
    fresh = shop.place(CUSTOMER_A)
    undelivered = [{"order_item_id": (fresh.items or ())[0].order_item_id, "qty": 1}]
    refused = shop.client.post(
        f"/api/v1/orders/{fresh.uuid}/returns", headers=shop.customer_a, json={"lines": undelivered}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "return_exceeds_delivered"
    # Beyond what is delivered and not already asked back (TEA x1, asked above).
    again = shop.client.post(
        f"/api/v1/orders/{order_uuid}/returns",
        headers=shop.customer_a,
        json={"lines": lines(ids, TEA=1)},
    )
    assert again.status_code == 409
    assert again.json()["details"]["returnable"] == 0


def test_another_customers_order_and_return_answer_like_missing_ones(shop: Shop) -> None:
    theirs, their_ids = delivered(shop, CUSTOMER_B)
    mine, _ = delivered(shop)
    path = "/api/v1/orders/{}/returns"
    body = {"lines": lines(their_ids, MUG=1)}
    number = shop.oms.get_order(theirs).order_number
    for method in ("POST", "GET"):
        foreign = shop.client.request(
            method, path.format(theirs), headers=shop.customer_a, json=body
        )
        missing = shop.client.request(
            method, path.format(uuid.uuid4()), headers=shop.customer_a, json=body
        )
        assert foreign.status_code == missing.status_code == 404
        assert _masked(foreign.text) == _masked(missing.text)
        by_number = shop.client.request(
            method, path.format(number), headers=shop.customer_a, json=body
        )
        assert by_number.status_code == 404
        assert by_number.json()["detail"] == f"Order not found: {number}"
    # Their lines named on my order: refused as lines of no such order, nothing written.
    crossed = shop.client.post(path.format(mine), headers=shop.customer_a, json=body)
    assert crossed.status_code == 422
    assert crossed.json()["code"] == "invalid_return"
    assert shop.oms.list_returns(mine) == [] and shop.oms.list_returns(theirs) == []
    # Their return: like a missing one.
    their_return = shop.oms.request_return(theirs, lines(their_ids, MUG=1))
    foreign = shop.client.get(f"/api/v1/returns/{their_return.uuid}", headers=shop.customer_a)
    missing = shop.client.get(f"/api/v1/returns/{uuid.uuid4()}", headers=shop.customer_a)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["code"] == "return_not_found"
    assert _masked(foreign.text) == _masked(missing.text)
    own = shop.client.get(f"/api/v1/returns/{their_return.uuid}", headers=shop.customer_b)
    assert own.status_code == 200


def test_a_staff_note_on_a_return_never_reaches_the_customer(shop: Shop) -> None:
    order_uuid, ids = delivered(shop)
    noted = shop.oms.request_return(order_uuid, lines(ids, MUG=1), note=f"{CANARY} fraud?")
    shop.oms.decline_return(noted.uuid, "Outside the return window")
    bodies = [
        shop.client.get(f"/api/v1/returns/{noted.uuid}", headers=shop.customer_a).text,
        shop.client.get(f"/api/v1/orders/{order_uuid}/returns", headers=shop.customer_a).text,
    ]
    assert all(CANARY not in b and "Outside the return window" in b for b in bodies)
    staff = shop.client.get(f"/api/v1/returns/{noted.uuid}", headers=shop.admin).text
    assert CANARY in staff


def test_malformed_return_requests_are_422(shop: Shop) -> None:
    order_uuid, ids = delivered(shop)
    bodies: list[dict[str, Any]] = [
        {"lines": []},
        {"lines": [{"order_item_id": ids["MUG"], "qty": 0}]},
        {"lines": [{"order_item_id": ids["MUG"], "qty": 1.0}]},
        {"lines": lines(ids, MUG=1), "colour": "red"},
    ]
    for body in bodies:
        response = shop.client.post(
            f"/api/v1/orders/{order_uuid}/returns", headers=shop.admin, json=body
        )
        assert response.status_code == 422, body
    asked = shop.oms.request_return(order_uuid, lines(ids, MUG=1))
    base = f"/api/v1/returns/{asked.uuid}"
    assert (
        shop.client.post(f"{base}/decline", headers=shop.admin, json={"reason": " "}).status_code
        == 422
    )
    shop.oms.approve_return(asked.uuid)
    bad = [{"order_item_id": ids["MUG"], "qty": 1, "condition": "broken"}]
    assert (
        shop.client.post(f"{base}/receive", headers=shop.admin, json={"lines": bad}).status_code
        == 422
    )
    assert shop.client.get("/api/v1/returns/not-a-uuid", headers=shop.admin).status_code in (
        404,
        422,
    )
    assert shop.oms.get_return(asked.uuid).lines[0].qty_received == 0
