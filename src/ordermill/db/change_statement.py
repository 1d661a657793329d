"""The writes of one order change: ONE statement on PostgreSQL, one per table on SQLite.

A change to a locked order writes up to eight things: its shipments' statuses,
restocked units (order lines, then inventory), the order row, its status history,
its activity log and the outbox. One statement per table is one execution and one
round trip each, and on a busy two-core machine each costs more client CPU in the
driver stack than its rows. PostgreSQL runs data-modifying ``WITH`` parts exactly
once and to completion whether or not anything reads them, so every part but the
last becomes a CTE of the last one: one execution, one round trip, the same rows,
inside the caller's transaction and under the order's lock (the inventory rows are
locked by the caller before, in the global lock order of ``db/locks.py``).

Each part's rows travel as one JSON array (one call to the C JSON encoder; psycopg
would escape array elements one by one) that the server unnests, so a statement has
one shape per combination of parts whatever the number of rows: SQLAlchemy compiles
each shape once and psycopg prepares it. ``WITH ORDINALITY`` keeps history, activity
and outbox rows in the order given, so their ids follow it.

SQLite has no data-modifying CTEs; there every part is its own statement.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection

from ordermill.db.tables import (
    UtcDateTime,
    activity,
    event,
    inventory,
    order,
    order_item,
    shipment,
    status_history,
)

__all__ = ["PARTS", "ChangeWrites", "Part", "change_statement", "insert_events", "write_change"]

Part = Literal[
    "deliver_shipments",
    "cancel_shipments",
    "restock_items",
    "restock_inventory",
    "order",
    "history",
    "activities",
    "events",
]
# In this order in the statement, and on SQLite as statements: lines before inventory.
PARTS: tuple[Part, ...] = get_args(Part)


@dataclass(slots=True)
class ChangeWrites:
    """What one change writes; empty lists write nothing."""

    order_id: int
    now: datetime
    # (payment_status, shipment_status, status) when any of them changes.
    statuses: tuple[str, str, str] | None = None
    reason: str = ""
    history: list[tuple[str, str, str]] = field(default_factory=list)  # field, from, to
    activities: list[tuple[str, bool]] = field(default_factory=list)  # message, notified
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # name, payload
    delivered_shipments: list[int] = field(default_factory=list)
    canceled_shipments: list[int] = field(default_factory=list)
    restock_items: list[tuple[int, int]] = field(default_factory=list)  # order_item_id, qty
    restock_inventory: list[tuple[str, int]] = field(default_factory=list)  # sku, qty

    def parts(self) -> list[Part]:
        present = {
            "deliver_shipments": self.delivered_shipments,
            "cancel_shipments": self.canceled_shipments,
            "restock_items": self.restock_items,
            "restock_inventory": self.restock_inventory,
            "order": self.statuses,
            "history": self.history,
            "activities": self.activities,
            "events": self.events,
        }
        return [p for p in PARTS if present[p]]


def write_change(tx: Connection, writes: ChangeWrites) -> None:
    """Write ``writes``: one statement on PostgreSQL, one per part elsewhere."""
    parts = writes.parts()
    if not parts:
        return
    if tx.dialect.name == "postgresql":
        tx.execute(change_statement(parts), _one_statement_params(writes, parts))
    else:
        _write_per_table(tx, writes, parts)


# -- PostgreSQL: one statement -----------------------------------------------------


def _json_rows(name: str) -> Any:
    """``jsonb_array_elements(CAST(:name AS JSONB)) WITH ORDINALITY AS name(value, n)``."""
    rows = sa.cast(sa.bindparam(name, type_=sa.Text()), pg.JSONB())
    return (
        sa.func.jsonb_array_elements(rows)
        .table_valued(sa.column("value", pg.JSONB()), with_ordinality="n")
        .render_derived(name=name)
    )


def _unnest(name: str, *columns: tuple[str, sa.types.TypeEngine[Any]]) -> Any:
    """``unnest(:name_column::type[], ...) AS name(column, ...)``, for ids and codes
    (short values psycopg sends as arrays cheaply)."""
    arrays = [sa.bindparam(f"{name}_{c}", type_=pg.ARRAY(t)) for c, t in columns]
    return sa.func.unnest(*arrays).table_valued(*(c for c, _ in columns)).render_derived(name=name)


def _text(rows: Any, key: str) -> sa.ColumnElement[str]:
    """``rows.value ->> 'key'``; the key is a constant of this module, rendered inline."""
    value: sa.ColumnElement[Any] = rows.c.value
    return value.op("->>", return_type=sa.Text())(sa.literal_column(f"'{key}'"))


def _order_id() -> sa.BindParameter[Any]:
    return sa.bindparam("b_order_id", type_=sa.BigInteger())


def _now() -> sa.BindParameter[Any]:
    return sa.bindparam("b_now", type_=UtcDateTime())


def _set_shipments(status: str, stamp: str, ids: str) -> sa.Update:
    return (
        shipment.update()
        .where(
            shipment.c.shipment_id == sa.any_(sa.bindparam(ids, type_=pg.ARRAY(sa.BigInteger())))
        )
        .values({"status": status, stamp: _now(), "updated_at": _now()})
    )


def _part(part: Part) -> sa.Insert | sa.Update:
    if part == "deliver_shipments":
        return _set_shipments("delivered", "delivered_at", "deliver_shipments")
    if part == "cancel_shipments":
        return _set_shipments("canceled", "canceled_at", "cancel_shipments")
    if part == "restock_items":
        # Joined on the order's own lines (an index scan on order_id): how many rows an
        # unnest gives is unknown to the planner, which would otherwise hash-join a
        # sequential scan of every order line.
        r = _unnest("restock_items", ("id", sa.BigInteger()), ("qty", sa.Integer()))
        return (
            order_item.update()
            .where(order_item.c.order_item_id == r.c.id, order_item.c.order_id == _order_id())
            .values(qty_restocked=order_item.c.qty_restocked + r.c.qty)
        )
    if part == "restock_inventory":
        # The same reason: the SKUs also as "= ANY", which the primary key serves.
        r = _unnest("restock_inventory", ("sku", sa.Text()), ("qty", sa.BigInteger()))
        skus = sa.bindparam("restock_inventory_sku", type_=pg.ARRAY(sa.Text()))
        return (
            inventory.update()
            .where(inventory.c.sku == r.c.sku, inventory.c.sku == sa.any_(skus))
            .values(qty=inventory.c.qty + r.c.qty, updated_at=_now())
        )
    if part == "order":
        return (
            order.update()
            .where(order.c.order_id == _order_id())
            .values(
                payment_status=sa.bindparam("b_payment_status"),
                shipment_status=sa.bindparam("b_shipment_status"),
                status=sa.bindparam("b_status"),
                updated_at=_now(),
            )
        )
    if part == "history":
        h = _json_rows("history")
        return status_history.insert().from_select(
            ["order_id", "field", "from_status", "to_status", "reason", "changed_at"],
            sa.select(
                _order_id(),
                _text(h, "field"),
                _text(h, "from_status"),
                _text(h, "to_status"),
                sa.bindparam("b_reason", type_=sa.Text()),
                _now(),
            ).order_by(h.c.n),
        )
    if part == "activities":
        a = _json_rows("activities")
        return activity.insert().from_select(
            ["order_id", "message", "customer_notified", "created_at"],
            sa.select(
                _order_id(),
                _text(a, "message"),
                sa.cast(_text(a, "customer_notified"), sa.Boolean()),
                _now(),
            ).order_by(a.c.n),
        )
    e = _json_rows("events")
    return event.insert().from_select(
        ["name", "order_id", "payload", "created_at"],
        sa.select(
            _text(e, "name"),
            _order_id(),
            e.c.value.op("->", return_type=pg.JSONB())(sa.literal_column("'payload'")),
            _now(),
        ).order_by(e.c.n),
    )


@cache
def _statement(parts: tuple[Part, ...]) -> sa.Insert | sa.Update:
    *leading, last = [_part(p) for p in parts]
    if not leading:
        return last
    return last.add_cte(*(p.cte(f"w_{name}") for p, name in zip(leading, parts, strict=False)))


def change_statement(parts: Sequence[Part]) -> sa.Insert | sa.Update:
    """The one statement writing these parts, built once per combination (so that
    SQLAlchemy's cache key is memoized); parts are put in the module's fixed order."""
    wanted = set(parts)
    if not wanted or not wanted <= set(PARTS):
        raise ValueError(f"change_statement: parts must be some of {PARTS}, got {parts!r}")
    return _statement(tuple(p for p in PARTS if p in wanted))


def _one_statement_params(w: ChangeWrites, parts: list[Part]) -> dict[str, Any]:
    params: dict[str, Any] = {"b_order_id": w.order_id, "b_now": w.now}
    for part in parts:
        if part == "deliver_shipments":
            params[part] = w.delivered_shipments
        elif part == "cancel_shipments":
            params[part] = w.canceled_shipments
        elif part == "restock_items":
            params["restock_items_id"] = [i for i, _ in w.restock_items]
            params["restock_items_qty"] = [q for _, q in w.restock_items]
        elif part == "restock_inventory":
            params["restock_inventory_sku"] = [s for s, _ in w.restock_inventory]
            params["restock_inventory_qty"] = [q for _, q in w.restock_inventory]
        elif part == "order":
            assert w.statuses is not None
            params.update(
                b_payment_status=w.statuses[0],
                b_shipment_status=w.statuses[1],
                b_status=w.statuses[2],
            )
        elif part == "history":
            params["b_reason"] = w.reason
            params[part] = json.dumps(
                [{"field": f, "from_status": b, "to_status": a} for f, b, a in w.history]
            )
        elif part == "activities":
            params[part] = json.dumps(
                [{"message": m, "customer_notified": n} for m, n in w.activities]
            )
        else:
            params[part] = json.dumps([{"name": n, "payload": p} for n, p in w.events])
    return params


# -- SQLite (and any database without DML in WITH): one statement per table -------

# Built once: a statement object reused across calls keeps its memoized cache key.
_PER_TABLE: dict[Part, Any] = {
    "deliver_shipments": shipment.update().where(
        shipment.c.shipment_id.in_(sa.bindparam("b_ids", expanding=True))
    ),
    "restock_items": order_item.update()
    .where(order_item.c.order_item_id == sa.bindparam("b_id"))
    .values(qty_restocked=order_item.c.qty_restocked + sa.bindparam("b_qty")),
    "restock_inventory": inventory.update()
    .where(inventory.c.sku == sa.bindparam("b_sku"))
    .values(qty=inventory.c.qty + sa.bindparam("b_qty")),
    "order": order.update().where(order.c.order_id == sa.bindparam("b_order_id")),
    "history": status_history.insert(),
    "activities": activity.insert(),
    "events": event.insert(),
}
_PER_TABLE["cancel_shipments"] = _PER_TABLE["deliver_shipments"]


def insert_events(
    conn: Connection, events: Sequence[tuple[str, int | None, Any]], now: datetime
) -> None:
    """Outbox rows ``(name, order_id, payload)`` in one statement (a multi-row INSERT)."""
    conn.execute(
        _PER_TABLE["events"],
        [
            {"name": name, "order_id": order_id, "payload": payload, "created_at": now}
            for name, order_id, payload in events
        ],
    )


def _write_per_table(tx: Connection, w: ChangeWrites, parts: list[Part]) -> None:
    now, order_id = w.now, w.order_id
    for part in parts:
        stmt = _PER_TABLE[part]
        if part in ("deliver_shipments", "cancel_shipments"):
            delivered = part == "deliver_shipments"
            stamp = "delivered_at" if delivered else "canceled_at"
            ids = w.delivered_shipments if delivered else w.canceled_shipments
            status = "delivered" if delivered else "canceled"
            tx.execute(stmt, {"b_ids": ids, "status": status, stamp: now, "updated_at": now})
        elif part == "restock_items":
            tx.execute(stmt, [{"b_id": i, "b_qty": q} for i, q in w.restock_items])
        elif part == "restock_inventory":
            tx.execute(
                stmt, [{"b_sku": s, "b_qty": q, "updated_at": now} for s, q in w.restock_inventory]
            )
        elif part == "order":
            assert w.statuses is not None
            payment, shipment_status, status = w.statuses
            tx.execute(
                stmt,
                {
                    "b_order_id": order_id,
                    "payment_status": payment,
                    "shipment_status": shipment_status,
                    "status": status,
                    "updated_at": now,
                },
            )
        elif part == "history":
            tx.execute(
                stmt,
                [
                    {
                        "order_id": order_id,
                        "field": f,
                        "from_status": b,
                        "to_status": a,
                        "reason": w.reason,
                        "changed_at": now,
                    }
                    for f, b, a in w.history
                ],
            )
        elif part == "activities":
            tx.execute(
                stmt,
                [
                    {"order_id": order_id, "message": m, "customer_notified": n, "created_at": now}
                    for m, n in w.activities
                ],
            )
        else:
            insert_events(tx, [(name, order_id, payload) for name, payload in w.events], now)
