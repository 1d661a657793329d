"""The event catalogue: every event type the outbox holds, under one naming scheme.

A type is ``ordermill.<subject>.<what happened>``, the subject being what the event
is about (``order``, ``shipment`` or ``return``); the CloudEvents envelope carries it as
``type``. Every payload names the order by ``order_id`` and ``order_uuid`` (the
envelope's ``subject``), and says what changed: statuses from and to, the
shipment and its items, the items and quantities restocked, the reason; and it ends
with ``actor``, who made the change (``domain/actor.py``: kind, id, name).

Invariant: a writer names an event only by one of the constants below, and
``CATALOGUE`` lists each of them exactly once, with its description and the
fields of its payload (``docs/events.md`` and ``docs/events/schemas/`` are
generated from the same scenario and pinned by ``tests/events``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ACTIVITY_ADDED",
    "CATALOGUE",
    "LEGACY_NAMES",
    "ORDER_CANCELED",
    "ORDER_IMPORTED",
    "ORDER_PLACED",
    "ORDER_REFUNDED",
    "ORDER_STATUS_CHANGED",
    "PAYMENT_RECORDED",
    "PAYMENT_STATUS_CHANGED",
    "RETURN_APPROVED",
    "RETURN_CANCELED",
    "RETURN_DECLINED",
    "RETURN_RECEIVED",
    "RETURN_REFUNDED",
    "RETURN_REQUESTED",
    "SHIPMENT_CANCELED",
    "SHIPMENT_CREATED",
    "SHIPMENT_DELIVERED",
    "SHIPMENT_STATUS_CHANGED",
    "SHIPMENT_UPDATED",
    "STATUS_CHANGED",
    "EventType",
]

ORDER_PLACED = "ordermill.order.placed"
ORDER_IMPORTED = "ordermill.order.imported"
ORDER_CANCELED = "ordermill.order.canceled"
PAYMENT_STATUS_CHANGED = "ordermill.order.payment_status_changed"
PAYMENT_RECORDED = "ordermill.order.payment_recorded"
ORDER_REFUNDED = "ordermill.order.refunded"
SHIPMENT_STATUS_CHANGED = "ordermill.order.shipment_status_changed"
ORDER_STATUS_CHANGED = "ordermill.order.status_changed"
ACTIVITY_ADDED = "ordermill.order.activity_added"
SHIPMENT_CREATED = "ordermill.shipment.created"
SHIPMENT_UPDATED = "ordermill.shipment.updated"
SHIPMENT_DELIVERED = "ordermill.shipment.delivered"
SHIPMENT_CANCELED = "ordermill.shipment.canceled"
RETURN_REQUESTED = "ordermill.return.requested"
RETURN_APPROVED = "ordermill.return.approved"
RETURN_DECLINED = "ordermill.return.declined"
RETURN_CANCELED = "ordermill.return.canceled"
RETURN_RECEIVED = "ordermill.return.received"
RETURN_REFUNDED = "ordermill.return.refunded"

# The event of a change of each status field (``Change.write``), by field.
STATUS_CHANGED = MappingProxyType(
    {
        "payment": PAYMENT_STATUS_CHANGED,
        "shipment": SHIPMENT_STATUS_CHANGED,
        "order": ORDER_STATUS_CHANGED,
    }
)


@dataclass(frozen=True, slots=True)
class EventType:
    type: str
    description: str
    fields: tuple[str, ...]  # the payload's keys, in the order writers put them


_ORDER = ("order_id", "order_uuid")
_STATUS = (*_ORDER, "from_status", "to_status")
_SHIPMENT = (
    *_ORDER,
    "shipment_id",
    "shipment_uuid",
    "carrier",
    "tracking_number",
    "tracking_url",
    "items",
)
_RETURN = (*_ORDER, "return_id", "return_uuid")
_TOTALS = ("customer_id", "customer_email", "grand_total", "currency")

CATALOGUE: tuple[EventType, ...] = (
    EventType(
        ORDER_PLACED,
        "An order was placed; its stock is taken.",
        (*_ORDER, "order_number", *_TOTALS, "payment_status", "shipment_status", "status", "items"),
    ),
    EventType(
        ORDER_IMPORTED,
        "An order was imported from a file (history: its stock is taken only on request).",
        (
            *_ORDER,
            "order_number",
            "external_reference",
            *_TOTALS,
            "payment_status",
            "shipment_status",
            "status",
        ),
    ),
    EventType(
        PAYMENT_RECORDED,
        "A money movement was recorded in the order's payment ledger (``kind``: authorization,"
        " capture, sale, void or refund; ``status``: succeeded or failed).",
        (
            *_ORDER,
            "payment_id",
            "kind",
            "status",
            "amount",
            "currency",
            "gateway",
            "reference",
        ),
    ),
    EventType(
        ORDER_REFUNDED,
        "Money was given back for some lines and shipping of the order (its ledger has the"
        " ``refund`` row ``payment_id``); ``lines`` name the units refunded and restocked,"
        " ``restocked`` the units put back into stock per SKU.",
        (
            *_ORDER,
            "refund_id",
            "payment_id",
            "amount",
            "shipping_amount",
            "currency",
            "reason",
            "lines",
            "restocked",
        ),
    ),
    EventType(
        PAYMENT_STATUS_CHANGED,
        "The order's payment status changed.",
        _STATUS,
    ),
    EventType(
        SHIPMENT_STATUS_CHANGED,
        "The order's shipment status (the rollup of its shipments) changed.",
        _STATUS,
    ),
    EventType(
        ORDER_STATUS_CHANGED,
        "The order status changed (it follows the payment and shipment statuses).",
        _STATUS,
    ),
    EventType(
        ORDER_CANCELED,
        "The order was canceled: open shipments canceled, undelivered units restocked.",
        (*_ORDER, "reason", "restocked"),
    ),
    EventType(
        ACTIVITY_ADDED,
        "A note was added to the order's activity log.",
        (*_ORDER, "activity_id", "message", "customer_notified"),
    ),
    EventType(
        SHIPMENT_CREATED,
        "A shipment of some units of the order was created (shipped).",
        _SHIPMENT,
    ),
    EventType(
        SHIPMENT_UPDATED,
        "A shipment's carrier or tracking number was corrected (``previous``: as they were).",
        (*_SHIPMENT, "previous"),
    ),
    EventType(
        SHIPMENT_DELIVERED,
        "A shipment was delivered.",
        _SHIPMENT,
    ),
    EventType(
        SHIPMENT_CANCELED,
        "A shipment was canceled; its units may be shipped again.",
        _SHIPMENT,
    ),
    EventType(
        RETURN_REQUESTED,
        "A return of some delivered units was requested (``requested_by``: staff or"
        " customer; ``lines``: the units asked back, with their reasons).",
        (*_RETURN, "requested_by", "reason", "lines"),
    ),
    EventType(
        RETURN_APPROVED,
        "A requested return was approved: its units are expected back.",
        _RETURN,
    ),
    EventType(
        RETURN_DECLINED,
        "A requested return was declined (``reason``: why); its units count no more.",
        (*_RETURN, "reason"),
    ),
    EventType(
        RETURN_CANCELED,
        "A requested or approved return was canceled; its units count no more.",
        _RETURN,
    ),
    EventType(
        RETURN_RECEIVED,
        "Units of a return arrived (one receipt; a return may have several): ``lines``"
        " with their condition and back-to-stock choice, ``restocked`` per managed SKU.",
        (*_RETURN, "lines", "restocked"),
    ),
    EventType(
        RETURN_REFUNDED,
        "A received return was refunded: ``refund_id`` names the refund of its received"
        " units (``ordermill.order.refunded``), ``amount`` what it gave back.",
        (*_RETURN, "refund_id", "amount", "currency"),
    ),
)

# The names events had before this catalogue, for a relay reading old outbox rows.
LEGACY_NAMES = MappingProxyType(
    {
        "order_placed": ORDER_PLACED,
        "order_imported": ORDER_IMPORTED,
        "order_canceled": ORDER_CANCELED,
        "payment_recorded": PAYMENT_RECORDED,
        "order_refunded": ORDER_REFUNDED,
        "payment_status_updated": PAYMENT_STATUS_CHANGED,
        "shipment_status_updated": SHIPMENT_STATUS_CHANGED,
        "order_status_updated": ORDER_STATUS_CHANGED,
        "activity_added": ACTIVITY_ADDED,
        "shipment_created": SHIPMENT_CREATED,
        "shipment_updated": SHIPMENT_UPDATED,
        "shipment_delivered": SHIPMENT_DELIVERED,
        "shipment_canceled": SHIPMENT_CANCELED,
    }
)
