"""Refunds over REST: refund lines (201), list, refusals as problems, idempotent replay,
staff only, and cancel-and-refund."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Shop


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def _url(uuid: str) -> str:
    return f"/api/v1/orders/{uuid}/refunds"


def _paid(shop: Shop) -> tuple[str, dict[str, int]]:
    """The first order of customer A (2 x MUG 9.90 + TEA 4.50 = 24.30), paid in full."""
    order = shop.orders_a[0]
    shop.oms.record_payment(order, "sale", "24.30")
    items = shop.client.get(f"/api/v1/orders/{order}", headers=shop.admin).json()["items"]
    return order, {i["sku"]: i["order_item_id"] for i in items}


def test_refund_a_line_then_list_it(shop: Shop) -> None:
    order, ids = _paid(shop)
    body = {
        "lines": [{"order_item_id": ids["MUG"], "qty": 1, "restock": True}],
        "reason": "damaged",
        "note": "chipped",
    }
    headers = {**shop.admin, "Idempotency-Key": "refund-1"}
    created = shop.client.post(_url(order), json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == _url(order)
    refund = created.json()
    assert (refund["amount"], refund["shipping_amount"], refund["reason"]) == (
        "9.90", "0.00", "damaged",
    )  # fmt: skip
    assert [(x["qty"], x["amount"], x["qty_restocked"]) for x in refund["lines"]] == [
        (1, "9.90", 1)
    ]
    again = shop.client.post(_url(order), json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, refund)
    assert shop.client.get(_url(order), headers=shop.admin).json() == {"items": [refund]}
    found = shop.client.get(f"/api/v1/orders/{order}", headers=shop.admin).json()
    assert found["payment_status"] == "partially_refunded"
    assert [i["qty_refunded"] for i in found["items"]] == [1, 0]
    assert found["amount_refunded"] == "9.9000"


def test_refusals_are_problems(shop: Shop) -> None:
    order, ids = _paid(shop)
    post = shop.client.post
    _problem(
        post(_url(order), json={"shipping": "all", "reason": "bored"}, headers=shop.admin),
        422,
        "unknown_refund_reason",
    )
    too_many = {"lines": [{"order_item_id": ids["TEA"], "qty": 2}], "reason": "damaged"}
    body = _problem(post(_url(order), json=too_many, headers=shop.admin), 409,
                    "refund_qty_exceeds_refundable")  # fmt: skip
    assert "1 left" in body["detail"]
    _problem(
        post(_url(order), json={"amount": "24.31", "reason": "other"}, headers=shop.admin),
        409,
        "refund_exceeds_balance",
    )
    _problem(
        post(_url(order), json={"amount": 1.5, "reason": "other"}, headers=shop.admin),
        422,
        "invalid_request",
    )
    assert shop.client.get(_url(order), headers=shop.admin).json() == {"items": []}


def test_refunds_are_staff_only(shop: Shop) -> None:
    order, _ = _paid(shop)
    asked = {"amount": "1.00", "reason": "other"}
    assert shop.client.post(_url(order), json=asked, headers=shop.customer_a).status_code == 403
    assert shop.client.get(_url(order), headers=shop.customer_a).status_code == 403
    cancel = f"/api/v1/orders/{order}/cancel-and-refund"
    assert shop.client.post(cancel, headers=shop.customer_a).status_code == 403


def test_cancel_and_refund(shop: Shop) -> None:
    order, _ = _paid(shop)
    url = f"/api/v1/orders/{order}/cancel-and-refund"
    refused = shop.client.post(f"/api/v1/orders/{order}/cancel", headers=shop.admin)
    _problem(refused, 409, "order_not_cancelable")
    headers = {**shop.admin, "Idempotency-Key": "car-1"}
    done = shop.client.post(url, json={"reason": "customer_request"}, headers=headers)
    assert done.status_code == 200, done.text
    found = done.json()
    assert (found["status"], found["payment_status"], found["net_paid"]) == (
        "canceled", "canceled", "0.0000",
    )  # fmt: skip
    assert shop.client.post(url, json={"reason": "customer_request"}, headers=headers).json() == (
        found
    )
    listed = shop.client.get(_url(order), headers=shop.admin).json()["items"]
    assert [(r["amount"], r["reason"]) for r in listed] == [("24.30", "customer_request")]
    _problem(shop.client.post(url, headers=shop.admin), 409, "order_not_cancelable")
