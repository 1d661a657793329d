"""The writes of one order change: ONE statement on PostgreSQL, one per table on SQLite.

A change to a locked order writes up to eight things: its shipments' statuses,
restocked units (order lines, then inventory), the order row (always: its
``version`` goes up by one with every change), its status history, its activity
log and the outbox. One statement per table is one execution and one
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

Each part is defined once, in ``_PARTS``: where its rows are in the plan, its
PostgreSQL statement and parameters, its SQLite statement and parameters.
Adding a part is adding one entry there (in its place in the statement's order).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection

from ordermill.db.outbox import SQLITE_EVENTS, event_rows, with_actor
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
from ordermill.domain.change import ChangePlan

__all__ = ["PARTS", "Part", "change_statement", "write_change"]

# A part's name: one of PARTS.
Part = str
Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Part:
    """One thing a change writes, on both databases."""

    # What the plan holds for this part; the part is written when it is not empty.
    rows: Callable[[ChangePlan], object]
    # PostgreSQL: the statement (a CTE of the last part's) and its parameters.
    statement: Callable[[], sa.Insert | sa.Update]
    params: Callable[[ChangePlan], Params]
    # SQLite: the statement, built once (its memoized cache key is reused across
    # calls), and its parameters: one dict, or a list of them for executemany.
    sqlite: Any
    sqlite_params: Callable[[ChangePlan], Params | list[Params]]


# -- PostgreSQL: one statement ------------------------------------------------------


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


_ACTOR = ("actor", "actor_name")


def _actor() -> tuple[sa.BindParameter[Any], sa.BindParameter[Any]]:
    """The change's actor (one for all its rows): its key and name."""
    return (
        sa.bindparam("b_actor", type_=sa.Text()),
        sa.bindparam("b_actor_name", type_=sa.Text()),
    )


def _actor_params(w: ChangePlan) -> Params:
    return {"b_actor": w.actor.ref, "b_actor_name": w.actor.name}


def _set_shipments(status: str, stamp: str, ids: str) -> sa.Update:
    return (
        shipment.update()
        .where(
            shipment.c.shipment_id == sa.any_(sa.bindparam(ids, type_=pg.ARRAY(sa.BigInteger())))
        )
        .values({"status": status, stamp: _now(), "updated_at": _now()})
    )


def _restock_items() -> sa.Update:
    # Joined on the order's own lines (an index scan on order_id): how many rows an
    # unnest gives is unknown to the planner, which would otherwise hash-join a
    # sequential scan of every order line.
    r = _unnest("restock_items", ("id", sa.BigInteger()), ("qty", sa.Integer()))
    return (
        order_item.update()
        .where(order_item.c.order_item_id == r.c.id, order_item.c.order_id == _order_id())
        .values(qty_restocked=order_item.c.qty_restocked + r.c.qty)
    )


def _restock_inventory() -> sa.Update:
    # The same reason: the SKUs also as "= ANY", which the primary key serves.
    r = _unnest("restock_inventory", ("sku", sa.Text()), ("qty", sa.BigInteger()))
    skus = sa.bindparam("restock_inventory_sku", type_=pg.ARRAY(sa.Text()))
    return (
        inventory.update()
        .where(inventory.c.sku == r.c.sku, inventory.c.sku == sa.any_(skus))
        .values(qty=inventory.c.qty + r.c.qty, updated_at=_now())
    )


def _order() -> sa.Update:
    return (
        order.update()
        .where(order.c.order_id == _order_id())
        .values(
            payment_status=sa.bindparam("b_payment_status"),
            shipment_status=sa.bindparam("b_shipment_status"),
            status=sa.bindparam("b_status"),
            updated_at=_now(),
            version=order.c.version + 1,
        )
    )


def _history() -> sa.Insert:
    h = _json_rows("history")
    return status_history.insert().from_select(
        ["order_id", "field", "from_status", "to_status", "reason", "changed_at", *_ACTOR],
        sa.select(
            _order_id(),
            _text(h, "field"),
            _text(h, "from_status"),
            _text(h, "to_status"),
            sa.bindparam("b_reason", type_=sa.Text()),
            _now(),
            *_actor(),
        ).order_by(h.c.n),
    )


def _activities() -> sa.Insert:
    a = _json_rows("activities")
    return activity.insert().from_select(
        ["order_id", "message", "customer_notified", "created_at", *_ACTOR],
        sa.select(
            _order_id(),
            _text(a, "message"),
            sa.cast(_text(a, "customer_notified"), sa.Boolean()),
            _now(),
            *_actor(),
        ).order_by(a.c.n),
    )


def _events() -> sa.Insert:
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


def _statuses(w: ChangePlan) -> tuple[str, str, str]:
    assert w.statuses is not None
    return w.statuses


# -- SQLite (and any database without DML in WITH): one statement per table --------

_SQLITE_SET_SHIPMENTS = shipment.update().where(
    shipment.c.shipment_id.in_(sa.bindparam("b_ids", expanding=True))
)


