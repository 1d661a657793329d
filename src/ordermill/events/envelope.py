"""One outbox row as a CloudEvents 1.0 event, in structured-mode JSON, for every destination.

::

    {"specversion": "1.0", "id": "<event.event_uuid>", "source": "/ordermill",
     "type": "ordermill.order.canceled", "subject": "<the payload's order_uuid>",
     "time": "2026-12-01T10:00:00.123456Z", "datacontenttype": "application/json",
     "data": {...the outbox payload...}}

The envelope itself is ``ordermill.domain.cloudevents.envelope`` and the types are
the catalogue's (``ordermill.domain.events``): the library writes them as outbox
names, and a row written before the catalogue has its old name mapped through
``LEGACY_NAMES``. ``id`` is the row's stored ``event_uuid`` (see migration 0004 for
why it is stored rather than derived), so every redelivery of an event carries the
same id and consumers deduplicate on it (NATS ``Nats-Msg-Id``, the ``webhook-id``
header).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from ordermill.domain.cloudevents import SOURCE, envelope
from ordermill.domain.events import LEGACY_NAMES

__all__ = ["DEFAULT_SOURCE", "Envelope", "OutboxEvent", "event_type"]

DEFAULT_SOURCE = SOURCE
_PREFIX = "ordermill."
_ENTITIES = ("order", "shipment")


def event_type(name: str) -> str:
    """The CloudEvent type of an outbox event name.

    A catalogue type (``ordermill.order.canceled``) as written; a name from before
    the catalogue (``order_canceled``, ``payment_status_updated``) by ``LEGACY_NAMES``.
    Any other name (a row an application wrote itself) still gets a type under
    ``ordermill.``, which every destination relies on (the NATS stream's subjects):
    ``<order|shipment>_<what>`` becomes ``ordermill.<order|shipment>.<what>``, anything
    else ``ordermill.order.<name>``.
    """
    if name.startswith(_PREFIX):
        return name
    legacy = LEGACY_NAMES.get(name)
    if legacy is not None:
        return legacy
    entity, _, what = name.partition("_")
    if entity in _ENTITIES and what:
        return f"{_PREFIX}{entity}.{what}"
    return f"{_PREFIX}order.{name}"


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
    """The order's uuid: every payload names it as ``order_uuid``; a row from before the
    catalogue may not (its order's uuid, else its id, stands in)."""
    uuid = event.payload.get("order_uuid") or event.payload.get("uuid") or event.order_uuid
    if uuid:
        return str(uuid)
    return None if event.order_id is None else str(event.order_id)


def cloudevent(event: OutboxEvent, source: str = DEFAULT_SOURCE) -> dict[str, Any]:
    """The CloudEvent as a dict (``subject`` left out when the event has no order)."""
    return envelope(
        str(event.event_uuid),
        event.type,
        _subject(event),
        event.created_at,
        event.payload,
        source=source,
    )
