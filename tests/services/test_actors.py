"""Who did what: every change records its actor, on history, activities, shipments,
ledger rows and events; the system when nobody is named."""

from __future__ import annotations

from pathlib import Path

import pytest

import ordermill
from ordermill import Actor
from tests.services.shop import event_payloads, place, stock_up

ADA = Actor("staff", "7", "Ada (warehouse)")


def test_the_library_records_the_actor_it_is_given(oms: ordermill.Oms) -> None:
    stock_up(oms)
    order = place(oms)
    oms.update_payment_status(order.uuid, "paid", actor=ADA)
    oms.add_order_activity_log(order.uuid, "Checked by hand", actor=ADA)
    oms.create_shipment(order.uuid, "UPS", "1Z", actor=ADA)
    oms.record_payment(order.uuid, "sale", "1.00", actor=ADA)
    found = oms.get_order(order.uuid)
    placed_by = {h.actor for h in found.history or () if h.from_status is None}
    assert placed_by == {ordermill.records.Actor("system", None, "system")}
    later = [h.actor for h in found.history or () if h.from_status is not None]
    assert later and all(a == ADA for a in later)
    assert [a.actor for a in found.activities or () if a.message == "Checked by hand"] == [ADA]
    assert [s.actor for s in found.shipments or ()] == [ADA]
    assert [p.actor for p in oms.list_payments(order.uuid)] == [ADA]
    [paid] = event_payloads(oms, order.order_id, "ordermill.order.payment_status_changed")
    assert paid["actor"] == {"kind": "staff", "id": "7", "name": "Ada (warehouse)"}
    [placed] = event_payloads(oms, order.order_id, "ordermill.order.placed")
    assert placed["actor"]["kind"] == "system"


def test_a_failed_change_leaves_no_actor_behind_and_the_next_call_is_the_system(
    oms: ordermill.Oms,
) -> None:
    stock_up(oms)
    order = place(oms)
    with pytest.raises(ordermill.InvalidStatus):
        oms.update_payment_status(order.uuid, "no-such-status", actor=ADA)
    oms.add_order_activity_log(order.uuid, "After")
    found = oms.get_order(order.uuid)
    assert [a.actor.kind for a in found.activities or () if a.message == "After"] == ["system"]


def test_an_import_records_the_import_as_its_actor(oms: ordermill.Oms, tmp_path: Path) -> None:
    stock_up(oms)
    place(oms)
    path = tmp_path / "orders.jsonl"
    oms.export_orders(path)
    with oms.engine.begin() as conn:
        conn.exec_driver_sql('DELETE FROM "order"')
    oms.import_orders(path)
    order = oms.get_orders_base_query().first()
    assert order is not None
    found = oms.get_order(order.uuid)
    assert {h.actor.kind for h in found.history or ()} == {"import"}
    assert {h.actor.name for h in found.history or ()} == {"import of orders.jsonl"}
