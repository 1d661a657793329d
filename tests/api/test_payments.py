"""The payment ledger over REST: record (201, 409, 422, replay), list, the order's totals."""

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
    return f"/api/v1/orders/{uuid}/payments"


def test_record_a_sale_then_list_it_and_see_the_totals(shop: Shop) -> None:
    order = shop.orders_a[0]
    grand_total = shop.client.get(f"/api/v1/orders/{order}", headers=shop.admin).json()
    body = {"kind": "sale", "amount": "5.00", "reference": "ch_1", "gateway": "stripe"}
    created = shop.client.post(_url(order), json=body, headers=shop.admin)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == _url(order)
    payment = created.json()
    assert (payment["kind"], payment["status"], payment["amount"]) == (
        "sale",
        "succeeded",
        "5.0000",
    )
    assert (payment["gateway"], payment["reference"], payment["actor"]["kind"]) == (
        "stripe",
        "ch_1",
        "staff",  # the admin token that recorded it
    )
    listed = shop.client.get(_url(order), headers=shop.admin).json()
    assert listed == {"items": [payment]}
    found = shop.client.get(f"/api/v1/orders/{order}", headers=shop.admin).json()
    assert found["payment_status"] == "partially_paid"
    assert (found["amount_authorized"], found["amount_captured"], found["net_paid"]) == (
        "5.0000",
        "5.0000",
        "5.0000",
    )
    expected_due = float(grand_total["grand_total"]) - 5
    assert float(found["balance_due"]) == expected_due
    # The customer sees the totals of their own order too, not the ledger.
    mine = shop.client.get(f"/api/v1/orders/{order}", headers=shop.customer_a).json()
    assert mine["net_paid"] == "5.0000"
    assert shop.client.get(_url(order), headers=shop.customer_a).status_code == 403


def test_the_same_idempotency_key_replays_the_first_answer(shop: Shop) -> None:
    order = shop.orders_a[0]
    headers = {**shop.admin, "Idempotency-Key": "pay-1"}
    body = {"kind": "sale", "amount": "1.00"}
    first = shop.client.post(_url(order), json=body, headers=headers)
    again = shop.client.post(_url(order), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(shop.oms.list_payments(order)) == 1
    other = shop.client.post(_url(order), json={**body, "amount": "2.00"}, headers=headers)
    _problem(other, 422, "idempotency_key_reused")


def test_a_provider_retry_answers_with_its_first_row(shop: Shop) -> None:
    order = shop.orders_a[0]
    body = {"kind": "sale", "amount": "1.00", "reference": "ch_9"}
    first = shop.client.post(_url(order), json=body, headers=shop.admin)
    again = shop.client.post(_url(order), json=body, headers=shop.admin)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    conflict = shop.client.post(_url(order), json={**body, "kind": "refund"}, headers=shop.admin)
    assert "ch_9" in _problem(conflict, 409, "payment_reference_conflict")["detail"]


def test_refusals_are_problems_and_change_nothing(shop: Shop, db_snapshot: Any) -> None:
    order = shop.orders_a[0]
    before = db_snapshot(shop.oms.engine)
    refund = shop.client.post(_url(order), json={"kind": "refund", "amount": "1.00"},
                              headers=shop.admin)  # fmt: skip
    body = _problem(refund, 422, "invalid_payment_amount")
    assert "refund of 1.00 USD is more than the net paid" in body["detail"]
    cents = shop.client.post(_url(order), json={"kind": "sale", "amount": "1.001"},
                             headers=shop.admin)  # fmt: skip
    _problem(cents, 422, "invalid_payment_amount")
    unknown = shop.client.post(_url(order), json={"kind": "chargeback", "amount": "1.00"},
                               headers=shop.admin)  # fmt: skip
    assert unknown.status_code == 422
    missing = shop.client.post(_url("10999"), json={"kind": "sale", "amount": "1.00"},
                               headers=shop.admin)  # fmt: skip
    _problem(missing, 404, "order_not_found")
    assert db_snapshot(shop.oms.engine) == before
    _problem(shop.client.get(_url("10999"), headers=shop.admin), 404, "order_not_found")
