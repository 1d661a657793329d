"""The refund dialog and cancel-and-refund on the order page, in real chromium over a real
server, on SQLite and PostgreSQL: the amounts shown before confirming, the refund with
its restock, a refusal as a banner, and an order canceled and refunded with its stock
back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import ordermill
from ordermill.domain.records import Order
from tests.admin.test_e2e import sign_in

pytestmark = pytest.mark.e2e


def _paid_order(oms: ordermill.Oms) -> Order:
    """Mugs 3 x 10.00 and a cap 20.00, tax 5.00, shipping 4.00: 59.00, paid.

    The lines share the goods and tax (55.00) by their totals: the mugs 33.00 (11.00 a
    unit), the cap 22.00; shipping 4.00.
    """
    oms.set_stock("MUG", 10)
    oms.set_stock("CAP", 5)
    placed = oms.place_order(
        [
            {"sku": "MUG", "qty": 3, "price": "10.00", "name": "Mug"},
            {"sku": "CAP", "qty": 1, "price": "20.00", "name": "Cap"},
        ],
        customer_email="ada@example.com",
        tax_amount="5.00",
        shipping_fee="4.00",
    )
    assert placed.grand_total == Decimal("59.00")
    oms.record_payment(placed.uuid, "sale", "59.00", gateway="stripe", reference="ch_1")
    return oms.get_order(placed.uuid)


def _open_dialog(page: Any, base: str, secret: str, order: Order) -> Any:
    sign_in(page, base, secret, f"/admin/orders/{order.order_number}")
    page.get_by_text("Refund…", exact=True).click()
    return page.locator("#refund-form")


def _total(page: Any, expected: str) -> None:
    page.locator("[data-refund-total]", has_text=expected).wait_for()


def test_the_dialog_prices_the_refund_before_it_is_made_and_restocks(
    page: Any, live_server: str, admin_secret: str, oms: ordermill.Oms
) -> None:
    order = _paid_order(oms)
    form = _open_dialog(page, live_server, admin_secret, order)
    assert "3 of 3 refundable, $33.00" in form.inner_text()
    assert "1 of 1 refundable, $22.00" in form.inner_text()

    form.get_by_label("Mug (MUG").fill("2")
    _total(page, "$22.00")
    mug_row = page.locator('[data-refund-line] >> text="Mug"')
    assert mug_row.count() == 1
    page.get_by_label("Put MUG back in stock").check()
    page.get_by_label("Refund the shipping ($4.00 left)").check()
    _total(page, "$26.00")
    page.locator("[data-refund-line]", has_text="back to stock").wait_for()
    assert page.locator('[data-refund-line="shipping"] [data-amount]').inner_text() == "$4.00"
    page.get_by_label("Reason", exact=True).select_option("damaged")
    page.wait_for_load_state("networkidle")  # the re-pricing the change asked for is in
    page.get_by_role("button", name="Refund $26.00").click()

    page.get_by_text("Refund recorded.").wait_for()
    refund_row = page.locator("tr[data-refund]")
    assert "Damaged" in refund_row.inner_text()
    assert "2 \u00d7 Mug ($22.00, 2 restocked)" in refund_row.inner_text()
    assert "Shipping ($4.00)" in refund_row.inner_text()
    assert refund_row.locator(".c-amount").inner_text() == "$26.00"
    assert oms.get_stock("MUG").qty == 7 + 2
    assert [(p.kind, p.amount) for p in oms.list_payments(order.uuid)][-1] == (
        "refund",
        Decimal("26.00"),
    )
    assert oms.get_order(order.uuid).net_paid == Decimal("33.00")
    # What is left: one mug (11.00), the cap, no shipping.
    page.get_by_text("Refund…", exact=True).click()
    assert "1 of 3 refundable, $11.00" in page.locator("#refund-form").inner_text()
    assert page.get_by_label("Refund the shipping").count() == 0


def test_a_refund_the_server_refuses_is_a_banner(
    page: Any, live_server: str, admin_secret: str, oms: ordermill.Oms
) -> None:
    order = _paid_order(oms)
    form = _open_dialog(page, live_server, admin_secret, order)
    form.get_by_label("Cap (CAP").fill("1")
    _total(page, "$22.00")
    page.get_by_label("Reason", exact=True).select_option("wrong_item")
    page.wait_for_load_state("networkidle")  # the re-pricing the change asked for is in
    # Meanwhile most of the money goes back elsewhere: 22.00 is now more than the net paid.
    oms.refund(order.uuid, amount="50.00", reason="other")

    page.get_by_role("button", name="Refund $22.00").click()

    banner = page.locator("#refund-dialog .error[role=alert]")
    banner.wait_for()
    assert "more than the net paid" in banner.inner_text()
    assert "Traceback" not in page.content()
    # The dialog comes back as filled in, priced again: refusing, nothing to confirm.
    assert page.locator("#refund-form").get_by_label("Cap (CAP").input_value() == "1"
    assert page.locator("[data-refund-confirm]").is_disabled()
    assert len(oms.list_refunds(order.uuid)) == 1


def test_cancel_and_refund_closes_a_paid_order_and_brings_the_stock_back(
    page: Any, live_server: str, admin_secret: str, oms: ordermill.Oms
) -> None:
    order = _paid_order(oms)
    assert oms.get_stock("MUG").qty == 7
    sign_in(page, live_server, admin_secret, f"/admin/orders/{order.order_number}")
    assert page.get_by_text("Cancel this order…").count() == 0  # plain cancel is refused
    page.get_by_text("Cancel and refund…").click()
    assert page.locator("[data-cancel-refund]").inner_text() == "$59.00"
    page.get_by_label("Reason for the cancellation").fill("Customer changed their mind")
    page.get_by_label("I understand: $59.00 is refunded").check()
    page.get_by_role("button", name="Cancel and refund $59.00").click()

    page.get_by_text("Order canceled and refunded.").wait_for()
    assert page.locator(".status-line [data-status]").first.inner_text() == "Canceled"
    assert "$59.00" in page.locator("tr[data-refund]").inner_text()
    found = oms.get_order(order.uuid)
    assert (found.status, found.net_paid) == ("canceled", Decimal(0))
    assert (oms.get_stock("MUG").qty, oms.get_stock("CAP").qty) == (10, 5)
    assert page.get_by_text("Cancel and refund…").count() == 0
