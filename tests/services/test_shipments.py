"""Shipments: whole and partial, the rollup into the order's shipment status, transitions."""

from __future__ import annotations

from typing import Any

import pytest

import ordermill
from tests.services.shop import activities, event_payloads, events, item_ids, place, statuses


def _paid(oms: ordermill.Oms) -> ordermill.Order:
    order = place(oms)
    return oms.update_payment_status(order.order_id, "paid")


def test_a_shipment_takes_every_remaining_unit_that_requires_shipping(oms: ordermill.Oms) -> None:
    order = _paid(oms)
    ids = item_ids(oms, order)
    shipment = oms.create_shipment(order.uuid, "UPS", "1Z999AA10123456784")
    assert shipment.status == "shipped"
    assert shipment.shipped_at is not None and shipment.delivered_at is None
    assert {(i.order_item_id, i.qty) for i in shipment.items} == {
        (ids["MUG"], 2),
        (ids["TEA"], 1),
        (ids["CARD"], 1),
    }
    assert statuses(oms.get_order(order.uuid)) == ("paid", "shipped", "shipped")
    assert activities(oms, order.order_id)[-1] == (
        "Order has been shipped (UPS, tracking number 1Z999AA10123456784)",
        False,
    )
    [created] = event_payloads(oms, order.order_id, "ordermill.shipment.created")
    assert created["shipment_uuid"] == shipment.uuid
    assert created["carrier"] == "UPS"
    assert oms.get_shipment(shipment.uuid) == shipment


def test_carrier_and_tracking_number_may_be_none(oms: ordermill.Oms) -> None:
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "Local Pickup", None)
    assert (shipment.carrier, shipment.tracking_number) == ("Local Pickup", None)
    assert activities(oms, order.order_id)[-1] == ("Order has been shipped (Local Pickup)", False)
    other = place(oms)
    assert oms.create_shipment(other.order_id, None, None).carrier is None
    assert activities(oms, other.order_id)[-1] == ("Order has been shipped", False)


def test_an_unpaid_order_may_be_shipped(oms: ordermill.Oms) -> None:
    order = place(oms)  # cash on delivery: goods leave before the money arrives
    oms.create_shipment(order.uuid, "UPS", "1Z")
    assert statuses(oms.get_order(order.uuid)) == ("pending", "shipped", "pending")


def test_partial_shipments_roll_up_into_the_order(oms: ordermill.Oms) -> None:
    order = _paid(oms)
    ids = item_ids(oms, order)
    first = oms.create_shipment(
        order.uuid, "UPS", "1Z1", items=[{"order_item_id": ids["MUG"], "qty": 1}]
    )
    assert statuses(oms.get_order(order.uuid)) == ("paid", "partially_shipped", "processing")
    second = oms.create_shipment(order.uuid, "UPS", "1Z2")
    assert {(i.order_item_id, i.qty) for i in second.items} == {
        (ids["MUG"], 1),
        (ids["TEA"], 1),
        (ids["CARD"], 1),
    }
    assert statuses(oms.get_order(order.uuid)) == ("paid", "shipped", "shipped")
    oms.mark_delivered(first.uuid)
    assert statuses(oms.get_order(order.uuid)) == ("paid", "partially_delivered", "shipped")
    oms.mark_delivered(second.uuid)
    assert statuses(oms.get_order(order.uuid)) == ("paid", "delivered", "completed")
    full = oms.get_order(order.uuid)
    assert {i.sku: (i.qty_shipped, i.qty_delivered) for i in full.items or ()} == {
        "MUG": (2, 2),
        "TEA": (1, 1),
        "CARD": (1, 1),
        "EBOOK": (0, 0),
    }
    assert [s.uuid for s in oms.list_shipments(order.uuid)] == [first.uuid, second.uuid]
    assert [s.uuid for s in oms.list_shipments(order.order_id)] == [first.uuid, second.uuid]


