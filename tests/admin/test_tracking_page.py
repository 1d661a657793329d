"""The guest tracking page in Debian's chromium, on SQLite and on PostgreSQL: what a
guest sees at 1280 and 390 pixels, never an internal note, links that open the carrier's
page, 404 for a revoked or expired link; and the link issued from the admin order page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.tracking_tables import tracking_link
from tests.admin.seed import place
from tests.admin.test_e2e import sign_in

pytestmark = pytest.mark.e2e

CANARY = "CANARY-9d2e internal: customer flagged for fraud review"
VISIBLE = "Good news: your parcel left our warehouse"
UPS_URL = "https://www.ups.com/track?tracknum=1Z999AA10123456784"


@pytest.fixture
def tracked(oms: ordermill.Oms) -> tuple[ordermill.Order, str]:
    for sku in ("MUG-BLUE", "TEE-L"):
        oms.set_stock(sku, 50)
    order = place(oms, [("MUG-BLUE", 3), ("TEE-L", 2)], person=0)
    oms.update_payment_status(order.uuid, "paid")
    items = {i.sku: i.order_item_id for i in order.items or ()}
    oms.create_shipment(
        order.uuid,
        "UPS",
        "1Z999AA10123456784",
        items=[{"order_item_id": items["MUG-BLUE"], "qty": 3}],
    )
    oms.create_shipment(order.uuid, "Royal Mail", "RM123456GB")
    oms.add_order_activity_log(order.uuid, CANARY, customer_notified=False)
    oms.add_order_activity_log(order.uuid, VISIBLE, customer_notified=True)
    token = oms.tracking_link(order.uuid).token
    assert token is not None
    return order, token


def _check_guest_view(tab: Any, base: str, token: str, order: ordermill.Order) -> None:
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    response = tab.goto(f"{base}/track/{token}")
    assert response.status == 200
    assert tab.get_by_role("heading", name=f"Order #{order.order_number}").is_visible()
    html = tab.content()
    assert CANARY not in html
    assert tab.get_by_text(VISIBLE).is_visible()
    # The address: city and country only.
    assert "London, GB" in tab.locator(".page-head").inner_text()
    for private in ("Ada Lovelace", "St James", "SW1Y", "ada@example.com", "14.00"):
        assert private not in html, private
    ups = tab.locator("#shipment-1 a.tracking-link")
    assert ups.get_attribute("href") == UPS_URL
    assert ups.inner_text() == "1Z999AA10123456784"
    assert ups.is_visible()
    assert tab.locator("#shipment-2 a.tracking-link").count() == 0  # free text: no URL
    assert "RM123456GB" in tab.locator("#shipment-2").inner_text()
    assert "Royal Mail" in tab.locator("#shipment-2").inner_text()
    width = tab.evaluate("document.documentElement.scrollWidth")
    viewport = tab.viewport_size["width"]
    assert width <= viewport, f"the page is {width}px wide on a {viewport}px screen"
    assert tab.evaluate("document.scripts.length") == 0
    assert problems == [], problems  # no CSP violation, no failed asset


def test_the_guest_page_at_1280_pixels(
    page: Any, live_server: str, tracked: tuple[ordermill.Order, str]
) -> None:
    order, token = tracked
    _check_guest_view(page, live_server, token, order)
    # Same look as the admin: its stylesheet applied (the cards are white on grey).
    background = page.locator(".card").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(255, 255, 255)"


def test_the_guest_page_on_a_390_pixel_phone(
    phone: Any, live_server: str, tracked: tuple[ordermill.Order, str]
) -> None:
    order, token = tracked
    _check_guest_view(phone, live_server, token, order)


def test_revoked_and_expired_links_show_the_same_not_found_page(
    page: Any, live_server: str, tracked: tuple[ordermill.Order, str], oms: ordermill.Oms
) -> None:
    order, token = tracked
    oms.revoke_tracking_link(order.uuid)
    revoked = page.goto(f"{live_server}/track/{token}")
    assert revoked.status == 404
    revoked_text = page.locator("main").inner_text()
    assert "no tracking page" in revoked_text
    assert CANARY not in page.content()

    fresh = oms.tracking_link(order.uuid).token
    with oms.engine.begin() as conn:
        conn.execute(
            sa.update(tracking_link).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    expired = page.goto(f"{live_server}/track/{fresh}")
    assert expired.status == 404
    assert page.locator("main").inner_text() == revoked_text
    wrong = page.goto(f"{live_server}/track/{'A' * 43}")
    assert wrong.status == 404
    assert page.locator("main").inner_text() == revoked_text


def test_staff_issue_a_link_on_the_order_page_and_open_it(
    page: Any,
    live_server: str,
    admin_secret: str,
    tracked: tuple[ordermill.Order, str],
) -> None:
    order, old_token = tracked
    sign_in(page, live_server, admin_secret, f"/admin/orders/{order.order_number}")
    # The carrier's page is a link on the staff page too.
    assert page.locator("#shipment-1 a.tracking-link").get_attribute("href") == UPS_URL
    card = page.locator(".c-tracking")
    assert "A link is live since" in card.inner_text()
    card.get_by_role("button", name="Issue a new link").click()
    page.get_by_text("Tracking link issued").wait_for()
    url = page.locator("#issued-tracking-url").inner_text()
    assert url.startswith(f"{live_server}/track/")
    assert old_token not in url  # rotated
    page.goto(url)
    assert page.get_by_text(VISIBLE).is_visible()
    assert CANARY not in page.content()
    assert page.goto(f"{live_server}/track/{old_token}").status == 404

    page.goto(f"{live_server}/admin/orders/{order.order_number}")
    page.locator(".c-tracking").get_by_role("button", name="Revoke").click()
    page.get_by_text("Tracking link revoked").wait_for()
    assert "No tracking link" in page.locator(".c-tracking").inner_text()
    assert page.goto(url).status == 404
