"""Services in the caller's transaction: committed together, or not at all."""

from __future__ import annotations

from typing import Any

import pytest

import ordermill
from tests.services.shop import place, statuses


def test_two_services_in_one_transaction_commit_together(oms: ordermill.Oms) -> None:
    order = place(oms)
    with oms.transaction() as conn:
        oms.update_payment_status(order.order_id, "paid", conn)
        shipment = oms.create_shipment(order.uuid, "UPS", "1Z", conn)
        # Not committed yet: a reader outside the block sees the order as it was.
        assert statuses(oms.get_order(order.uuid)) == ("pending", "pending", "pending")
        assert statuses(oms.get_order(order.uuid, conn=conn)) == ("paid", "shipped", "shipped")
    assert statuses(oms.get_order(order.uuid)) == ("paid", "shipped", "shipped")
    assert oms.get_shipment(shipment.uuid).status == "shipped"


def test_an_exception_in_the_block_leaves_no_trace(oms: ordermill.Oms, db_snapshot: Any) -> None:
    order = place(oms)
    other = place(oms)
    shipped = oms.create_shipment(other.uuid, "UPS", None)
    before = db_snapshot(oms.engine)
    with pytest.raises(RuntimeError, match="boom"), oms.transaction() as conn:
        oms.cancel_order(order.uuid, "Changed my mind", conn)  # statuses, stock, activity
        oms.add_order_activity_log(order.order_id, "Refund issued", True, conn)
        oms.mark_delivered(shipped.uuid, conn)
        oms.update_shipment(shipped.uuid, tracking_number="1Z", conn=conn)
        raise RuntimeError("boom")
    assert db_snapshot(oms.engine) == before


def test_a_refused_service_leaves_the_callers_transaction_usable(oms: ordermill.Oms) -> None:
    order = place(oms)
    with oms.transaction() as conn:
        oms.update_payment_status(order.order_id, "paid", conn)
        with pytest.raises(ordermill.OrderNotCancelable):
            oms.cancel_order(order.uuid, None, conn)
        oms.add_order_activity_log(order.order_id, "Cancel refused: paid", False, conn)
    full = oms.get_order(order.uuid)
    assert statuses(full) == ("paid", "pending", "processing")
    assert [a.message for a in full.activities or ()][-1] == "Cancel refused: paid"


def test_module_level_functions_take_the_callers_connection(
    default_oms: ordermill.Oms, db_snapshot: Any
) -> None:
    from ordermill import services

    order = place(default_oms)
    before = db_snapshot(default_oms.engine)
    with pytest.raises(RuntimeError), default_oms.transaction() as conn:
        services.update_payment_status(order.order_id, "paid", conn)
        services.create_shipment(order.uuid, "UPS", "1Z", conn)
        services.update_shipment_status(order.order_id, "delivered", conn)
        raise RuntimeError
    assert db_snapshot(default_oms.engine) == before
