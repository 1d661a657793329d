"""The activity log: notes, internal or customer-visible."""

from __future__ import annotations

import pytest

import ordermill
from tests.services.shop import event_payloads, place


@pytest.mark.parametrize("key", ["order_id", "uuid", "order_number"])
def test_a_note_is_added_and_announced(oms: ordermill.Oms, key: str) -> None:
    order = place(oms)
    added = oms.add_order_activity_log(getattr(order, key), "  Fraud check completed  ")
    assert (added.order_id, added.message, added.customer_notified) == (
        order.order_id,
        "Fraud check completed",
        False,
    )
    [payload] = event_payloads(oms, order.order_id, "ordermill.order.activity_added")
    assert payload == {
        "order_id": order.order_id,
        "order_uuid": order.uuid,
        "activity_id": added.activity_id,
        "message": "Fraud check completed",
        "customer_notified": False,
        "actor": {"kind": "system", "id": None, "name": "system"},
    }


def test_customer_visible_notes_are_the_ones_customers_read(oms: ordermill.Oms) -> None:
    order = place(oms)
    oms.add_order_activity_log(order.order_id, "Fraud check completed - approved", False)
    oms.add_order_activity_log(
        order.order_id, "Your order has been packed and is ready for pickup", True
    )
    seen = oms.get_order(order.uuid, customer_visible_only=True).activities or ()
    assert [a.message for a in seen] == ["Your order has been packed and is ready for pickup"]


def test_a_message_of_exactly_2000_characters_is_accepted(oms: ordermill.Oms) -> None:
    order = place(oms)
    assert len(oms.add_order_activity_log(order.order_id, "é" * 2000).message) == 2000


def test_the_flag_must_be_a_boolean(oms: ordermill.Oms) -> None:
    order = place(oms)
    with pytest.raises(ordermill.InvalidInput, match="customer_notified"):
        oms.add_order_activity_log(order.order_id, "Hi", "yes")  # type: ignore[arg-type]
