"""Small admin behaviours users tripped over: each test pins one of them."""

from __future__ import annotations

from typing import Any

import pytest

import ordermill
from tests.admin.conftest import Admin
from tests.admin.test_e2e import sign_in

LINE = [{"sku": "CARD", "qty": 1, "price": "1.00"}]


def test_search_and_order_page_take_the_external_reference(
    oms: ordermill.Oms, admin: Admin
) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com", external_reference="EXT-42")
    oms.place_order(LINE, customer_email="bob@example.com")
    grid = admin.get("/admin/orders", params={"q": "EXT-42"})
    assert grid.status_code == 200
    assert f"/admin/orders/{placed.order_number}" in grid.text
    assert grid.text.count("/admin/orders/1000") == 1
    page = admin.get("/admin/orders/EXT-42")
    assert page.status_code == 200
    assert placed.order_number in page.text


def test_status_history_names_a_shipment_as_the_page_does(oms: ordermill.Oms, admin: Admin) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    oms.update_payment_status(placed.order_id, "paid")
    shipment = oms.create_shipment(placed.order_id, "UPS", "1Z")
    oms.mark_delivered(shipment.uuid)
    page = admin.get(f"/admin/orders/{placed.order_number}").text
    history = page[page.index('id="history-title"') :]
    assert "Shipment 1 delivered" in history
    assert shipment.uuid not in history


def test_a_customer_without_a_name_shows_the_email_alone(oms: ordermill.Oms, admin: Admin) -> None:
    oms.place_order(LINE, customer_email="ada@example.com")
    grid = admin.get("/admin/orders").text
    assert '<td class="c-customer"><span class="muted small">ada@example.com</span></td>' in grid


def test_the_grid_offers_a_sort_choice_for_phones(oms: ordermill.Oms, admin: Admin) -> None:
    oms.place_order(LINE, customer_email="ada@example.com")
    grid = admin.get("/admin/orders", params={"sort": "grand_total"}).text
    assert '<select id="grid-sort" name="sort">' in grid
    assert '<option value="grand_total" selected>Total, ascending</option>' in grid
    assert '<option value="-created_at">Date, descending</option>' in grid


def test_the_payment_select_starts_at_the_current_status(oms: ordermill.Oms, admin: Admin) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    oms.update_payment_status(placed.order_id, "paid")
    page = admin.get(f"/admin/orders/{placed.order_number}").text
    assert '<option value="paid" selected>Paid (current)</option>' in page
    assert '<option value="refunded" selected>' not in page


def test_a_final_payment_status_asks_for_confirmation_first(
    oms: ordermill.Oms, admin: Admin
) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    oms.update_payment_status(placed.order_id, "paid")
    path = f"/admin/orders/{placed.order_number}/payment-status"
    asked = admin.post(path, {"payment_status": "refunded"})
    assert asked.status_code == 422
    assert 'id="payment-confirm" name="confirm"' in asked.text
    assert "the order becomes Closed, which cannot be undone" in asked.text
    assert oms.get_order(placed.order_id).payment_status == "paid"
    confirmed = admin.post(path, {"payment_status": "refunded", "confirm": "yes"})
    assert confirmed.status_code == 303
    assert oms.get_order(placed.order_id).payment_status == "refunded"


# -- in the browser ---------------------------------------------------------------------


def _watch_csp(tab: Any) -> list[str]:
    """Console messages that report a Content-Security-Policy violation."""
    violations: list[str] = []
    tab.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


@pytest.mark.e2e
def test_no_admin_page_violates_the_csp(
    page: Any, live_server: str, admin_secret: str, oms: ordermill.Oms
) -> None:
    violations = _watch_csp(page)
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    sign_in(page, live_server, admin_secret, "/admin/")
    for path in ("/admin/orders", f"/admin/orders/{placed.order_number}", "/admin/"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/admin/orders")
    page.get_by_label("Search").fill("ada")  # an htmx request: its indicator
    page.wait_for_url("**/admin/orders?q=ada")
    page.wait_for_load_state("networkidle")
    assert violations == []


@pytest.mark.e2e
def test_the_cancel_confirmation_checkbox_keeps_its_size(
    page: Any, live_server: str, admin_secret: str, oms: ordermill.Oms
) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    sign_in(page, live_server, admin_secret, f"/admin/orders/{placed.order_number}")
    page.get_by_text("Cancel this order…").click()
    box = page.locator("#cancel-confirm").bounding_box()
    assert box is not None
    assert box["width"] >= 13 and box["height"] >= 13, box


@pytest.mark.e2e
def test_a_phone_can_sort_the_grid(
    phone: Any, live_server: str, admin_secret: str, oms: ordermill.Oms
) -> None:
    oms.place_order(LINE, customer_email="ada@example.com")
    oms.place_order([{"sku": "CARD", "qty": 5, "price": "1.00"}], customer_email="b@example.com")
    sign_in(phone, live_server, admin_secret)
    sort = phone.get_by_label("Sort")
    assert sort.is_visible()
    sort.select_option("-grand_total")
    phone.wait_for_url("**/admin/orders?sort=-grand_total")
