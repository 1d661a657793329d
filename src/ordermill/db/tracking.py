"""Tracking link rows: stored by the SHA-256 of their token, never the token; and the read
behind the public tracking page, which does the same work for a wrong token as for a
right one."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.relations import load_relations
from ordermill.db.tables import order
from ordermill.db.tracking_tables import tracking_link
from ordermill.domain.order_ref import OrderRef, order_ref_keys
from ordermill.domain.order_ref import order_not_found as _order_not_found
from ordermill.domain.records import Order, TrackingLink

__all__ = ["TRACKED_RELATIONS", "find_tracked", "insert_link", "live_link", "revoke_live_link"]

# What the public page shows of an order (activities: only the customer-visible ones).
TRACKED_RELATIONS = ("items", "shipping_address", "shipments", "activities")

_link = tracking_link
_LIVE = sa.select(_link).where(
    _link.c.order_id == sa.bindparam("order_id"), _link.c.revoked_at.is_(None)
)
# Built once (see db/locks.py): the public page runs it for every request.
_BY_HASH = (
    sa.select(
        _link.c.token_hash.label("link_token_hash"),
        _link.c.expires_at.label("link_expires_at"),
        _link.c.revoked_at.label("link_revoked_at"),
        order,
    )
    .select_from(_link.join(order, order.c.order_id == _link.c.order_id))
    .where(_link.c.token_hash == sa.bindparam("token_hash"))
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# No order has id 0: relations of a wrong token are read for it, and find nothing.
_NO_ORDER = Order(
    order_id=0,
    uuid="",
    order_number="",
    external_reference=None,
    customer_id=None,
    customer_email="",
    customer_full_name=None,
    currency="USD",
    sub_total=Decimal(0),
    tax_amount=Decimal(0),
    shipping_fee=Decimal(0),
    discount_amount=Decimal(0),
    grand_total=Decimal(0),
    payment_method=None,
    shipping_method=None,
    payment_status="",
    shipment_status="",
    status="",
    created_at=_EPOCH,
    updated_at=_EPOCH,
)


def _link_from_row(row: Any, order_uuid: str) -> TrackingLink:
    return TrackingLink(
        link_id=row.link_id,
        order_id=row.order_id,
        order_uuid=order_uuid,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def revoke_live_link(
    tx: Connection, order_id: int, order_uuid: str, now: datetime
) -> TrackingLink | None:
    """Revoke the order's live link (the caller holds the order's lock); returns it as
    revoked, or None when the order had none."""
    row = tx.execute(_LIVE, {"order_id": order_id}).first()
    if row is None:
        return None
    tx.execute(_link.update().where(_link.c.link_id == row.link_id).values(revoked_at=now))
    return TrackingLink(
        link_id=row.link_id,
        order_id=order_id,
        order_uuid=order_uuid,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=now,
    )


def insert_link(
    tx: Connection, order_id: int, token_hash: str, now: datetime, expires_at: datetime | None
) -> int:
    """Insert a live link (the caller revoked the one before, under the order's lock)."""
    link_id = tx.execute(
        _link.insert()
        .values(order_id=order_id, token_hash=token_hash, created_at=now, expires_at=expires_at)
        .returning(_link.c.link_id)
    ).scalar_one()
    return int(link_id)


def live_link(conn: Connection, order_ref: OrderRef) -> tuple[Order, TrackingLink | None]:
    """The order and its live (unrevoked, perhaps expired) link; ``OrderNotFound`` if no
    order."""
    for column, value in order_ref_keys(order_ref):
        found = conn.execute(sa.select(order).where(order.c[column] == value)).first()
        if found is not None:
            break
    else:
        raise _order_not_found(order_ref)
    placed = rows.order_from_row(found)
    row = conn.execute(_LIVE, {"order_id": placed.order_id}).first()
    return placed, None if row is None else _link_from_row(row, placed.uuid)


def find_tracked(conn: Connection, token_hash: str) -> tuple[Any, Order]:
    """The link's row (``link_token_hash``, ``link_expires_at``, ``link_revoked_at``) or
    None, and its order with ``TRACKED_RELATIONS`` (customer-visible activities only).

    A hash that names no link reads the same relations for an order that does not
    exist: the same statements whichever the token, so the answer's timing does not
    tell a wrong token from a revoked or expired one.
    """
    row = conn.execute(_BY_HASH, {"token_hash": token_hash}).first()
    found = _NO_ORDER if row is None else rows.order_from_row(row)
    [loaded] = load_relations(conn, [found], TRACKED_RELATIONS, customer_visible_only=True)
    return row, loaded
