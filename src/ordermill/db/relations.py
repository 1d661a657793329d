"""Load the relations of many orders at once: one query per relation, never one per order.

This is what an ORM's ``selectinload`` does, written once for Core. The
orders query builder's ``.with_(...)`` and the order detail read both use it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.returns import returned_qty
from ordermill.db.tables import (
    activity,
    address,
    customer,
    order_item,
    shipment,
    shipment_item,
    status_history,
)
from ordermill.domain.records import Order, OrderItem, Shipment

__all__ = ["RELATIONS", "load_relations"]

# The relations an order can carry, in the order they are loaded.
RELATIONS: tuple[str, ...] = (
    "items",
    "customer",
    "shipping_address",
    "billing_address",
    "shipments",
    "activities",
    "history",
)

_IDS: sa.BindParameter[Any] = sa.bindparam("ids", expanding=True)
# Built once: a statement object reused across calls keeps its memoized cache key, so
# SQLAlchemy neither rebuilds nor re-hashes it for every order read (see db/locks.py).
_ITEMS = (
    # With each line, the units its returns count (for the order detail's progress).
    sa.select(order_item, returned_qty(order_item.c.order_item_id).label("qty_returned"))
    .where(order_item.c.order_id.in_(_IDS))
    .order_by(order_item.c.order_item_id)
)
_ADDRESSES = sa.select(address).where(
    address.c.order_id.in_(_IDS), address.c.kind.in_(sa.bindparam("kinds", expanding=True))
)
_CUSTOMERS = sa.select(customer).where(
    customer.c.customer_id.in_(sa.bindparam("customer_ids", expanding=True))
)
_SHIPMENTS = (
    sa.select(
        shipment,
        shipment_item.c.shipment_item_id,
        shipment_item.c.order_item_id,
        shipment_item.c.qty,
    )
    .select_from(shipment.outerjoin(shipment_item))
    .where(shipment.c.order_id.in_(_IDS))
    .order_by(shipment.c.shipment_id, shipment_item.c.shipment_item_id)
)
_ACTIVITIES = {
    visible_only: sa.select(activity)
    .where(
        activity.c.order_id.in_(_IDS),
        *([activity.c.customer_notified.is_(True)] if visible_only else []),
    )
    .order_by(activity.c.activity_id)
    for visible_only in (False, True)
}
_HISTORY = (
    sa.select(status_history)
    .where(status_history.c.order_id.in_(_IDS))
    .order_by(status_history.c.history_id)
)

# Shipment statuses whose units count as still on their way, delivered, or released.
_DELIVERED = "delivered"
_CANCELED = "canceled"


def load_relations(
    conn: Connection,
    orders: Sequence[Order],
    names: Iterable[str],
    *,
    customer_visible_only: bool = False,
) -> list[Order]:
    """Return copies of ``orders`` with the named relations loaded.

    ``names`` must be a subset of ``RELATIONS`` (callers validate user input
    against it first). ``customer_visible_only`` keeps only activities whose
    ``customer_notified`` flag is set, for anything a customer reads.
    """
    wanted = set(names)
    unknown = wanted - set(RELATIONS)
    if unknown:
        raise ValueError(f"unknown relations {sorted(unknown)}; known: {', '.join(RELATIONS)}")
    if not orders or not wanted:
        return list(orders)
    ids = [o.order_id for o in orders]
    loaded: dict[str, dict[Any, Any]] = {}

    if "items" in wanted:
        loaded["items"] = _group(conn.execute(_ITEMS, {"ids": ids}), "order_id")
    if "shipping_address" in wanted or "billing_address" in wanted:
        kinds = [k for k in ("shipping", "billing") if f"{k}_address" in wanted]
        found = conn.execute(_ADDRESSES, {"ids": ids, "kinds": kinds})
        by_kind: dict[tuple[int, str], Any] = {(r.order_id, r.kind): r for r in found}
        loaded["addresses"] = by_kind
    if "customer" in wanted:
        customer_ids = sorted({o.customer_id for o in orders if o.customer_id is not None})
        loaded["customer"] = (
            {
                r.customer_id: rows.customer_from_row(r)
                for r in conn.execute(_CUSTOMERS, {"customer_ids": customer_ids})
            }
            if customer_ids
            else {}
        )
    if "shipments" in wanted:
        # Shipments and their items in one round trip: a LEFT JOIN, grouped here.
        joined = conn.execute(_SHIPMENTS, {"ids": ids})
        loaded["shipments"] = _shipments_by_order(joined)
    if "activities" in wanted:
        loaded["activities"] = _group(
            conn.execute(_ACTIVITIES[customer_visible_only], {"ids": ids}), "order_id"
        )
    if "history" in wanted:
        loaded["history"] = _group(conn.execute(_HISTORY, {"ids": ids}), "order_id")
    return [_attach(o, wanted, loaded) for o in orders]


def _group(result: Iterable[Any], key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in result:
        grouped[row._mapping[key]].append(row)
    return grouped


def _shipments_by_order(result: Iterable[Any]) -> dict[int, list[Shipment]]:
    by_order: dict[int, list[Shipment]] = defaultdict(list)
    current_id: int | None = None
    current_row: Any = None
    items: list[Any] = []

    def flush() -> None:
        if current_row is not None:
            by_order[current_row.order_id].append(rows.shipment_from_row(current_row, items))

    for row in result:
        if row.shipment_id != current_id:
            flush()
            current_id, current_row, items = row.shipment_id, row, []
        if row.shipment_item_id is not None:
            items.append(rows.shipment_item_from_row(row))
    flush()
    return by_order


def _attach(o: Order, wanted: set[str], loaded: dict[str, dict[Any, Any]]) -> Order:
    changes: dict[str, Any] = {}
    shipments: list[Shipment] | None = None
    if "shipments" in wanted:
        shipments = loaded["shipments"].get(o.order_id, [])
        changes["shipments"] = tuple(shipments)
    if "items" in wanted:
        changes["items"] = tuple(
            _item_with_progress(r, shipments) for r in loaded["items"].get(o.order_id, [])
        )
    for kind in ("shipping", "billing"):
        if f"{kind}_address" in wanted:
            found = loaded["addresses"].get((o.order_id, kind))
            changes[f"{kind}_address"] = rows.address_from_row(found) if found else None
    if "customer" in wanted:
        changes["customer"] = loaded["customer"].get(o.customer_id)
    if "activities" in wanted:
        changes["activities"] = tuple(
            rows.activity_from_row(r) for r in loaded["activities"].get(o.order_id, [])
        )
    if "history" in wanted:
        changes["history"] = tuple(
            rows.status_change_from_row(r) for r in loaded["history"].get(o.order_id, [])
        )
    return dataclasses.replace(o, **changes)


def _item_with_progress(row: Any, shipments: list[Shipment] | None) -> OrderItem:
    """An item, with its shipped, delivered and returned units when the shipments are at
    hand."""
    if shipments is None:
        return rows.item_from_row(row)
    shipped = delivered = 0
    for s in shipments:
        if s.status == _CANCELED:
            continue
        for si in s.items:
            if si.order_item_id == row.order_item_id:
                shipped += si.qty
                if s.status == _DELIVERED:
                    delivered += si.qty
    return rows.item_from_row(
        row,
        qty_shipped=shipped,
        qty_delivered=delivered,
        qty_returned=row.qty_returned,
    )
