"""ETag and If-Match on orders: a change made on an order read before someone else's
change is refused with 412, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import CUSTOMER_A, Shop


def _order(shop: Shop, uuid: str, headers: dict[str, str] | None = None) -> Any:
    return shop.client.get(f"/api/v1/orders/{uuid}", headers=headers or shop.admin)


def test_an_order_carries_its_version_as_etag(shop: Shop) -> None:
    placed = shop.place(CUSTOMER_A)
    response = _order(shop, placed.uuid)
    assert response.headers["etag"] == '"1"'
    changed = shop.client.post(
        f"/api/v1/orders/{placed.uuid}/payment-status",
        headers={**shop.admin, "If-Match": '"1"'},
        json={"status": "paid"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert _order(shop, placed.uuid).headers["etag"] == '"2"'
    # A customer reads the same version of their own order.
    assert _order(shop, placed.uuid, shop.customer_a).headers["etag"] == '"2"'


# operation -> (path suffix, body, success status)
CHANGES: dict[str, tuple[str, dict[str, Any] | None, int]] = {
    "update_payment_status": ("/payment-status", {"status": "paid"}, 200),
    "update_shipment_status": ("/shipment-status", {"status": "processing"}, 200),
    "cancel_order": ("/cancel", {"reason": "late"}, 200),
    "create_shipment": ("/shipments", {"carrier": "ups"}, 201),
    "add_order_activity": ("/activities", {"message": "Called"}, 201),
    "record_payment": ("/payments", {"kind": "sale", "amount": "1.00"}, 201),
}


@pytest.mark.parametrize("operation", sorted(CHANGES))
def test_a_stale_if_match_is_412_and_changes_nothing(shop: Shop, operation: str) -> None:
    suffix, body, success = CHANGES[operation]
    placed = shop.place(CUSTOMER_A)
    read = _order(shop, placed.uuid)
    shop.oms.add_order_activity_log(placed.uuid, "Someone else changed it")
    before = _order(shop, placed.uuid).json()
    url = f"/api/v1/orders/{placed.uuid}{suffix}"
    stale = shop.client.post(
        url, headers={**shop.admin, "If-Match": read.headers["etag"]}, json=body
    )
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == "application/problem+json"
    problem = stale.json()
    assert problem["code"] == "stale_order"
    assert problem["details"]["expected_version"] == 1
    assert problem["details"]["current_version"] == 2
    assert _order(shop, placed.uuid).json() == before
    fresh = _order(shop, placed.uuid).headers["etag"]
    done = shop.client.post(url, headers={**shop.admin, "If-Match": fresh}, json=body)
    assert done.status_code == success, done.text
    assert _order(shop, placed.uuid).headers["etag"] == '"3"'


@pytest.mark.parametrize("if_match", [None, "*"])
def test_without_a_version_the_change_is_made_whatever_the_version(
    shop: Shop, if_match: str | None
) -> None:
    placed = shop.place(CUSTOMER_A)
    shop.oms.add_order_activity_log(placed.uuid, "Someone else changed it")
    headers = {**shop.admin, **({"If-Match": if_match} if if_match else {})}
    response = shop.client.post(
        f"/api/v1/orders/{placed.uuid}/payment-status", headers=headers, json={"status": "paid"}
    )
    assert response.status_code == 200
    assert response.headers["etag"] == '"3"'


@pytest.mark.parametrize("if_match", ["1", '"abc"', '"1", "2"', '"0"', "W/"])
def test_a_malformed_if_match_is_400(shop: Shop, if_match: str) -> None:
    placed = shop.place(CUSTOMER_A)
    response = shop.client.post(
        f"/api/v1/orders/{placed.uuid}/payment-status",
        headers={**shop.admin, "If-Match": if_match},
        json={"status": "paid"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_if_match"
    assert _order(shop, placed.uuid).headers["etag"] == '"1"'


def test_a_customer_cancel_honours_if_match(shop: Shop) -> None:
    placed = shop.place(CUSTOMER_A)
    shop.oms.add_order_activity_log(placed.uuid, "Staff changed it")
    url = f"/api/v1/orders/{placed.uuid}/cancel"
    stale = shop.client.post(url, headers={**shop.customer_a, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert shop.oms.get_order(placed.uuid).status != "canceled"
    fresh = shop.client.post(url, headers={**shop.customer_a, "If-Match": '"2"'})
    assert fresh.status_code == 200, fresh.text
    assert fresh.headers["etag"] == '"3"'