def _shipments_part(
    status: str, stamp: str, name: str, ids: Callable[[ChangePlan], list[int]]
) -> _Part:
    return _Part(
        rows=ids,
        statement=lambda: _set_shipments(status, stamp, name),
        params=lambda w: {name: ids(w)},
        sqlite=_SQLITE_SET_SHIPMENTS,
        sqlite_params=lambda w: {
            "b_ids": ids(w),
            "status": status,
            stamp: w.now,
            "updated_at": w.now,
        },
    )


# The parts in the order of the statement (and of the SQLite statements: lines before
# inventory).
_PARTS: dict[Part, _Part] = {
    "deliver_shipments": _shipments_part(
        "delivered", "delivered_at", "deliver_shipments", lambda w: w.delivered_shipments
    ),
    "cancel_shipments": _shipments_part(
        "canceled", "canceled_at", "cancel_shipments", lambda w: w.canceled_shipments
    ),
    "restock_items": _Part(
        rows=lambda w: w.restock_items,
        statement=_restock_items,
        params=lambda w: {
            "restock_items_id": [i for i, _ in w.restock_items],
            "restock_items_qty": [q for _, q in w.restock_items],
        },
        sqlite=order_item.update()
        .where(order_item.c.order_item_id == sa.bindparam("b_id"))
        .values(qty_restocked=order_item.c.qty_restocked + sa.bindparam("b_qty")),
        sqlite_params=lambda w: [{"b_id": i, "b_qty": q} for i, q in w.restock_items],
    ),
    "restock_inventory": _Part(
        rows=lambda w: w.restock_inventory,
        statement=_restock_inventory,
        params=lambda w: {
            "restock_inventory_sku": [s for s, _ in w.restock_inventory],
            "restock_inventory_qty": [q for _, q in w.restock_inventory],
        },
        sqlite=inventory.update()
        .where(inventory.c.sku == sa.bindparam("b_sku"))
        .values(qty=inventory.c.qty + sa.bindparam("b_qty")),
        sqlite_params=lambda w: [
            {"b_sku": s, "b_qty": q, "updated_at": w.now} for s, q in w.restock_inventory
        ],
    ),
    "order": _Part(
        rows=lambda w: w.statuses,
        statement=_order,
        params=lambda w: dict(
            zip(("b_payment_status", "b_shipment_status", "b_status"), _statuses(w), strict=True)
        ),
        sqlite=order.update()
        .where(order.c.order_id == sa.bindparam("b_order_id"))
        .values(version=order.c.version + 1),
        sqlite_params=lambda w: {
            "b_order_id": w.order_id,
            **dict(zip(("payment_status", "shipment_status", "status"), _statuses(w), strict=True)),
            "updated_at": w.now,
        },
    ),
    "history": _Part(
        rows=lambda w: w.history,
        statement=_history,
        params=lambda w: {
            "b_reason": w.reason,
            **_actor_params(w),
            "history": json.dumps(
                [{"field": f, "from_status": b, "to_status": a} for f, b, a in w.history]
            ),
        },
        sqlite=status_history.insert(),
        sqlite_params=lambda w: [
            {
                "order_id": w.order_id,
                "field": f,
                "from_status": b,
                "to_status": a,
                "reason": w.reason,
                "changed_at": w.now,
                "actor": w.actor.ref,
                "actor_name": w.actor.name,
            }
            for f, b, a in w.history
        ],
    ),
    "activities": _Part(
        rows=lambda w: w.activities,
        statement=_activities,
        params=lambda w: {
            **_actor_params(w),
            "activities": json.dumps(
                [{"message": m, "customer_notified": n} for m, n in w.activities]
            ),
        },
        sqlite=activity.insert(),
        sqlite_params=lambda w: [
            {
                "order_id": w.order_id,
                "message": m,
                "customer_notified": n,
                "created_at": w.now,
                "actor": w.actor.ref,
                "actor_name": w.actor.name,
            }
            for m, n in w.activities
        ],
    ),
    "events": _Part(
        rows=lambda w: w.events,
        statement=_events,
        params=lambda w: {
            "events": json.dumps(
                [{"name": n, "payload": with_actor(p, w.actor)} for n, p in w.events]
            )
        },
        sqlite=SQLITE_EVENTS,
        sqlite_params=lambda w: event_rows(
            [(name, w.order_id, with_actor(payload, w.actor)) for name, payload in w.events],
            w.now,
        ),
    ),
}
PARTS: tuple[Part, ...] = tuple(_PARTS)


def plan_parts(plan: ChangePlan) -> list[Part]:
    """The parts ``plan`` writes, in the statement's order."""
    return [name for name, part in _PARTS.items() if part.rows(plan)]


def write_change(tx: Connection, plan: ChangePlan) -> None:
    """Write ``plan``: one statement on PostgreSQL, one per part elsewhere."""
    parts = plan_parts(plan)
    if not parts:
        return
    if tx.dialect.name == "postgresql":
        params: Params = {"b_order_id": plan.order_id, "b_now": plan.now}
        for name in parts:
            params.update(_PARTS[name].params(plan))
        tx.execute(change_statement(parts), params)
    else:
        for name in parts:
            tx.execute(_PARTS[name].sqlite, _PARTS[name].sqlite_params(plan))


@cache
def _statement(parts: tuple[Part, ...]) -> sa.Insert | sa.Update:
    *leading, last = [_PARTS[p].statement() for p in parts]
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
