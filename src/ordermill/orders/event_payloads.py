"""The payloads of the shipment events (``domain.events``): the same fields whichever
service writes them, so a consumer reads every shipment event alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermill.domain.carriers import tracking_url
from ordermill.domain.config.carriers import CarrierDef
from ordermill.domain.order_state import ShipmentState

__all__ = ["shipment_data"]


def shipment_data(
    carriers: Mapping[str, CarrierDef], found: ShipmentState, updated: Any = None
) -> dict[str, Any]:
    """The shipment, its carrier, tracking number and tracking URL (from the ``carriers``
    registry; None for a carrier it does not know) and its items (``order_item_id``,
    ``qty``); with ``updated`` (the row an update returned) its new carrier and tracking
    number, and the ones it had as ``previous``."""
    data: dict[str, Any] = {
        "shipment_id": found.shipment_id,
        "shipment_uuid": found.uuid,
        "carrier": found.carrier,
        "tracking_number": found.tracking_number,
        "tracking_url": tracking_url(carriers, found.carrier, found.tracking_number),
        "items": [
            {"order_item_id": order_item_id, "qty": qty}
            for order_item_id, (_, qty) in sorted(found.items.items())
        ],
    }
    if updated is not None:
        data["previous"] = {"carrier": found.carrier, "tracking_number": found.tracking_number}
        data["carrier"] = updated.carrier
        data["tracking_number"] = updated.tracking_number
        data["tracking_url"] = tracking_url(carriers, updated.carrier, updated.tracking_number)
    return data
