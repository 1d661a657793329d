"""Pricing a refund without making it: what the admin's dialog shows is what ``refund``
records, a refusal is the preview's error (never raised, nothing written), and the
cancel-and-refund offer follows what ``cancel_and_refund`` accepts."""

from __future__ import annotations

from decimal import Decimal

import ordermill
from ordermill.domain.records import Order
from ordermill.domain.refund_preview import cancel_and_refund_amount
from tests.conftest import snapshot


def _order(oms: ordermill.Oms, *, pay: str | None = "all") -> Order:
    """Three lines whose tax and discount do not split evenly: 3 x 3.33, 1 x 0.99, 7 x 1.01,
    tax 1.00, discount 0.50, shipping 2.95."""
    placed = oms.place_order(
        [
            {"sku": "A", "qty": 3, "price": "3.33"},
            {"sku": "B", "qty": 1, "price": "0.99"},
            {"sku": "C", "qty": 7, "price": "1.01"},
        ],
        customer_email="ada@example.com",
        tax_amount="1.00",
        discount_amount="0.50",
        shipping_fee="2.95",
    )
    if pay is not None:
        amount = placed.grand_total if pay == "all" else Decimal(pay)
        oms.record_payment(placed.uuid, "sale", amount)
    return oms.get_order(placed.uuid)


def test_the_preview_prices_each_line_as_the_refund_then_records_it(oms: ordermill.Oms) -> None:
    order = _order(oms)
    ids = [item.order_item_id for item in order.items or ()]
    asked = [
        {"order_item_id": ids[0], "qty": 2, "restock": False},
        {"order_item_id": ids[2], "qty": 5, "restock": True},
    ]
    before = snapshot(oms.engine)

    preview = oms.refund_preview(order.uuid, lines=asked, shipping="all", reason="damaged")

    assert snapshot(oms.engine) == before  # nothing written
    assert preview.error is None and preview.ready
    made = oms.refund(order.uuid, lines=asked, shipping="all", reason="damaged")
    assert preview.amount == made.amount
    assert preview.shipping_amount == made.shipping_amount == Decimal("2.95")
    priced = {line.order_item_id: line.amount for line in preview.lines if line.asked}
    assert priced == {line.order_item_id: line.amount for line in made.lines}
    # Everything left, as the next preview says, adds up to the rest of the grand total.
    after = oms.refund_preview(order.uuid)
    left = sum((line.left_amount for line in after.lines), after.shipping_left)
    assert left + made.amount == order.grand_total
    assert [(line.refundable, line.qty_refunded) for line in after.lines] == [
        (1, 2),
        (1, 0),
        (2, 5),
    ]
    assert after.shipping_left == 0 and after.amount == 0 and not after.ready


def test_a_refused_refund_is_the_previews_error(oms: ordermill.Oms) -> None:
    order = _order(oms, pay="5.00")
    ids = [item.order_item_id for item in order.items or ()]

    preview = oms.refund_preview(order.uuid, lines=[{"order_item_id": ids[2], "qty": 7}])

    assert preview.error is not None and "more than the net paid" in preview.error
    assert (preview.amount, preview.ready, preview.net_paid) == (Decimal(0), False, Decimal("5.00"))
    unknown = oms.refund_preview(order.uuid, lines=[{"order_item_id": 999, "qty": 1}])
    assert unknown.error is not None and "has no line 999" in unknown.error
    assert oms.refund_preview(order.uuid, shipping="all", reason="nope").error == (
        "reason: 'nope' is not a refund reason; allowed: customer_request, damaged,"
        " not_received, wrong_item, fraud, other"
    )


def test_cancel_and_refund_is_offered_for_paid_orders_with_nothing_shipped(
    oms: ordermill.Oms,
) -> None:
    config = oms.config
    unpaid = _order(oms, pay=None)
    assert cancel_and_refund_amount(config, unpaid) is None  # plain cancel takes it
    paid = _order(oms)
    assert cancel_and_refund_amount(config, paid) == paid.grand_total
    part = _order(oms, pay="4.00")
    assert cancel_and_refund_amount(config, part) == Decimal("4.00")
    ids = [item.order_item_id for item in paid.items or ()]
    oms.create_shipment(paid.uuid, "UPS", items=[{"order_item_id": ids[0], "qty": 1}])
    assert cancel_and_refund_amount(config, oms.get_order(paid.uuid)) is None
    canceled = oms.cancel_and_refund(part.uuid, "changed their mind")
    assert cancel_and_refund_amount(config, oms.get_order(canceled.uuid)) is None
