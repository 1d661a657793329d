"""An outbox event as a CloudEvents 1.0 envelope in structured mode (JSON).

Invariant: the envelope is a pure function of the outbox row, so a redelivered
event has the same ``id`` and a consumer de-duplicates on it. ``subject`` is the
order's uuid (the payload's ``order_uuid``), left out for an event about no order;
``time`` is when the change wrote its row (UTC, RFC 3339).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["DATACONTENTTYPE", "SOURCE", "SPECVERSION", "envelope"]

SPECVERSION = "1.0"
DATACONTENTTYPE = "application/json"
SOURCE = "/ordermill"


def envelope(
    event_id: str,
    type: str,
    subject: str | None,
    time: datetime,
    data: dict[str, Any],
    source: str = SOURCE,
) -> dict[str, Any]:
    """The structured-mode CloudEvent of one event (``data`` is its payload)."""
    if time.tzinfo is None:
        time = time.replace(tzinfo=UTC)
    stamp = time.astimezone(UTC).isoformat().replace("+00:00", "Z")
    document: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": event_id,
        "source": source,
        "type": type,
    }
    if subject is not None:  # CloudEvents: an optional attribute is absent, never null
        document["subject"] = subject
    document.update(time=stamp, datacontenttype=DATACONTENTTYPE, data=data)
    return document
