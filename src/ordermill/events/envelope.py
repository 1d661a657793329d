"""One outbox row as a CloudEvents 1.0 event, in structured-mode JSON, for every destination.

::

    {"specversion": "1.0", "id": "<event.event_uuid>", "type": "ordermill.order.canceled",
     "source": "/ordermill", "subject": "<order uuid, else order id>",
     "time": "2026-12-01T10:00:00.123456Z", "datacontenttype": "application/json",
     "data": {...the outbox payload...}}

``id`` is the row's stored ``event_uuid`` (see migration 0004 for why it is stored
rather than derived), so every redelivery of an event carries the same id and
consumers deduplicate on it (NATS ``Nats-Msg-Id``, the ``webhook-id`` header).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

__all__ = ["DEFAULT_SOURCE", "Envelope", "OutboxEvent", "event_type"]

DEFAULT_SOURCE = "/ordermill"
_PREFIX = "ordermill."

# Legacy outbox names whose CloudEvent type is not "<entity>_<verb>" read as written.
_RENAMED = {
    "activity_added": "ordermill.order.activity_added",
    "order_status_updated": "ordermill.order.status_changed",
}
_ENTITIES = ("order", "shipment")


def event_type(name: str) -> str:
    """The CloudEvent type of an outbox event name.

    ``order_canceled`` → ``ordermill.order.canceled``; ``shipment_created`` →
    ``ordermill.shipment.created``; ``payment_status_updated`` →
    ``ordermill.order.payment_status_changed`` (status changes belong to the order);
    a name already starting with ``ordermill.`` is returned unchanged.
    """
    if name.startswith(_PREFIX):
        return name
    if name in _RENAMED:
        return _RENAMED[name]
    if name.endswith("_status_updated"):
        return f"ordermill.order.{name.removesuffix('_updated')}_changed"
    entity, _, verb = name.partition("_")
    if entity in _ENTITIES and verb:
        return f"ordermill.{entity}.{verb}"
    return f"ordermill.order.{name}"


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A committed outbox row, with its position ``(txid, event_id)`` in delivery order."""

    event_id: int
    txid: int
    event_uuid: str
    name: str
    payload: dict[str, Any]
    order_id: int | None
    order_uuid: str | None
    created_at: datetime

    @property
    def position(self) -> tuple[int, int]:
        return (self.txid, self.event_id)

    @property
    def type(self) -> str:
        return event_type(self.name)


@dataclass(frozen=True, slots=True)
class Envelope:
    """The CloudEvent of one outbox event, and its JSON body (encoded once)."""

    event: OutboxEvent
    id: str
    type: str
    body: bytes

    @classmethod
    def of(cls, event: OutboxEvent, source: str = DEFAULT_SOURCE) -> Envelope:
        document = cloudevent(event, source)
        return cls(event, document["id"], document["type"], msgspec.json.encode(document))

    def document(self) -> dict[str, Any]:
        """A fresh copy of the CloudEvent as a dict (for in-process subscribers)."""
        decoded: dict[str, Any] = msgspec.json.decode(self.body)
        return decoded


def _subject(event: OutboxEvent) -> str | None:
    uuid = event.payload.get("uuid") or event.payload.get("order_uuid") or event.order_uuid
    if uuid:
        return str(uuid)
    return None if event.order_id is None else str(event.order_id)


def _time(value: datetime) -> str:
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc.isoformat().replace("+00:00", "Z")


def cloudevent(event: OutboxEvent, source: str = DEFAULT_SOURCE) -> dict[str, Any]:
    """The CloudEvent as a dict (``subject`` left out when the event has no order)."""
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(event.event_uuid),
        "type": event.type,
        "source": source,
        "time": _time(event.created_at),
        "datacontenttype": "application/json",
        "data": event.payload,
    }
    subject = _subject(event)
    if subject is not None:
        document["subject"] = subject
    return document
