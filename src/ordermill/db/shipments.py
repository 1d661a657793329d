"""Shipment rows: reading one with its items, correcting its carrier and tracking number.

Creating one is ``inserts.insert_shipment_with_items``; status changes are part of an
order's change (``change_statement.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.tables import shipment, shipment_item
from ordermill.domain.change import Change
from ordermill.domain.order_state import ShipmentState
from ordermill.domain.records import Shipment

__all__ = ["load_shipment", "update_shipment_row"]


def load_shipment(conn: Connection, uuid: str) -> Shipment | None:
    """The shipment with its items, or None when there is none."""
    found = conn.execute(
        sa.select(
            shipment,
            shipment_item.c.shipment_item_id,
            shipment_item.c.order_item_id,
            shipment_item.c.qty,
        )
        .select_from(shipment.outerjoin(shipment_item))
        .where(shipment.c.uuid == uuid)
        .order_by(shipment_item.c.shipment_item_id)
    ).all()
    if not found:
        return None
    items = [rows.shipment_item_from_row(r) for r in found if r.shipment_item_id is not None]
    return rows.shipment_from_row(found[0], items)


def update_shipment_row(
    tx: Connection, found: ShipmentState, values: dict[str, str | None], change: Change
) -> Shipment:
    """Write ``values`` (carrier, tracking number) on the shipment; returns it as it is now."""
    updated = tx.execute(
        shipment.update()
        .where(shipment.c.shipment_id == found.shipment_id)
        .values(**values, updated_at=change.now)
        .returning(*shipment.c)
    ).one()
    return rows.shipment_from_row(updated, list(found.item_records()))
