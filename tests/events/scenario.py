"""The scenario whose outbox rows are the examples of ``docs/events.md``.

It runs through the library on a fresh SQLite database: place, pay, ship part of an
order, correct the tracking number, deliver, add a note; ship and cancel a shipment
of a second order, then cancel that order; import a third; return a delivered mug of a
fourth (and decline and cancel two more returns). Its outbox rows, read and
wrapped as the relay reads and wraps them (``ordermill.events``: the same store, the
same envelope), are made reproducible by replacing each uuid and time by a stable
stand-in (first seen, first numbered).
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ordermill
from ordermill.events.envelope import cloudevent
from ordermill.events.store import Store

__all__ = ["run_scenario", "stable"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_START = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)


def _act(oms: ordermill.Oms) -> None:
    oms.set_stock("MUG-BLUE", 120)
    oms.set_stock("TEA-GREEN", 40)
    mugs = {"sku": "MUG-BLUE", "qty": 2, "price": "12.50", "name": "Blue mug"}
    tea = {"sku": "TEA-GREEN", "qty": 3, "price": "4.20", "name": "Green tea"}
    order = oms.place_order(
        [mugs, tea], customer_email="ada@example.com", customer_id=42, shipping_fee="4.95"
    )
    oms.update_payment_status(order.order_id, "paid")
    mug_line = next(i for i in order.items or () if i.sku == "MUG-BLUE")
    shipment = oms.create_shipment(
        order.uuid,
        "UPS",
        "1Z999AA1012345678",
        items=[{"order_item_id": mug_line.order_item_id, "qty": 2}],
    )
    oms.update_shipment(shipment.uuid, tracking_number="1Z999AA10123456784")
    oms.mark_delivered(shipment.uuid)
    oms.add_order_activity_log(order.order_id, "Left with the neighbour", True)

    prepaid = oms.place_order([mugs], customer_email="mary@example.com")
    oms.record_payment(prepaid.uuid, "sale", "25.00", gateway="stripe", reference="ch_1")
    broken = (prepaid.items or ())[0].order_item_id
    oms.refund(
        prepaid.uuid,
        lines=[{"order_item_id": broken, "qty": 1, "restock": True}],
        reason="damaged",
        note="Arrived chipped",
    )

    other = oms.place_order([tea], customer_email="grace@example.com")
    sent = oms.create_shipment(other.uuid, "DHL", "JD014600006281234567")
    oms.cancel_shipment(sent.uuid)
    oms.cancel_order(other.uuid, "Customer changed their mind")

    line = {
        "external_reference": "LEGACY-7",
        "customer_email": "linus@example.com",
        "items": [{"sku": "TEA-GREEN", "qty": 1, "price": "4.20"}],
    }
    oms.import_orders(
        io.BytesIO(json.dumps(line).encode() + b"\n"), file_format="jsonl", source_name="legacy"
    )
    _returns(oms, mugs)


def _returns(oms: ordermill.Oms, mugs: dict[str, Any]) -> None:
    """A customer sends one of two delivered mugs back (approved, received back to stock,
    refunded); asking for the other is declined, and a third request canceled."""
    kept = oms.place_order([mugs], customer_email="ada@example.com", customer_id=42)
    oms.record_payment(kept.uuid, "sale", "25.00", gateway="stripe", reference="ch_2")
    oms.update_shipment_status(kept.uuid, "delivered")
    mug = (kept.items or ())[0].order_item_id
    asked = oms.request_return(
        kept.uuid,
        [{"order_item_id": mug, "qty": 1, "reason": "Too small"}],
        reason="customer_request",
        requested_by="customer",
    )
    oms.approve_return(asked.uuid)
    back = {"order_item_id": mug, "qty": 1, "condition": "unopened", "restock": True}
    oms.receive_return(asked.uuid, [back])
    oms.refund_return(asked.uuid)
    late = oms.request_return(kept.uuid, [{"order_item_id": mug, "qty": 1}])
    oms.decline_return(late.uuid, "Outside the 30-day return window")
    again = oms.request_return(kept.uuid, [{"order_item_id": mug, "qty": 1}])
    oms.cancel_return(again.uuid)


def run_scenario(directory: Path) -> list[dict[str, Any]]:
    """The scenario's events as CloudEvents, in outbox order, with stable uuids and times."""
    oms = ordermill.connect(f"sqlite:///{directory / 'scenario.db'}", plugins=None)
    try:
        oms.migrate()
        _act(oms)
        found = Store(oms.engine).read_batch((0, 0), 1000)
    finally:
        oms.close()
    return stable([cloudevent(e) for e in found])


def stable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events with each uuid replaced by a numbered one and each time by a fixed one
    (the attributes keep their order: ``id`` is put back where it was)."""
    uuids: dict[str, str] = {}

    def replace(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: replace(v) for k, v in value.items()}
        if isinstance(value, list):
            return [replace(v) for v in value]
        if isinstance(value, str) and _UUID.match(value):
            return uuids.setdefault(value, f"00000000-0000-4000-8000-{len(uuids) + 1:012d}")
        return value

    out = []
    for index, cloud_event in enumerate(events):
        # The event ids (stored uuids) get a series of their own: the nth event's id
        # ends in n, and the orders' and shipments' uuids keep their numbers.
        event_id = f"00000000-0000-4000-a000-{index + 1:012d}"
        cloud_event = {**replace({**cloud_event, "id": None}), "id": event_id}
        cloud_event["time"] = (_START + timedelta(seconds=index)).isoformat().replace("+00:00", "Z")
        out.append(cloud_event)
    return out
