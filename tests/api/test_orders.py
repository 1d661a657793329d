"""Every endpoint's success and error paths, as an admin (scoping is in test_scoping)."""

from __future__ import annotations

import uuid
from typing import Any

from ordermill.domain.new_order import ADDRESS_MAX_LENGTHS
from ordermill.testing import count_statements
from tests.api.conftest import CUSTOMER_A, Shop

NEW_ORDER: dict[str, Any] = {
    "items": [
        {"sku": "MUG", "qty": 2, "price": "9.90", "name": "Mug"},
        {"sku": "CARD", "qty": 1, "price": 3},
    ],
    "customer_email": "ada@example.com",
    "customer_id": 303,
    "shipping_fee": "5.00",
    "shipping_address": {"full_name": "Ada L", "city": "London", "country": "GB"},
}


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:ordermill:problem:{code}"
    assert body["detail"]
    return body


# -- health ----------------------------------------------------------------------------


def test_health_and_readiness_need_no_token(shop: Shop) -> None:
    assert shop.client.get("/healthz").json() == {"status": "ok"}
    assert shop.client.get("/readyz").json() == {"status": "ok"}


# -- placing and reading -------------------------------------------------------------------


def test_place_order_returns_201_with_location_and_decimal_strings(shop: Shop) -> None:
    before = shop.oms.get_stock("MUG").qty
    response = shop.client.post("/api/v1/orders", json=NEW_ORDER, headers=shop.admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/orders/{body['uuid']}"
    # Money as the CLI, the export and the README write it (the currency's two decimals).
    assert body["sub_total"] == "22.80"
    assert body["grand_total"] == "27.80"
    assert body["tax_amount"] == "0.00"
    assert [i["sku"] for i in body["items"]] == ["MUG", "CARD"]
    assert body["shipping_address"]["city"] == "London"
    assert body["payment_status"] == "pending"
    assert body["is_cancelable"] is True
    assert shop.client.get(response.headers["location"], headers=shop.admin).json() == body
    assert shop.oms.get_stock("MUG").qty == before - 2


def test_place_order_refuses_floats_unknown_fields_and_empty_orders(shop: Shop) -> None:
    floaty = {**NEW_ORDER, "items": [{"sku": "MUG", "qty": 1, "price": 9.9}]}
    body = _problem(
        shop.client.post("/api/v1/orders", json=floaty, headers=shop.admin), 422, "invalid_request"
    )
    assert any(e["loc"][:3] == ["body", "items", "0"] for e in body["errors"])
    extra = {**NEW_ORDER, "status": "completed"}
    _problem(
        shop.client.post("/api/v1/orders", json=extra, headers=shop.admin), 422, "invalid_request"
    )
    empty = {**NEW_ORDER, "items": []}
    _problem(
        shop.client.post("/api/v1/orders", json=empty, headers=shop.admin), 422, "invalid_request"
    )
    not_json = shop.client.post(
        "/api/v1/orders",
        content=b"{not json",
        headers={**shop.admin, "Content-Type": "application/json"},
    )
    _problem(not_json, 422, "invalid_request")


def test_place_order_service_validation_is_a_422(shop: Shop) -> None:
    generous = {**NEW_ORDER, "discount_amount": "1000"}
    body = _problem(
        shop.client.post("/api/v1/orders", json=generous, headers=shop.admin), 422, "invalid_order"
    )
    assert "discount_amount" in body["detail"]


def test_place_order_without_stock_is_a_409_and_takes_nothing(shop: Shop) -> None:
    greedy = {**NEW_ORDER, "items": [{"sku": "TEA", "qty": 999, "price": "1"}]}
    body = _problem(
        shop.client.post("/api/v1/orders", json=greedy, headers=shop.admin),
        409,
        "insufficient_stock",
    )
    assert "TEA" in body["detail"]
    assert shop.oms.get_stock("TEA").qty == 17


def test_a_repeated_external_reference_is_a_409_naming_the_existing_order(shop: Shop) -> None:
    referenced = {**NEW_ORDER, "external_reference": "PO-2024-001"}
    first = shop.client.post("/api/v1/orders", json=referenced, headers=shop.admin)
    assert first.status_code == 201, first.text
    stock = shop.oms.get_stock("MUG").qty
    body = _problem(
        shop.client.post("/api/v1/orders", json=referenced, headers=shop.admin),
        409,
        "duplicate_external_reference",
    )
    number = first.json()["order_number"]
    assert "PO-2024-001" in body["detail"] and number in body["detail"]
    assert body["details"] == {"external_reference": "PO-2024-001", "order_number": number}
    assert shop.oms.get_stock("MUG").qty == stock


def test_address_fields_longer_than_their_columns_are_a_422(shop: Shop) -> None:
    for field, limit in ADDRESS_MAX_LENGTHS.items():
        address = {field: "x" * (limit + 1)}
        body = _problem(
            shop.client.post(
                "/api/v1/orders",
                json={**NEW_ORDER, "billing_address": address},
                headers=shop.admin,
            ),
            422,
            "invalid_request",
        )
        assert body["errors"][0]["loc"] == ["body", "billing_address", field]
    longest = {field: "x" * limit for field, limit in ADDRESS_MAX_LENGTHS.items()}
    placed = shop.client.post(
        "/api/v1/orders", json={**NEW_ORDER, "billing_address": longest}, headers=shop.admin
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["billing_address"] == longest


def test_get_order_by_uuid_or_number_with_every_relation(shop: Shop) -> None:
    target = shop.orders_a[0]
    body = shop.client.get(f"/api/v1/orders/{target}", headers=shop.admin).json()
    assert body["uuid"] == target
    assert body["customer_id"] == CUSTOMER_A
    assert len(body["items"]) == 2
    assert {h["field"] for h in body["history"]} == {"payment", "shipment", "order"}
    assert len(body["activities"]) == 3
    assert body["shipments"] == []
    by_number = shop.client.get(f"/api/v1/orders/{body['order_number']}", headers=shop.admin)
    assert by_number.json() == body


def test_get_order_errors(shop: Shop) -> None:
    _problem(
        shop.client.get(f"/api/v1/orders/{uuid.uuid4()}", headers=shop.admin),
        404,
        "order_not_found",
    )
    _problem(
        shop.client.get("/api/v1/orders/not%20an%20id", headers=shop.admin), 422, "invalid_request"
    )
    for key in ("%00", "10001%00"):
        response = shop.client.get(f"/api/v1/orders/{key}", headers=shop.admin)
        assert response.status_code in (404, 422), response.text
    response = shop.client.get("/api/v1/shipments/%00", headers=shop.admin)
    assert response.status_code in (404, 422), response.text


# -- listing ------------------------------------------------------------------------------


def test_list_orders_refuses_an_unknown_status_filter(shop: Shop) -> None:
    # A typo must not read as "no such orders": 422 naming the code and the allowed ones.
    response = shop.client.get("/api/v1/orders?shipment_status=shiped", headers=shop.admin)
    body = _problem(response, 422, "invalid_status")
    assert "shiped" in body["detail"]
    assert "shipped" in body["details"]["allowed"]


def test_list_orders_filters_sorts_and_pages(shop: Shop) -> None:
    shop.oms.update_payment_status(shop.orders_a[0], "paid")
    paid = shop.client.get("/api/v1/orders?payment_status=paid", headers=shop.admin).json()
    assert [o["uuid"] for o in paid["items"]] == [shop.orders_a[0]]
    either = shop.client.get(
        "/api/v1/orders?payment_status=paid&payment_status=pending", headers=shop.admin
    ).json()
    assert len(either["items"]) == 3
    oldest = shop.client.get("/api/v1/orders?sort=order_number&limit=1", headers=shop.admin)
    page = oldest.json()
    assert page["items"][0]["uuid"] == shop.orders_a[0]
    assert page["next_cursor"]
    rest = shop.client.get(
        "/api/v1/orders",
        params={"sort": "order_number", "limit": 5, "cursor": page["next_cursor"]},
        headers=shop.admin,
    ).json()
    assert [o["uuid"] for o in rest["items"]] == [shop.orders_a[1], shop.order_b]
    assert rest["next_cursor"] is None
    found = shop.client.get("/api/v1/orders?q=c202", headers=shop.admin).json()
    assert [o["uuid"] for o in found["items"]] == [shop.order_b]
    dated = shop.client.get(
        "/api/v1/orders?created_from=2000-01-01&created_to=2999-12-31", headers=shop.admin
    )
    assert len(dated.json()["items"]) == 3


def test_list_orders_errors(shop: Shop) -> None:
    _problem(
        shop.client.get("/api/v1/orders?limit=101", headers=shop.admin), 422, "invalid_request"
    )
    _problem(shop.client.get("/api/v1/orders?limit=0", headers=shop.admin), 422, "invalid_request")
    body = _problem(
        shop.client.get("/api/v1/orders?sort=token_hash", headers=shop.admin), 422, "invalid_query"
    )
    assert "token_hash" in body["detail"]
    _problem(
        shop.client.get("/api/v1/orders?cursor=garbage", headers=shop.admin), 422, "invalid_query"
    )
    _problem(
        shop.client.get("/api/v1/orders?created_from=yesterday", headers=shop.admin),
        422,
        "invalid_query",
    )
    _problem(
        shop.client.get("/api/v1/orders?status=no%20such", headers=shop.admin),
        422,
        "invalid_request",
    )
    # A misspelt filter is refused, not ignored (ignoring it would list every order).
    typo = _problem(
        shop.client.get("/api/v1/orders?paymentstatus=paid", headers=shop.admin),
        422,
        "invalid_request",
    )
    assert typo["errors"][0]["loc"] == ["query", "paymentstatus"]


# -- statuses --------------------------------------------------------------------------------


def test_payment_status_moves_the_order_status(shop: Shop) -> None:
    url = f"/api/v1/orders/{shop.orders_a[0]}/payment-status"
    response = shop.client.post(url, json={"status": "paid"}, headers=shop.admin)
    assert response.status_code == 200, response.text
    assert (response.json()["payment_status"], response.json()["status"]) == ("paid", "processing")
    assert response.json()["is_cancelable"] is False
    back = shop.client.post(url, json={"status": "pending"}, headers=shop.admin)
    _problem(back, 409, "status_transition_refused")
    unknown = shop.client.post(url, json={"status": "bogus"}, headers=shop.admin)
    body = _problem(unknown, 422, "invalid_status")
    assert "paid" in body["details"]["allowed"]
    missing = shop.client.post(
        f"/api/v1/orders/{uuid.uuid4()}/payment-status", json={"status": "paid"}, headers=shop.admin
    )
    _problem(missing, 404, "order_not_found")


def test_shipment_status_update(shop: Shop) -> None:
    url = f"/api/v1/orders/{shop.orders_a[0]}/shipment-status"
    response = shop.client.post(url, json={"status": "processing"}, headers=shop.admin)
    assert response.status_code == 200, response.text
    assert response.json()["shipment_status"] == "processing"
    _problem(
        shop.client.post(url, json={"status": "teleported"}, headers=shop.admin),
        422,
        "invalid_status",
    )
    _problem(shop.client.post(url, json={}, headers=shop.admin), 422, "invalid_request")


def test_statuses_lists_names_badges_flags_rollup_words_and_flow(shop: Shop) -> None:
    body = shop.client.get("/api/v1/statuses", headers=shop.customer_a).json()
    payment = {s["code"]: s for s in body["payment"]}
    assert payment["paid"] == {
        "code": "paid",
        "name": "Paid",
        "badge": "success",
        "is_default": False,
        "is_cancelable": False,
    }
    shipment = {s["code"]: s for s in body["shipment"]}
    assert shipment["partially_shipped"]["rollup"] is True
    assert shipment["partially_shipped"]["name"] == "Partially Shipped"
    assert shipment["delivered"]["phase"] == "delivered"
    order = [s["code"] for s in body["order"]]
    assert order[0] == "pending"
    assert body["order"][0]["next"] == ["processing", "canceled", "closed"]


# -- cancel ---------------------------------------------------------------------------------


def test_cancel_restocks_once_and_a_second_cancel_is_409(shop: Shop) -> None:
    url = f"/api/v1/orders/{shop.orders_a[0]}/cancel"
    response = shop.client.post(url, json={"reason": "customer called"}, headers=shop.admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "canceled"
    assert shop.oms.get_stock("MUG").qty == 44 + 2
    again = shop.client.post(url, json={"reason": "again"}, headers=shop.admin)
    _problem(again, 409, "order_not_cancelable")
    assert shop.oms.get_stock("MUG").qty == 46
    _problem(
        shop.client.post(f"/api/v1/orders/{uuid.uuid4()}/cancel", headers=shop.admin),
        404,
        "order_not_found",
    )
    _problem(
        shop.client.post(url, json={"reason": "x" * 256}, headers=shop.admin),
        422,
        "invalid_request",
    )


def test_cancel_needs_no_body(shop: Shop) -> None:
    response = shop.client.post(f"/api/v1/orders/{shop.orders_a[0]}/cancel", headers=shop.admin)
    assert response.status_code == 200, response.text


# -- shipments --------------------------------------------------------------------------------


def test_create_list_update_deliver_a_shipment(shop: Shop) -> None:
    order = shop.client.get(f"/api/v1/orders/{shop.orders_a[0]}", headers=shop.admin).json()
    mug = next(i for i in order["items"] if i["sku"] == "MUG")
    created = shop.client.post(
        f"/api/v1/orders/{shop.orders_a[0]}/shipments",
        json={"carrier": "ups", "items": [{"order_item_id": mug["order_item_id"], "qty": 1}]},
        headers=shop.admin,
    )
    assert created.status_code == 201, created.text
    shipment = created.json()
    assert created.headers["location"] == f"/api/v1/shipments/{shipment['uuid']}"
    assert shipment["items"] == [{"order_item_id": mug["order_item_id"], "qty": 1}]
    listed = shop.client.get(f"/api/v1/orders/{shop.orders_a[0]}/shipments", headers=shop.admin)
    assert listed.json() == {"items": [shipment]}
    assert shop.client.get(created.headers["location"], headers=shop.admin).json() == shipment

    patched = shop.client.patch(
        f"/api/v1/shipments/{shipment['uuid']}",
        json={"tracking_number": "1Z999"},
        headers=shop.admin,
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["carrier"], patched.json()["tracking_number"]) == ("ups", "1Z999")

    nothing = shop.client.patch(
        f"/api/v1/shipments/{shipment['uuid']}", json={}, headers=shop.admin
    )
    _problem(nothing, 422, "invalid_input")

    delivered = shop.client.post(
        f"/api/v1/shipments/{shipment['uuid']}/deliver", headers=shop.admin
    )
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered"
    cancel = shop.client.post(f"/api/v1/shipments/{shipment['uuid']}/cancel", headers=shop.admin)
    _problem(cancel, 409, "shipment_transition_refused")
    after = shop.client.get(f"/api/v1/orders/{shop.orders_a[0]}", headers=shop.admin).json()
    assert after["shipment_status"] == "partially_delivered"


def test_cancel_a_shipment_and_ship_again(shop: Shop) -> None:
    created = shop.client.post(
        f"/api/v1/orders/{shop.orders_a[0]}/shipments", json={}, headers=shop.admin
    ).json()
    canceled = shop.client.post(f"/api/v1/shipments/{created['uuid']}/cancel", headers=shop.admin)
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    again = shop.client.post(
        f"/api/v1/orders/{shop.orders_a[0]}/shipments", json={}, headers=shop.admin
    )
    assert again.status_code == 201, again.text


def test_shipment_errors(shop: Shop) -> None:
    url = f"/api/v1/orders/{shop.orders_a[0]}/shipments"
    assert shop.client.post(url, json={"carrier": "ups"}, headers=shop.admin).status_code == 201
    nothing_left = shop.client.post(url, json={"carrier": "ups"}, headers=shop.admin)
    assert nothing_left.status_code == 409, nothing_left.text
    bad_items = shop.client.post(
        f"/api/v1/orders/{shop.orders_a[1]}/shipments",
        json={"items": [{"order_item_id": 999_999, "qty": 1}]},
        headers=shop.admin,
    )
    _problem(bad_items, 422, "invalid_shipment_items")
    missing = uuid.uuid4()
    _problem(
        shop.client.get(f"/api/v1/shipments/{missing}", headers=shop.admin),
        404,
        "shipment_not_found",
    )
    _problem(
        shop.client.post(f"/api/v1/shipments/{missing}/deliver", headers=shop.admin),
        404,
        "shipment_not_found",
    )
    _problem(
        shop.client.patch(
            f"/api/v1/shipments/{missing}", json={"carrier": "x"}, headers=shop.admin
        ),
        404,
        "shipment_not_found",
    )
    _problem(
        shop.client.get("/api/v1/shipments/not-a-uuid", headers=shop.admin), 422, "invalid_request"
    )
    canceled = shop.place(CUSTOMER_A)
    shop.oms.cancel_order(canceled.uuid)
    on_canceled = shop.client.post(
        f"/api/v1/orders/{canceled.uuid}/shipments", json={}, headers=shop.admin
    )
    assert on_canceled.status_code == 409, on_canceled.text


# -- activities ---------------------------------------------------------------------------------


def test_add_and_list_activities(shop: Shop) -> None:
    url = f"/api/v1/orders/{shop.orders_a[0]}/activities"
    added = shop.client.post(
        url,
        json={"message": "Parcel left the warehouse", "customer_notified": True},
        headers=shop.admin,
    )
    assert added.status_code == 201, added.text
    assert added.json()["customer_notified"] is True
    staff = shop.client.get(url, headers=shop.admin).json()["items"]
    assert staff[-1] == added.json()
    customer = shop.client.get(url, headers=shop.customer_a).json()["items"]
    assert [a["message"] for a in customer] == [
        "Your order is being prepared",
        "Parcel left the warehouse",
    ]
    assert set(customer[0]) == {"message", "created_at"}
    _problem(
        shop.client.post(url, json={"message": ""}, headers=shop.admin), 422, "invalid_request"
    )
    _problem(
        shop.client.post(
            f"/api/v1/orders/{uuid.uuid4()}/activities", json={"message": "x"}, headers=shop.admin
        ),
        404,
        "order_not_found",
    )


# -- stock -----------------------------------------------------------------------------------------


def test_stock_read_and_set(shop: Shop) -> None:
    assert shop.client.get("/api/v1/stock/MUG", headers=shop.admin).json() == {
        "sku": "MUG",
        "qty": 44,
        "manage_stock": True,
    }
    _problem(shop.client.get("/api/v1/stock/UNMANAGED", headers=shop.admin), 404, "stock_not_found")
    put = shop.client.put("/api/v1/stock/NEW-1", json={"qty": 12}, headers=shop.admin)
    assert put.status_code == 200, put.text
    assert put.json() == {"sku": "NEW-1", "qty": 12, "manage_stock": True}
    assert shop.client.get("/api/v1/stock/NEW-1", headers=shop.admin).json()["qty"] == 12
    slashed = shop.client.put("/api/v1/stock/A/B", json={"qty": 1}, headers=shop.admin)
    assert slashed.json()["sku"] == "A/B"
    _problem(
        shop.client.put("/api/v1/stock/MUG", json={"qty": -1}, headers=shop.admin),
        422,
        "invalid_request",
    )
    _problem(
        shop.client.put("/api/v1/stock/%20", json={"qty": 1}, headers=shop.admin),
        422,
        "invalid_input",
    )
    _problem(
        shop.client.put("/api/v1/stock/A%0AB", json={"qty": 1}, headers=shop.admin),
        422,
        "invalid_request",
    )


# -- statement counts (a page or an order costs the same however many rows it holds) --------


def test_a_listing_page_is_two_statements_and_an_order_eight_or_nine(shop: Shop) -> None:
    shop.oms.set_stock("TEA", 100)
    shop.oms.set_stock("MUG", 100)
    for _ in range(25):
        shop.place(CUSTOMER_A)
    for headers in (shop.admin, shop.customer_a):
        with count_statements(shop.oms.engine) as log:
            page = shop.client.get("/api/v1/orders?limit=20", headers=headers)
        assert len(page.json()["items"]) == 20
        assert log.count == 2  # the token, the page
        with count_statements(shop.oms.engine) as log:
            shop.client.get(f"/api/v1/orders/{shop.orders_a[0]}", headers=headers)
        # The token, the order, one statement per relation (6); for a customer first the
        # owner, so that another customer's order costs what a missing one does.
        assert log.count == (8 if headers is shop.admin else 9)
    with count_statements(shop.oms.engine) as foreign:
        shop.client.get(f"/api/v1/orders/{shop.order_b}", headers=shop.customer_a)
    with count_statements(shop.oms.engine) as missing:
        shop.client.get(f"/api/v1/orders/{uuid.uuid4()}", headers=shop.customer_a)
    assert foreign.count == missing.count == 2


def test_a_status_change_costs_its_service_statements_plus_the_token_and_the_relations(
    shop: Shop,
) -> None:
    target = shop.orders_a[0]
    with count_statements(shop.oms.engine) as log:
        response = shop.client.post(
            f"/api/v1/orders/{target}/payment-status", json={"status": "paid"}, headers=shop.admin
        )
    assert response.status_code == 200, response.text
    assert response.json()["payment_status"] == "paid"
    assert response.json()["status"] == shop.oms.get_order(target).status
    # The token (no transaction around it), the service's statements (the lock, then its
    # writes: one statement on PostgreSQL, three on SQLite) and the order's 6 relations:
    # the locked row is the reply's order row, not read again; the service joins the
    # request's transaction without a SAVEPOINT.
    service = 2 if shop.oms.engine.dialect.name == "postgresql" else 4
    assert log.count == 1 + service + 6
    assert not log.matching("SAVEPOINT")