def test_marking_a_delivered_shipment_again_changes_and_emits_nothing(
    oms: ordermill.Oms, db_snapshot: Any
) -> None:
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", "1Z")
    delivered = oms.mark_delivered(shipment.uuid)
    assert delivered.status == "delivered" and delivered.delivered_at is not None
    assert delivered.items == shipment.items
    before = db_snapshot(oms.engine)
    assert oms.mark_delivered(shipment.uuid) == delivered
    assert db_snapshot(oms.engine) == before
    assert events(oms, order.order_id).count("ordermill.shipment.delivered") == 1


def test_a_canceled_shipment_releases_its_units_for_another(oms: ordermill.Oms) -> None:
    order = _paid(oms)
    ids = item_ids(oms, order)
    kept = oms.create_shipment(
        order.uuid, "UPS", "1Z1", items=[{"order_item_id": ids["MUG"], "qty": 1}]
    )
    lost = oms.create_shipment(
        order.uuid, "UPS", "1Z2", items=[{"order_item_id": ids["TEA"], "qty": 1}]
    )
    canceled = oms.cancel_shipment(lost.uuid)
    assert canceled.status == "canceled" and canceled.canceled_at is not None
    assert statuses(oms.get_order(order.uuid)) == ("paid", "partially_shipped", "processing")
    assert activities(oms, order.order_id)[-1] == (
        "Shipment canceled (UPS, tracking number 1Z2)",
        False,
    )
    again = oms.create_shipment(
        order.uuid, "DHL", "JD1", items=[{"order_item_id": ids["TEA"], "qty": 1}]
    )
    assert again.items[0].qty == 1
    assert kept.status == "shipped"


def test_canceling_every_shipment_of_an_unshipped_order_leaves_it_partially_canceled(
    oms: ordermill.Oms, db_snapshot: Any
) -> None:
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", "1Z")
    oms.cancel_shipment(shipment.uuid)
    assert statuses(oms.get_order(order.uuid)) == ("pending", "partially_canceled", "pending")
    before = db_snapshot(oms.engine)
    assert oms.cancel_shipment(shipment.uuid).status == "canceled"  # again: a no-op
    assert db_snapshot(oms.engine) == before
    # Nothing is shipped any more, so the order is cancelable again.
    assert oms.cancel_order(order.uuid).status == "canceled"


