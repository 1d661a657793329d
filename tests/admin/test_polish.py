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
