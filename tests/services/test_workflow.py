"""The "Complete Order Workflow" of EverShop's OMS module services, line for line in Python."""

from __future__ import annotations

import ordermill
from ordermill.services import (
    add_order_activity_log,
    create_shipment,
    get_order,
    update_payment_status,
    update_shipment_status,
)
from tests.services.shop import events, place


def test_the_reference_order_workflow(default_oms: ordermill.Oms) -> None:
    placed = place(default_oms)
    order_id, order_uuid = placed.order_id, placed.uuid

    # 1. Payment received
    update_payment_status(order_id, "paid")
    add_order_activity_log(order_id, "Payment received and verified", True)

    # 2. Create shipment when ready to ship
    shipment = create_shipment(order_uuid, "UPS", "1Z999AA10123456784")
    add_order_activity_log(
        order_id,
        f"Order shipped via {shipment.carrier}. Tracking: {shipment.tracking_number}",
        True,
    )

    # 3. Update when delivered
    update_shipment_status(order_id, "delivered")
    add_order_activity_log(order_id, "Order delivered successfully", True)

    order = get_order(order_uuid)
    assert (order.payment_status, order.shipment_status, order.status) == (
        "paid",
        "delivered",
        "completed",
    )
    assert shipment.shipment_order_id == order_id
    assert (shipment.carrier, shipment.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert shipment.created_at is not None and shipment.shipped_at is not None
    [stored] = order.shipments or ()
    assert stored.status == "delivered" and stored.delivered_at is not None
    assert {(i.order_item_id, i.qty) for i in stored.items} == {
        (i.order_item_id, i.qty) for i in order.items or () if i.requires_shipping
    }
    assert [(a.message, a.customer_notified) for a in order.activities or ()] == [
        ("Order created", False),
        ("Payment received and verified", True),
        ("Order has been shipped (UPS, tracking number 1Z999AA10123456784)", False),
        ("Order shipped via UPS. Tracking: 1Z999AA10123456784", True),
        # Each delivered shipment logs itself, as its creation did.
        ("Order delivered (UPS, tracking number 1Z999AA10123456784)", False),
        ("Order delivered successfully", True),
    ]
    assert [(h.field, h.from_status, h.to_status) for h in order.history or ()][3:] == [
        ("payment", "pending", "paid"),
        ("order", "pending", "processing"),
        ("shipment", "pending", "shipped"),
        ("order", "processing", "shipped"),
        ("shipment", "shipped", "delivered"),
        ("order", "shipped", "completed"),
    ]
    assert events(default_oms, order_id) == [
        "ordermill.order.placed",
        "ordermill.order.payment_status_changed",
        "ordermill.order.status_changed",
        "ordermill.order.activity_added",
        "ordermill.shipment.created",
        "ordermill.order.shipment_status_changed",
        "ordermill.order.status_changed",
        "ordermill.order.activity_added",
        "ordermill.shipment.delivered",
        "ordermill.order.shipment_status_changed",
        "ordermill.order.status_changed",
        "ordermill.order.activity_added",
    ]