def test_canceling_the_only_shipment_of_a_shipped_order_is_refused(oms: ordermill.Oms) -> None:
    """Design point: paid + shipped resolves to order status shipped, and paid +
    partially_canceled to processing; the order status flow only moves forward."""
    order = _paid(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", "1Z")
    with pytest.raises(ordermill.StatusTransitionError) as raised:
        oms.cancel_shipment(shipment.uuid)
    assert raised.value.details["from_status"] == "shipped"
    assert raised.value.details["to_status"] == "processing"
    assert oms.get_shipment(shipment.uuid).status == "shipped"


def test_update_shipment_corrects_carrier_and_tracking(
    oms: ordermill.Oms, db_snapshot: Any
) -> None:
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", "1Z-TYPO")
    fixed = oms.update_shipment(shipment.uuid, tracking_number="1Z999AA10123456784")
    assert (fixed.carrier, fixed.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert fixed.items == shipment.items
    assert activities(oms, order.order_id)[-1] == (
        "Shipment information updated (UPS, tracking number 1Z999AA10123456784)",
        False,
    )
    [updated] = event_payloads(oms, order.order_id, "ordermill.shipment.updated")
    assert updated["tracking_number"] == "1Z999AA10123456784"
    cleared = oms.update_shipment(shipment.uuid, carrier="DHL", tracking_number=None)
    assert (cleared.carrier, cleared.tracking_number) == ("DHL", None)
    before = db_snapshot(oms.engine)
    assert oms.update_shipment(shipment.uuid, carrier=" DHL ") == cleared
    assert db_snapshot(oms.engine) == before


def test_delivered_shipments_may_still_be_corrected(oms: ordermill.Oms) -> None:
    order = place(oms)
    shipment = oms.mark_delivered(oms.create_shipment(order.uuid, "UPS", None).uuid)
    assert oms.update_shipment(shipment.uuid, tracking_number="1Z").status == "delivered"


class TestOrderLevelShipmentStatus:
    """update_shipment_status(order, status) on top of shipments."""

    def test_pending_and_processing_are_stored_while_nothing_is_shipped(
        self, oms: ordermill.Oms, db_snapshot: Any
    ) -> None:
        order = _paid(oms)
        processing = oms.update_shipment_status(order.order_id, "processing")
        assert statuses(processing) == ("paid", "processing", "processing")
        before = db_snapshot(oms.engine)
        oms.update_shipment_status(order.order_id, "processing")
        assert db_snapshot(oms.engine) == before
        assert oms.update_shipment_status(order.uuid, "pending").shipment_status == "pending"

    def test_shipped_ships_every_remaining_unit(self, oms: ordermill.Oms) -> None:
        order = _paid(oms)
        ids = item_ids(oms, order)
        oms.create_shipment(
            order.uuid, "UPS", "1Z", items=[{"order_item_id": ids["MUG"], "qty": 1}]
        )
        shipped = oms.update_shipment_status(order.order_id, "shipped")
        assert statuses(shipped) == ("paid", "shipped", "shipped")
        [_, rest] = oms.list_shipments(order.order_id)
        assert {(i.order_item_id, i.qty) for i in rest.items} == {
            (ids["MUG"], 1),
            (ids["TEA"], 1),
            (ids["CARD"], 1),
        }
        assert rest.carrier is None
        # Nothing left to ship and open shipments: shipped again is a no-op.
        assert oms.update_shipment_status(order.order_id, "shipped") == shipped

    def test_delivered_delivers_open_shipments_and_the_rest(self, oms: ordermill.Oms) -> None:
        order = _paid(oms)
        ids = item_ids(oms, order)
        first = oms.create_shipment(
            order.uuid, "UPS", "1Z", items=[{"order_item_id": ids["TEA"], "qty": 1}]
        )
        delivered = oms.update_shipment_status(order.order_id, "delivered")
        assert statuses(delivered) == ("paid", "delivered", "completed")
        shipments = oms.list_shipments(order.order_id)
        assert [s.status for s in shipments] == ["delivered", "delivered"]
        assert shipments[0].uuid == first.uuid
        assert events(oms, order.order_id).count("ordermill.shipment.delivered") == 2

    def test_canceled_cancels_the_open_shipments(self, oms: ordermill.Oms) -> None:
        order = place(oms)
        ids = item_ids(oms, order)
        oms.create_shipment(
            order.uuid, "UPS", "1Z", items=[{"order_item_id": ids["TEA"], "qty": 1}]
        )
        delivered = oms.create_shipment(
            order.uuid, "UPS", "1Z", items=[{"order_item_id": ids["CARD"], "qty": 1}]
        )
        oms.mark_delivered(delivered.uuid)
        result = oms.update_shipment_status(order.order_id, "canceled")
        assert statuses(result) == ("pending", "partially_delivered", "pending")
        assert [s.status for s in oms.list_shipments(order.order_id)] == ["canceled", "delivered"]

    def test_an_order_with_nothing_to_ship_stores_the_status(self, oms: ordermill.Oms) -> None:
        order = place(oms, [{"sku": "EBOOK", "qty": 1, "price": "7", "requires_shipping": False}])
        oms.update_payment_status(order.order_id, "paid")
        assert statuses(oms.update_shipment_status(order.order_id, "delivered")) == (
            "paid",
            "delivered",
            "completed",
        )
        assert oms.list_shipments(order.order_id) == []
        with pytest.raises(ordermill.InvalidShipmentItems, match="requires shipping"):
            oms.create_shipment(order.uuid, "UPS", None)

    def test_canceled_on_a_canceled_order_is_a_no_op(
        self, oms: ordermill.Oms, db_snapshot: Any
    ) -> None:
        order = place(oms)
        oms.cancel_order(order.uuid)
        before = db_snapshot(oms.engine)
        assert oms.update_shipment_status(order.order_id, "canceled").status == "canceled"
        assert db_snapshot(oms.engine) == before
