"""Statements per service, pinned so that a regression (a query per row, a lost RETURNING) shows.

Counted: every statement but transaction control, on both databases. On PostgreSQL
a change's writes are one statement (db/change_statement.py) and an insert that
needs another's id joins it (db/inserts.py); SQLite sends one statement per table.
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


def _on(oms: ordermill.Oms, *, postgresql: int, sqlite: int) -> int:
    return postgresql if oms.engine.dialect.name == "postgresql" else sqlite


def test_update_payment_status_lock_update_history_events(oms: ordermill.Oms) -> None:
    order = place(oms)
    # lock; then the order, history and events (SQLite: one statement each)
    expected = _on(oms, postgresql=2, sqlite=4)
    assert _count(oms, lambda: oms.update_payment_status(order.order_id, "paid")) == expected
    assert _count(oms, lambda: oms.update_payment_status(order.order_id, "paid")) == 1


def test_add_order_activity_log_lock_insert_event(oms: ordermill.Oms) -> None:
    order = place(oms)
    # lock; the activity, its event and the order's version (SQLite: three statements;
    # on PostgreSQL the version update rides in the activity's statement as a CTE)
    expected = _on(oms, postgresql=2, sqlite=4)
    assert _count(oms, lambda: oms.add_order_activity_log(order.order_id, "Hello")) == expected


def test_create_shipment_however_many_items(oms: ordermill.Oms) -> None:
    # lock, state, shipment with its items, then order, history, activity and events
    # (SQLite: shipment, items, order, history, activity, events one by one)
    order = place(oms)
    ids = item_ids(oms, order)
    one = [{"order_item_id": ids["MUG"], "qty": 1}]
    expected = _on(oms, postgresql=4, sqlite=8)
    assert _count(oms, lambda: oms.create_shipment(order.uuid, "UPS", "1Z", items=one)) == expected
    assert _count(oms, lambda: oms.create_shipment(order.uuid, "UPS", "1Z")) == expected


def test_shipment_transitions(oms: ordermill.Oms) -> None:
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", None)
    # lock, state, shipment; then the order's version, activity and events (SQLite: the
    # version is one more statement; on PostgreSQL it is a part of the change statement)
    expected = _on(oms, postgresql=4, sqlite=6)
    assert _count(oms, lambda: oms.update_shipment(shipment.uuid, tracking_number="1Z")) == expected
    # lock, state; then shipment, order, history, activity ("Order delivered") and events
    expected = _on(oms, postgresql=3, sqlite=7)
    assert _count(oms, lambda: oms.mark_delivered(shipment.uuid)) == expected
    assert _count(oms, lambda: oms.mark_delivered(shipment.uuid)) == 2
    other = place(oms)
    second = oms.create_shipment(other.uuid, "UPS", None)
    # lock, state; then shipment, order, history, activity and events
    expected = _on(oms, postgresql=3, sqlite=7)
    assert _count(oms, lambda: oms.cancel_shipment(second.uuid)) == expected


def test_update_shipment_status(oms: ordermill.Oms) -> None:
    order = place(oms)
    expected = _on(oms, postgresql=3, sqlite=5)
    assert _count(oms, lambda: oms.update_shipment_status(order.order_id, "processing")) == expected
    # ... + shipment and items (as create_shipment)
    expected = _on(oms, postgresql=4, sqlite=8)
    assert _count(oms, lambda: oms.update_shipment_status(order.order_id, "shipped")) == expected
    # lock, state; then shipments (one UPDATE for all), order, history, activities and events
    expected = _on(oms, postgresql=3, sqlite=7)
    assert _count(oms, lambda: oms.update_shipment_status(order.order_id, "delivered")) == expected


def test_cancel_order_however_many_lines(oms: ordermill.Oms) -> None:
    # lock, state, inventory lock; then items restocked, inventory, order, history, activity
    # and events
    order = place(oms)
    expected = _on(oms, postgresql=4, sqlite=9)
    assert _count(oms, lambda: oms.cancel_order(order.uuid, "Out of stock")) == expected


def test_reads(oms: ordermill.Oms) -> None:
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", None)
    assert _count(oms, lambda: oms.get_shipment(shipment.uuid)) == 1
    assert _count(oms, lambda: oms.list_shipments(order.uuid)) == 2


def test_place_order_takes_stock_then_writes_through_the_change_seam(
    oms: ordermill.Oms,
) -> None:
    oms.set_stock("MUG-1", 10)
    oms.set_stock("MUG-2", 10)
    lines = [
        {"sku": "MUG-1", "qty": 1, "price": "4.00"},
        {"sku": "MUG-2", "qty": 2, "price": "5.00"},
        {"sku": "UNMANAGED", "qty": 1, "price": "1.00"},
    ]
    address = {"full_name": "Ada", "city": "London", "country": "GB"}

    def placed() -> object:
        return oms.place_order(
            lines,
            customer_email="ada@example.com",
            customer_id=7,
            shipping_address=address,
            billing_address=address,
        )

    # stock: lock, update; the customer; the order (RETURNING its id and number); the
    # lines; the addresses; then history, activity and event as one change. SQLite: the
    # change is three statements, and the lines one each (SQLite's driver cannot return
    # the ids of a multi-row insert in order, so SQLAlchemy sends them one by one)
    assert _count(oms, placed) == _on(oms, postgresql=7, sqlite=11)


def test_record_payment_lock_insert_with_totals_change(oms: ordermill.Oms) -> None:
    # lock; the ledger row with the order's totals (PostgreSQL: one statement, a CTE); then
    # the order, history, activity and events (SQLite: one statement each)
    order = place(oms)
    expected = _on(oms, postgresql=3, sqlite=7)
    assert _count(oms, lambda: oms.record_payment(order.uuid, "sale", "32.30")) == expected


def test_refund_however_many_lines(oms: ordermill.Oms) -> None:
    # lock, lines; inventory lock; ledger row with totals (PostgreSQL: one statement);
    # refund, its lines, their refunded units (one executemany); then items restocked,
    # inventory, order, history, activity and events (PostgreSQL: one statement)
    order = place(oms)
    oms.record_payment(order.uuid, "sale", "32.30")
    ids = item_ids(oms, order)
    lines = [{"order_item_id": ids[sku], "qty": 1, "restock": True} for sku in ("MUG", "TEA")]
    expected = _on(oms, postgresql=8, sqlite=15)
    assert _count(oms, lambda: oms.refund(order.uuid, lines=lines, reason="damaged")) == expected
    # No restock: no inventory lock, no restock writes.
    lines = [{"order_item_id": ids[sku], "qty": 1} for sku in ("MUG", "CARD", "EBOOK")]
    expected = _on(oms, postgresql=7, sqlite=13)
    assert _count(oms, lambda: oms.refund(order.uuid, lines=lines, reason="damaged")) == expected
