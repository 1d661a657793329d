"""End to end: a real server and Debian's chromium, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

import ordermill
from tests.admin.seed import Seeded, seed_small

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop(oms: ordermill.Oms) -> Seeded:
    return seed_small(oms)


def sign_in(page: Any, base: str, secret: str, path: str = "/admin/orders") -> None:
    page.goto(f"{base}{path}")
    page.wait_for_url("**/admin/sign-in?next=**")
    page.get_by_label("Admin token").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{path}")


def row_numbers(page: Any) -> list[str]:
    found = page.locator("tr[data-order]").evaluate_all("rows => rows.map(r => r.dataset.order)")
    return [str(number) for number in found]


def test_sign_in_and_filter_the_grid(
    page: Any, live_server: str, admin_secret: str, shop: Seeded
) -> None:
    sign_in(page, live_server, admin_secret)
    assert row_numbers(page) == ["10004", "10003", "10002", "10001"]

    page.get_by_label("Payment").select_option("paid")
    page.wait_for_url("**/admin/orders?payment_status=paid")
    page.wait_for_function("document.querySelectorAll('tr[data-order]').length === 2")
    assert row_numbers(page) == ["10003", "10001"]

    page.get_by_label("Search").fill("alan")
    page.wait_for_url("**/admin/orders?q=alan&payment_status=paid")
    page.wait_for_function("document.querySelectorAll('tr[data-order]').length === 1")
    assert row_numbers(page) == ["10003"]

    # The URL is the view: opening it afresh shows the same filtered grid.
    page.goto(page.url)
    assert row_numbers(page) == ["10003"]
    assert page.get_by_label("Search").input_value() == "alan"


def test_ship_part_of_an_order_deliver_it_and_add_a_note(
    page: Any, live_server: str, admin_secret: str, shop: Seeded, oms: ordermill.Oms
) -> None:
    sign_in(page, live_server, admin_secret)
    page.get_by_role("link", name="#10001").click()
    page.wait_for_url("**/admin/orders/10001")

    mug = page.locator('tr[data-sku="MUG-BLUE"]')
    page.get_by_label("Enamel mug, blue").fill("2")
    page.get_by_label("Organic T-shirt, size L").fill("0")
    page.get_by_label("Carrier", exact=True).fill("DHL")
    page.get_by_label("Tracking number", exact=True).fill("JD0146")
    page.get_by_role("button", name="Create shipment").click()
    page.get_by_text("Shipment created.").wait_for()
    assert mug.locator('[data-col="shipped"]').inner_text() == "2"
    assert mug.locator('[data-col="to-ship"]').inner_text() == "1"
    shipment = page.locator("#shipment-1")
    assert "JD0146" in shipment.inner_text()

    shipment.get_by_role("button", name="Mark delivered").click()
    page.get_by_text("Shipment marked as delivered.").wait_for()
    assert mug.locator('[data-col="delivered"]').inner_text() == "2"
    assert page.locator("#shipment-1 .badge").inner_text() == "Delivered"

    page.get_by_label("Add a note").fill("Second parcel leaves on Monday")
    page.get_by_label("Visible to the customer").check()
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Note added.").wait_for()
    note = page.locator(".timeline li", has_text="Second parcel leaves on Monday")
    assert "Visible to the customer" in note.inner_text()

    order = oms.get_order("10001")
    assert [(s.status, s.tracking_number) for s in order.shipments or ()] == [
        ("delivered", "JD0146")
    ]


def test_cancel_an_order_and_see_its_stock_restored(
    page: Any, live_server: str, admin_secret: str, shop: Seeded, oms: ordermill.Oms
) -> None:
    before = oms.get_stock("CAP-01").qty
    sign_in(page, live_server, admin_secret, "/admin/orders/10002")
    page.get_by_text("Cancel this order…").click()
    page.get_by_label("Reason for the cancellation").fill("Customer found it cheaper")
    page.get_by_role("button", name="Cancel order").click()
    # The confirmation box is required: nothing happens until it is ticked.
    assert page.locator(".notice").count() == 0
    assert oms.get_order("10002").status != "canceled"
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Cancel order").click()
    page.get_by_text("Order canceled.").wait_for()
    assert page.locator('tr[data-sku="CAP-01"]').get_by_text("4 returned to stock").is_visible()
    assert page.locator(".status-line").get_by_text("Canceled").first.is_visible()
    assert oms.get_stock("CAP-01").qty == before + 4


def test_a_post_without_the_csrf_token_is_refused(
    page: Any, live_server: str, admin_secret: str, shop: Seeded, oms: ordermill.Oms
) -> None:
    sign_in(page, live_server, admin_secret, "/admin/orders/10001")
    # Same browser, same session cookie, but no CSRF token: as a forged form would be.
    response = page.request.post(
        f"{live_server}/admin/orders/10001/notes",
        form={"message": "forged"},
        max_redirects=0,
    )
    assert response.status == 403
    assert "nothing was changed" in response.text()
    assert not [a for a in oms.get_order("10001").activities or () if a.message == "forged"]


def test_pages_fit_a_phone_screen(
    phone: Any, live_server: str, admin_secret: str, shop: Seeded
) -> None:
    sign_in(phone, live_server, admin_secret, "/admin/")
    for path in ("/admin/", "/admin/orders", "/admin/orders/10001"):
        phone.goto(f"{live_server}{path}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px screen"


def test_a_warehouse_token_sees_no_cancel_or_payment_controls_and_a_stale_form_says_so(
    page: Any, live_server: str, shop: Seeded, oms: ordermill.Oms
) -> None:
    _, secret = oms.create_token(preset="warehouse", name="Ada (warehouse)")
    sign_in(page, live_server, secret, "/admin/orders/10002")
    assert page.get_by_text("Cancel this order…").count() == 0
    assert page.get_by_role("button", name="Update payment").count() == 0
    assert page.get_by_role("button", name="Add note").count() == 0
    assert page.get_by_role("link", name="Webhooks").count() == 0
    # Someone else changes the order while the page is open: the form does nothing.
    oms.add_order_activity_log("10002", "Changed meanwhile")
    before = oms.get_order("10002")
    details = page.locator("details.new-shipment")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    details.get_by_label("Carrier", exact=True).fill("DHL")
    page.get_by_role("button", name="Create shipment").click()
    page.get_by_text("This order changed since you opened it").wait_for()
    assert page.get_by_text("Changed meanwhile").is_visible()
    assert oms.get_order("10002") == before
