"""The CloudEvent of an outbox row, and the legacy-name mapping."""

from __future__ import annotations

import pytest

import ordermill
from ordermill.events.envelope import OutboxEvent, cloudevent, event_type
from ordermill.events.store import Store
from tests.events.conftest import make_orders


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("order_canceled", "ordermill.order.canceled"),
        ("order_placed", "ordermill.order.placed"),
        ("shipment_created", "ordermill.shipment.created"),
        ("payment_status_updated", "ordermill.order.payment_status_changed"),
        ("shipment_status_updated", "ordermill.order.shipment_status_changed"),
        ("order_status_updated", "ordermill.order.status_changed"),
        ("activity_added", "ordermill.order.activity_added"),
        ("ordermill.order.refunded", "ordermill.order.refunded"),
        ("order_noted", "ordermill.order.noted"),
        ("gift_wrapped", "ordermill.order.gift_wrapped"),
    ],
)
def test_event_type_maps_legacy_names(name: str, expected: str) -> None:
    assert event_type(name) == expected


def test_envelope_of_a_real_event(oms: ordermill.Oms) -> None:
    make_orders(oms, 1)
    events = Store(oms.engine).read_batch((0, 0), 100)
    assert [e.type for e in events][:1] == ["ordermill.order.placed"]
    assert len({e.event_uuid for e in events}) == len(events)
    order = oms.get_order(events[0].order_id or 0)
    for e in events:
        document = cloudevent(e, "/shop")
        assert document["specversion"] == "1.0"
        assert document["id"] == e.event_uuid and len(e.event_uuid) == 36
        assert document["source"] == "/shop"
        assert document["subject"] == str(order.uuid)
        assert document["time"].endswith("Z")
        assert document["datacontenttype"] == "application/json"
        assert document["data"] == e.payload


def test_subject_falls_back_to_the_order_id() -> None:
    from datetime import UTC, datetime

    e = OutboxEvent(1, 0, "0" * 32, "order_placed", {"order_id": 7}, 7, None, datetime.now(UTC))
    assert cloudevent(e)["subject"] == "7"
