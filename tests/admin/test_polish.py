"""Small admin behaviours users tripped over: each test pins one of them."""

from __future__ import annotations

import ordermill
from tests.admin.conftest import Admin

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


def test_status_history_names_a_shipment_as_the_page_does(
    oms: ordermill.Oms, admin: Admin
) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    oms.update_payment_status(placed.order_id, "paid")
    shipment = oms.create_shipment(placed.order_id, "UPS", "1Z")
    oms.mark_delivered(shipment.uuid)
    page = admin.get(f"/admin/orders/{placed.order_number}").text
    history = page[page.index('id="history-title"') :]
    assert "Shipment 1 delivered" in history
    assert shipment.uuid not in history


def test_a_customer_without_a_name_shows_the_email_alone(
    oms: ordermill.Oms, admin: Admin
) -> None:
    oms.place_order(LINE, customer_email="ada@example.com")
    grid = admin.get("/admin/orders").text
    assert '<td class="c-customer"><span class="muted small">ada@example.com</span></td>' in grid


def test_the_grid_offers_a_sort_choice_for_phones(oms: ordermill.Oms, admin: Admin) -> None:
    oms.place_order(LINE, customer_email="ada@example.com")
    grid = admin.get("/admin/orders", params={"sort": "grand_total"}).text
    assert '<select id="grid-sort" name="sort">' in grid
    assert '<option value="grand_total" selected>Total, ascending</option>' in grid
    assert '<option value="-created_at">Date, descending</option>' in grid
