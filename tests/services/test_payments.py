"""Payment status: validated, the order status follows forward only, history and events."""

from __future__ import annotations

from typing import Any

import pytest

import ordermill
from tests.services.shop import activities, events, history, place, statuses, stock


def test_paid_moves_the_order_to_processing_with_history_and_events(oms: ordermill.Oms) -> None:
    order = place(oms)
    updated = oms.update_payment_status(order.order_id, "paid")
    assert statuses(updated) == ("paid", "pending", "processing")
    assert updated.updated_at >= order.updated_at
    assert history(oms, order.order_id)[3:] == [
        ("payment", "pending", "paid"),
        ("order", "pending", "processing"),
    ]
    assert events(oms, order.order_id) == [
        "ordermill.order.placed",
        "ordermill.order.payment_status_changed",
        "ordermill.order.status_changed",
    ]
    assert statuses(oms.get_order(order.uuid)) == ("paid", "pending", "processing")


@pytest.mark.parametrize("key", ["order_id", "uuid", "order_number"])
def test_the_order_may_be_named_by_id_uuid_or_number(oms: ordermill.Oms, key: str) -> None:
    order = place(oms)
    assert oms.update_payment_status(getattr(order, key), "paid").payment_status == "paid"


def test_the_same_status_again_writes_and_emits_nothing(
    oms: ordermill.Oms, db_snapshot: Any
) -> None:
    order = place(oms)
    oms.update_payment_status(order.order_id, "paid")
    before = db_snapshot(oms.engine)
    again = oms.update_payment_status(order.order_id, "paid")
    assert statuses(again) == ("paid", "pending", "processing")
    assert db_snapshot(oms.engine) == before


def test_a_change_that_keeps_the_order_status_only_records_the_payment(
    oms: ordermill.Oms,
) -> None:
    order = place(oms)
    updated = oms.update_payment_status(order.order_id, "failed")
    assert statuses(updated) == ("failed", "pending", "pending")
    assert history(oms, order.order_id)[3:] == [("payment", "pending", "failed")]
    assert events(oms, order.order_id)[1:] == ["ordermill.order.payment_status_changed"]


def test_refunded_closes_a_completed_order_and_closed_is_final(oms: ordermill.Oms) -> None:
    order = place(oms)
    oms.update_payment_status(order.order_id, "paid")
    oms.update_shipment_status(order.order_id, "delivered")
    closed = oms.update_payment_status(order.order_id, "refunded")
    assert statuses(closed) == ("refunded", "delivered", "closed")
    with pytest.raises(ordermill.StatusTransitionError, match="already closed"):
        oms.update_payment_status(order.order_id, "paid")


def test_a_payment_canceled_is_a_cancellation_with_restock(oms: ordermill.Oms) -> None:
    order = place(oms)
    canceled = oms.update_payment_status(order.order_id, "canceled")
    assert statuses(canceled) == ("canceled", "canceled", "canceled")
    assert stock(oms) == {"MUG": 10, "TEA": 5, "EBOOK": 3}
    assert activities(oms, order.order_id)[-1] == ("Order canceled (payment canceled)", False)
    assert events(oms, order.order_id)[-1] == "ordermill.order.canceled"


def test_a_payment_after_the_cancel_is_recorded_and_flagged(oms: ordermill.Oms) -> None:
    order = place(oms)
    oms.cancel_order(order.uuid)
    late = oms.update_payment_status(order.order_id, "paid")
    assert statuses(late) == ("paid", "canceled", "canceled")
    assert activities(oms, order.order_id)[-1] == (
        "Payment status changed from canceled to paid after the order was canceled",
        False,
    )
    assert stock(oms) == {"MUG": 10, "TEA": 5, "EBOOK": 3}
