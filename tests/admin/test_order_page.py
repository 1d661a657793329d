"""The order page and its actions, through the app in-process."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

import ordermill
from tests.admin.conftest import Admin
from tests.admin.seed import Seeded, seed_small

Snapshot = Callable[[Any], dict[str, list[dict[str, Any]]]]


@pytest.fixture
def shop(oms: ordermill.Oms) -> Seeded:
    return seed_small(oms)


def url(order: Any) -> str:
    return f"/admin/orders/{order.order_number}"


def cell(html: str, sku: str, column: str) -> str:
    """The text of one column of an item row (``data-col``) on the order page."""
    row = re.search(rf'<tr data-sku="{re.escape(sku)}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {sku}"
    found = re.search(rf'data-col="{column}">([^<]*)<', row.group(1))
    assert found, f"no {column} cell for {sku}"
    return found.group(1).strip()


def test_order_page_shows_items_totals_customer_addresses_and_history(
    admin: Admin, shop: Seeded
) -> None:
    order = shop.to_ship
    page = admin.get(url(order))
    assert page.status_code == 200
    html = page.text
    assert f"Order #{order.order_number}" in html
    for text in ("Enamel mug, blue", "MUG-BLUE", "$42.00", "$95.90", "Ada Lovelace",
                 "12 St James&#39;s Square", "ada@example.com", "Status history",
                 "payment status set to paid"):  # fmt: skip
        assert text in html, text
    assert cell(html, "MUG-BLUE", "to-ship") == "3"
    assert 'data-status="paid"' in html
    assert 'action="/admin/orders/10001/payment-status"' in html
    # Paid orders are not cancelable under the default configuration.
    assert "This order can no longer be canceled" in html


def test_an_unknown_order_is_a_404_page_not_a_traceback(admin: Admin) -> None:
    response = admin.get("/admin/orders/99999")
    assert response.status_code == 404
    assert "Order not found" in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("key", ["%00", "10001%00", "9223372036854775808"])
def test_an_order_key_the_database_cannot_hold_is_a_404_page(admin: Admin, key: str) -> None:
    response = admin.get(f"/admin/orders/{key}")
    assert response.status_code == 404
    assert "Order not found" in response.text


def test_create_a_partial_shipment_then_mark_it_delivered(
    oms: ordermill.Oms, admin: Admin, shop: Seeded
) -> None:
    order = shop.to_ship
    items = {item.sku: item.order_item_id for item in order.items or ()}
    admin.get(url(order))
    response = admin.post(
        f"{url(order)}/shipments",
        {
            f"qty_{items['MUG-BLUE']}": "2",
            f"qty_{items['TEE-L']}": "0",
            "carrier": "DHL",
            "tracking_number": "JD014600003",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{url(order)}?done=shipment"
    page = admin.get(response.headers["location"]).text
    assert "Shipment created." in page
    assert cell(page, "MUG-BLUE", "shipped") == "2"
    assert cell(page, "MUG-BLUE", "to-ship") == "1"
    assert cell(page, "TEE-L", "to-ship") == "2"
    assert "JD014600003" in page
    [shipment] = oms.list_shipments(order.uuid)
    assert [(i.order_item_id, i.qty) for i in shipment.items] == [(items["MUG-BLUE"], 2)]

    response = admin.post(f"{url(order)}/shipments/{shipment.uuid}/deliver")
    assert response.status_code == 303
    page = admin.get(response.headers["location"]).text
    assert cell(page, "MUG-BLUE", "delivered") == "2"
    assert cell(page, "MUG-BLUE", "shipped") == "2"  # delivered units were shipped too
    assert cell(page, "MUG-BLUE", "to-ship") == "1"
    assert oms.get_shipment(shipment.uuid).status == "delivered"
    assert "Mark delivered" not in page


def test_edit_tracking_and_cancel_a_shipment(
    oms: ordermill.Oms, admin: Admin, shop: Seeded
) -> None:
    order = shop.others[1]  # payment pending: canceling its shipment moves no status back
    shipment = oms.create_shipment(order.uuid, "UPS", "1Z1")
    admin.get(url(order))
    response = admin.post(
        f"{url(order)}/shipments/{shipment.uuid}/tracking",
        {"carrier": "FedEx", "tracking_number": "7489 2034"},
    )
    assert response.status_code == 303
    changed = oms.get_shipment(shipment.uuid)
    assert (changed.carrier, changed.tracking_number) == ("FedEx", "7489 2034")

    response = admin.post(f"{url(order)}/shipments/{shipment.uuid}/cancel")
    assert response.status_code == 303
    assert oms.get_shipment(shipment.uuid).status == "canceled"
    page = admin.get(url(order)).text
    assert "Create a shipment" in page  # its units may be shipped again


def test_a_shipment_cancel_the_services_refuse_is_explained(
    oms: ordermill.Oms, admin: Admin, shop: Seeded, db_snapshot: Snapshot
) -> None:
    order = shop.others[0]  # paid and shipped: canceling would move the order back
    [shipment] = oms.list_shipments(order.uuid)
    admin.get(url(order))
    before = db_snapshot(oms.engine)
    response = admin.post(f"{url(order)}/shipments/{shipment.uuid}/cancel")
    assert response.status_code == 409
    error = re.search(r'<p class="error" role="alert"><strong>Not done:</strong> ([^<]+)</p>',
                      response.text)  # fmt: skip
    assert error and "Traceback" not in response.text
    assert f'id="shipment-1" data-uuid="{shipment.uuid}"' in response.text
    assert db_snapshot(oms.engine) == before


def test_a_shipment_of_another_order_is_not_touched(
    oms: ordermill.Oms, admin: Admin, shop: Seeded, db_snapshot: Snapshot
) -> None:
    [shipment] = oms.list_shipments(shop.others[0].uuid)
    admin.get(url(shop.to_ship))
    before = db_snapshot(oms.engine)
    response = admin.post(f"{url(shop.to_ship)}/shipments/{shipment.uuid}/deliver")
    assert response.status_code == 404
    assert "is not a shipment of order" in response.text
    assert db_snapshot(oms.engine) == before


def test_add_a_customer_visible_note(oms: ordermill.Oms, admin: Admin, shop: Seeded) -> None:
    order = shop.to_ship
    admin.get(url(order))
    response = admin.post(
        f"{url(order)}/notes",
        {"message": "Gift wrap <please>", "customer_notified": "yes"},
    )
    assert response.status_code == 303
    page = admin.get(url(order)).text
    assert "Gift wrap &lt;please&gt;" in page  # escaped, never markup
    notes = [a for a in oms.get_order(order.uuid).activities or () if "Gift wrap" in a.message]
    assert [n.customer_notified for n in notes] == [True]


def test_change_the_payment_status(oms: ordermill.Oms, admin: Admin, shop: Seeded) -> None:
    order = shop.to_cancel
    page = admin.get(url(order)).text
    assert '<option value="paid"' in page
    response = admin.post(f"{url(order)}/payment-status", {"payment_status": "paid"})
    assert response.status_code == 303
    changed = oms.get_order(order.uuid)
    assert (changed.payment_status, changed.status) == ("paid", "processing")


def test_cancel_the_order_restores_stock_and_shows_it(
    oms: ordermill.Oms, admin: Admin, shop: Seeded
) -> None:
    order = shop.to_cancel
    stock_before = oms.get_stock("CAP-01").qty
    admin.get(url(order))
    response = admin.post(
        f"{url(order)}/cancel", {"reason": "Customer changed their mind", "confirm": "yes"}
    )
    assert response.status_code == 303
    page = admin.get(response.headers["location"]).text
    assert "Order canceled." in page
    assert "4 returned to stock" in page
    assert "Customer changed their mind" in page
    assert oms.get_stock("CAP-01").qty == stock_before + 4
    assert oms.get_order(order.uuid).status == "canceled"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"reason": "", "confirm": "yes"}, "Give the reason for the cancellation."),
        ({"reason": "Fraud", "confirm": ""}, "Tick the box to confirm the cancellation."),
    ],
)
def test_cancel_needs_a_reason_and_a_confirmation(
    oms: ordermill.Oms,
    admin: Admin,
    shop: Seeded,
    db_snapshot: Snapshot,
    form: dict[str, str],
    message: str,
) -> None:
    order = shop.to_cancel
    admin.get(url(order))
    before = db_snapshot(oms.engine)
    response = admin.post(f"{url(order)}/cancel", form)
    assert response.status_code == 422
    assert message in response.text
    assert db_snapshot(oms.engine) == before


def test_a_refused_action_shows_the_service_message_next_to_it(
    oms: ordermill.Oms, admin: Admin, shop: Seeded, db_snapshot: Snapshot
) -> None:
    order = shop.to_ship
    items = {item.sku: item.order_item_id for item in order.items or ()}
    admin.get(url(order))
    before = db_snapshot(oms.engine)
    response = admin.post(
        f"{url(order)}/shipments",
        {f"qty_{items['MUG-BLUE']}": "9", "carrier": "DHL", "tracking_number": "T-1"},
    )
    assert response.status_code in (409, 422)
    html = response.text
    assert "Traceback" not in html
    error = re.search(r'<p class="error" role="alert"><strong>Not done:</strong> ([^<]+)</p>', html)
    assert error, html
    assert "MUG-BLUE" in error.group(1) or "3" in error.group(1)
    # The form is open again with what was typed.
    assert 'value="T-1"' in html
    assert db_snapshot(oms.engine) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"carrier": "DHL"}, "Choose at least one item to ship."),
        ({"carrier": "DHL", "qty": "two"}, "must be a whole number"),
        ({"carrier": "", "qty": "1"}, "Enter the carrier."),
    ],
)
def test_shipment_form_mistakes_are_explained(
    admin: Admin, shop: Seeded, fields: dict[str, str], message: str
) -> None:
    order = shop.to_ship
    items = {item.sku: item.order_item_id for item in order.items or ()}
    form = {"carrier": fields["carrier"], f"qty_{items['MUG-BLUE']}": fields.get("qty", "0")}
    form[f"qty_{items['TEE-L']}"] = "0"
    admin.get(url(order))
    response = admin.post(f"{url(order)}/shipments", form)
    assert response.status_code == 422
    assert message in response.text


def test_htmx_actions_get_the_page_back_not_a_redirect(
    oms: ordermill.Oms, admin: Admin, shop: Seeded
) -> None:
    order = shop.to_ship
    admin.get(url(order))
    response = admin.post(
        f"{url(order)}/notes",
        {"message": "Called the customer"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="order"' in response.text
    assert "Note added." in response.text
    assert "Called the customer" in response.text


def test_a_canceled_order_offers_no_more_actions(
    oms: ordermill.Oms, admin: Admin, shop: Seeded
) -> None:
    order = shop.to_cancel
    oms.cancel_order(order.uuid, reason="test")
    html = admin.get(url(order)).text
    assert "Create a shipment" not in html
    assert "Cancel this order" not in html
    assert 'data-status="canceled"' in html


def test_payment_choices_leave_out_what_would_be_refused(admin: Admin, shop: Seeded) -> None:
    def offered(order: Any) -> list[str]:
        html = admin.get(url(order)).text
        form = html[html.index('id="payment-status"') :]
        found = re.findall(r'<option value="([a-z_]+)"', form[: form.index("</select>")])
        return found[1:]  # after the current status, listed first

    # Pending payment: anything goes forward, canceling included (the order is cancelable).
    assert offered(shop.to_cancel) == [
        "partially_paid",
        "paid",
        "failed",
        "partially_refunded",
        "refunded",
        "canceled",
    ]
    # Paid and processing: back to pending or failed would move the order back, and a paid
    # order may not be canceled.
    assert offered(shop.to_ship) == ["partially_refunded", "refunded"]


def test_order_page_shows_the_payment_ledger_and_its_totals(
    admin: Admin, shop: Seeded, oms: ordermill.Oms
) -> None:
    order = shop.to_ship
    html = admin.get(url(order)).text
    assert "Payments" in html and "No payment recorded in the ledger" in html
    assert "<dt>Balance due</dt>" not in html  # meaningless while the ledger is unused
    oms.record_payment(order.uuid, "sale", "2.00")
    oms.record_payment(order.uuid, "refund", "2.00", status="failed", reference="re_1",
                       gateway="stripe", note="card expired")  # fmt: skip
    html = admin.get(url(order)).text
    rows = re.findall(r'<tr data-payment="\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 2
    assert "Sale" in rows[0] and "Succeeded" in rows[0] and "$2.00" in rows[0]
    for text in ("Refund", "Failed", "$2.00", "stripe · re_1", "card expired", "system"):
        assert text in rows[1], text
    for label in ("Authorized", "Captured", "Refunded", "Net paid", "Balance due"):
        assert f"<dt>{label}</dt>" in html, label
