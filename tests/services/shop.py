"""A small shop for the service tests: stock, a standard order, and what the database holds."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ordermill
from ordermill.db.tables import activity, event, inventory, order_item, status_history
from ordermill.domain.records import Order

# SKU -> stock at the start; "CARD" has no inventory row (unmanaged), "EBOOK" is digital.
STOCK = {"MUG": 10, "TEA": 5, "EBOOK": 3}
LINES: list[dict[str, Any]] = [
    {"sku": "MUG", "qty": 2, "price": "9.90"},
    {"sku": "TEA", "qty": 1, "price": "4.50"},
    {"sku": "CARD", "qty": 1, "price": "1.00"},
    {"sku": "EBOOK", "qty": 1, "price": "7.00", "requires_shipping": False},
]


def stock_up(oms: ordermill.Oms, stock: dict[str, int] | None = None) -> None:
    for sku, qty in (stock or STOCK).items():
        oms.set_stock(sku, qty)


def place(oms: ordermill.Oms, lines: list[dict[str, Any]] | None = None) -> Order:
    """The standard order (stocked first if its SKUs have no stock yet)."""
    with oms.engine.connect() as c:
        empty = c.execute(sa.select(sa.func.count()).select_from(inventory)).scalar() == 0
    if empty:
        stock_up(oms)
    return oms.place_order(lines or LINES, customer_email="ada@example.com")


def item_ids(oms: ordermill.Oms, placed: Order) -> dict[str, int]:
    """order_item_id by SKU."""
    with oms.engine.connect() as c:
        found = c.execute(
            sa.select(order_item.c.sku, order_item.c.order_item_id).where(
                order_item.c.order_id == placed.order_id
            )
        )
        return {r.sku: r.order_item_id for r in found}


def stock(oms: ordermill.Oms) -> dict[str, int]:
    with oms.engine.connect() as c:
        return {r.sku: r.qty for r in c.execute(sa.select(inventory.c.sku, inventory.c.qty))}


def events(oms: ordermill.Oms, order_id: int) -> list[str]:
    with oms.engine.connect() as c:
        found = c.execute(
            sa.select(event.c.name).where(event.c.order_id == order_id).order_by(event.c.event_id)
        )
        return list(found.scalars())


def event_payloads(oms: ordermill.Oms, order_id: int, name: str) -> list[dict[str, Any]]:
    with oms.engine.connect() as c:
        found = c.execute(
            sa.select(event.c.payload)
            .where(event.c.order_id == order_id, event.c.name == name)
            .order_by(event.c.event_id)
        )
        return list(found.scalars())


def activities(oms: ordermill.Oms, order_id: int) -> list[tuple[str, bool]]:
    with oms.engine.connect() as c:
        found = c.execute(
            sa.select(activity.c.message, activity.c.customer_notified)
            .where(activity.c.order_id == order_id)
            .order_by(activity.c.activity_id)
        )
        return [(m, bool(n)) for m, n in found]


def history(oms: ordermill.Oms, order_id: int) -> list[tuple[str, str | None, str]]:
    with oms.engine.connect() as c:
        found = c.execute(
            sa.select(
                status_history.c.field, status_history.c.from_status, status_history.c.to_status
            )
            .where(status_history.c.order_id == order_id)
            .order_by(status_history.c.history_id)
        )
        return [(f, a, b) for f, a, b in found]


def statuses(order: Order) -> tuple[str, str, str]:
    return (order.payment_status, order.shipment_status, order.status)
