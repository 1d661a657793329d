"""Statements per service, pinned so that a regression (a query per row, a lost RETURNING) shows.

Counted: every statement but transaction control, on both databases.
"""

from __future__ import annotations

from collections.abc import Callable

import ordermill
from ordermill.testing import count_statements
from tests.services.shop import item_ids, place


def _count(oms: ordermill.Oms, call: Callable[[], object]) -> int:
    with count_statements(oms.engine) as log:
        call()
    return log.count


def test_update_payment_status_lock_update_history_events(oms: ordermill.Oms) -> None:
    order = place(oms)
    assert _count(oms, lambda: oms.update_payment_status(order.order_id, "paid")) == 4
    assert _count(oms, lambda: oms.update_payment_status(order.order_id, "paid")) == 1


def test_add_order_activity_log_lock_insert_event(oms: ordermill.Oms) -> None:
    order = place(oms)
    assert _count(oms, lambda: oms.add_order_activity_log(order.order_id, "Hello")) == 3


def test_create_shipment_however_many_items(oms: ordermill.Oms) -> None:
    # lock, state, shipment, its items, order, history, activity, events
    order = place(oms)
    ids = item_ids(oms, order)
    one = [{"order_item_id": ids["MUG"], "qty": 1}]
    assert _count(oms, lambda: oms.create_shipment(order.uuid, "UPS", "1Z", items=one)) == 8
    assert _count(oms, lambda: oms.create_shipment(order.uuid, "UPS", "1Z")) == 8


def test_shipment_transitions(oms: ordermill.Oms) -> None:
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", None)
    # lock, state, shipment, activity, events
    assert _count(oms, lambda: oms.update_shipment(shipment.uuid, tracking_number="1Z")) == 5
    # lock, state, shipment, order, history, events
    assert _count(oms, lambda: oms.mark_delivered(shipment.uuid)) == 6
    assert _count(oms, lambda: oms.mark_delivered(shipment.uuid)) == 2
    other = place(oms)
    second = oms.create_shipment(other.uuid, "UPS", None)
    # lock, state, shipment, order, history, activity, events
    assert _count(oms, lambda: oms.cancel_shipment(second.uuid)) == 7


def test_update_shipment_status(oms: ordermill.Oms) -> None:
    order = place(oms)
    assert _count(oms, lambda: oms.update_shipment_status(order.order_id, "processing")) == 5
    # ... + shipment and items (as create_shipment)
    assert _count(oms, lambda: oms.update_shipment_status(order.order_id, "shipped")) == 8
    # lock, state, shipments (one UPDATE for all), order, history, events
    assert _count(oms, lambda: oms.update_shipment_status(order.order_id, "delivered")) == 6


def test_cancel_order_however_many_lines(oms: ordermill.Oms) -> None:
    # lock, state, inventory lock, items restocked, inventory, order, history, activity, events
    order = place(oms)
    assert _count(oms, lambda: oms.cancel_order(order.uuid, "Out of stock")) == 9


def test_reads(oms: ordermill.Oms) -> None:
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", None)
    assert _count(oms, lambda: oms.get_shipment(shipment.uuid)) == 1
    assert _count(oms, lambda: oms.list_shipments(order.uuid)) == 2
