"""The order page's Returns card: the card, its actions and their refusals in process, and
one end-to-end receipt in chromium."""

from __future__ import annotations

from typing import Any

import pytest

import ordermill
from tests.admin.conftest import Admin
from tests.admin.seed import Seeded, seed_small
from tests.admin.test_e2e import sign_in


@pytest.fixture
def shop(oms: ordermill.Oms) -> Seeded:
    return seed_small(oms)


def _delivered_return(oms: ordermill.Oms, order: ordermill.Order) -> tuple[ordermill.Return, int]:
    """The order delivered, and a requested return of its first line's units."""
    oms.update_shipment_status(order.uuid, "delivered")
    item = (order.items or ())[0]
    asked = oms.request_return(
        order.uuid, [{"order_item_id": item.order_item_id, "qty": item.qty}], reason="Too big"
    )
    return asked, item.order_item_id


def test_approve_decline_and_receive_from_the_card(
    oms: ordermill.Oms, admin: Admin, shop: Seeded
) -> None:
    order = shop.to_ship  # MUG-BLUE x3, TEE-L x2
    asked, mug = _delivered_return(oms, order)
    base = f"/admin/orders/{order.order_number}"
    page = admin.get(base).text
    assert "Return 1" in page and "Too big" in page and "3 in returns" in page
    declined = admin.post(f"{base}/returns/{asked.uuid}/decline", {"reason": "  "})
    assert declined.status_code == 422
    assert "Give the reason for declining." in declined.text and 'role="alert"' in declined.text
    assert admin.post(f"{base}/returns/{asked.uuid}/approve").status_code == 303
    before = oms.get_stock("MUG-BLUE").qty
    refused = admin.post(
        f"{base}/returns/{asked.uuid}/receive",
        {f"qty_{mug}": "4", f"condition_{mug}": "opened", f"restock_{mug}": "yes"},
    )
    assert refused.status_code == 409
    assert "only 3 still expected" in refused.text
    done = admin.post(
        f"{base}/returns/{asked.uuid}/receive",
        {f"qty_{mug}": "2", f"condition_{mug}": "unopened", f"restock_{mug}": "yes"},
    )
    assert done.status_code == 303
    assert oms.get_stock("MUG-BLUE").qty == before + 2
    assert oms.get_return(asked.uuid).lines[0].qty_received == 2
    assert "Return receipt recorded." in admin.get(f"{base}?done=return_receive").text


def test_a_return_of_another_order_is_refused(
    oms: ordermill.Oms, admin: Admin, shop: Seeded
) -> None:
    asked, _ = _delivered_return(oms, shop.to_ship)
    other = shop.others[1]
    response = admin.post(f"/admin/orders/{other.order_number}/returns/{asked.uuid}/approve")
    assert response.status_code == 404
    assert "is not a return of order" in response.text
    assert oms.get_return(asked.uuid).status == "requested"


@pytest.mark.e2e
def test_receive_a_return_in_the_browser(
    page: Any, live_server: str, admin_secret: str, shop: Seeded, oms: ordermill.Oms
) -> None:
    order = shop.others[0]  # BAG-TOTE x1, shipped
    _, bag = _delivered_return(oms, order)
    before = oms.get_stock("BAG-TOTE").qty
    sign_in(page, live_server, admin_secret, f"/admin/orders/{order.order_number}")
    card = page.locator("#return-1")
    assert card.get_attribute("data-status") == "requested"
    card.get_by_role("button", name="Approve").click()
    page.get_by_text("Return approved.").wait_for()
    # A server-side refusal comes back as a banner on the card, the form kept.
    page.locator(f"#r1-qty-{bag}").fill("0")
    page.get_by_role("button", name="Record receipt").click()
    page.get_by_text("Enter the quantity received of at least one line.").wait_for()
    assert page.locator("#return-1 .error").is_visible()
    page.locator(f"#r1-qty-{bag}").fill("1")
    page.locator(f"#r1-condition-{bag}").select_option("opened")
    page.get_by_label("Back to stock").check()
    page.get_by_role("button", name="Record receipt").click()
    page.get_by_text("Return receipt recorded.").wait_for()
    assert page.locator("#return-1").get_attribute("data-status") == "received"
    assert "1 back to stock, opened" in page.locator("#return-1").inner_text()
    assert oms.get_stock("BAG-TOTE").qty == before + 1
