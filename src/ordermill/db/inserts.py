"""Inserts whose second table needs the first one's generated id: one statement on PostgreSQL.

A shipment's items need the shipment's id; an ``ordermill.order.activity_added`` event
carries the activity's id. On PostgreSQL the first INSERT is a data-modifying CTE
whose RETURNING feeds the second, so the pair is one execution and one round trip;
on SQLite (no DML in ``WITH``) it is two statements, the first one's RETURNING
giving the id to the second.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection

from ordermill.db.outbox import insert_events
from ordermill.db.tables import UtcDateTime, activity, event, order, shipment, shipment_item
from ordermill.domain.actor import current_actor
from ordermill.domain.events import ACTIVITY_ADDED

__all__ = ["insert_activity_with_event", "insert_shipment_with_items"]


# -- a shipment and its items ------------------------------------------------------

_INSERT_SHIPMENT = shipment.insert().returning(shipment.c.shipment_id)
_INSERT_SHIPMENT_ITEMS = shipment_item.insert().returning(
    shipment_item.c.shipment_id, shipment_item.c.shipment_item_id, shipment_item.c.order_item_id
)


_SHIPMENT_COLUMNS = (
    "uuid",
    "order_id",
    "carrier",
    "tracking_number",
    "status",
    "shipped_at",
    "delivered_at",
    "created_at",
    "updated_at",
    "actor",
    "actor_name",
)


def _shipment_with_items() -> sa.Insert:
    new = (
        shipment.insert()
        .values({c: sa.bindparam(c, type_=shipment.c[c].type) for c in _SHIPMENT_COLUMNS})
        .returning(shipment.c.shipment_id)
        .cte("new_shipment")
    )
    units = (
        sa.func.unnest(
            sa.bindparam("item_ids", type_=pg.ARRAY(sa.BigInteger())),
            sa.bindparam("item_qtys", type_=pg.ARRAY(sa.Integer())),
        )
        .table_valued("order_item_id", "qty", with_ordinality="n")
        .render_derived(name="units")
    )
    return (
        shipment_item.insert()
        .from_select(
            ["shipment_id", "order_item_id", "qty"],
            sa.select(new.c.shipment_id, units.c.order_item_id, units.c.qty)
            .select_from(new)
            .join(units, sa.true())
            .order_by(units.c.n),
        )
        .returning(
            shipment_item.c.shipment_id,
            shipment_item.c.shipment_item_id,
            shipment_item.c.order_item_id,
        )
        .add_cte(new)
    )


_SHIPMENT_WITH_ITEMS = _shipment_with_items()  # built once: its cache key is memoized


def insert_shipment_with_items(
    tx: Connection, values: Mapping[str, Any], units: Mapping[int, int]
) -> tuple[int, dict[int, int]]:
    """Insert a shipment (``values``: the columns in ``_SHIPMENT_COLUMNS``) with ``units``
    ({order_item_id: qty}, at least one); returns the shipment's id and
    {order_item_id: shipment_item_id}. The shipment records the actor of the call."""
    actor = current_actor()
    values = {**values, "actor": actor.ref, "actor_name": actor.name}
    items = sorted(units.items())
    if tx.dialect.name == "postgresql":
        params = {
            **values,
            "item_ids": [i for i, _ in items],
            "item_qtys": [q for _, q in items],
        }
        rows = tx.execute(_SHIPMENT_WITH_ITEMS, params).all()
        return rows[0].shipment_id, {r.order_item_id: r.shipment_item_id for r in rows}
    shipment_id: int = tx.execute(_INSERT_SHIPMENT, dict(values)).scalar_one()
    rows = tx.execute(
        _INSERT_SHIPMENT_ITEMS,
        [{"shipment_id": shipment_id, "order_item_id": i, "qty": q} for i, q in items],
    ).all()
    return shipment_id, {r.order_item_id: r.shipment_item_id for r in rows}


# -- an activity and its event -----------------------------------------------------

_INSERT_ACTIVITY = activity.insert().returning(activity.c.activity_id)


def _activity_with_event() -> sa.Select[Any]:
    # Parameters named apart from the order's columns: with the order UPDATE as a CTE, a
    # parameter named like one of its columns would also be SET on the order.
    order_id = sa.bindparam("b_order_id", type_=sa.BigInteger())
    order_uuid = sa.bindparam("order_uuid", type_=sa.Text())
    message = sa.bindparam("message", type_=sa.Text())
    notified = sa.bindparam("customer_notified", type_=sa.Boolean())
    now = sa.bindparam("b_now", type_=UtcDateTime())
    actor = sa.bindparam("actor", type_=sa.Text())
    actor_name = sa.bindparam("actor_name", type_=sa.Text())
    new = (
        activity.insert()
        .values(
            order_id=order_id,
            message=message,
            customer_notified=notified,
            created_at=now,
            actor=actor,
            actor_name=actor_name,
        )
        .returning(activity.c.activity_id)
        .cte("new_activity")
    )
    payload = sa.func.jsonb_build_object(
        sa.literal_column("'order_id'"),
        order_id,
        sa.literal_column("'order_uuid'"),
        order_uuid,
        sa.literal_column("'activity_id'"),
        new.c.activity_id,
        sa.literal_column("'message'"),
        message,
        sa.literal_column("'customer_notified'"),
        notified,
        sa.literal_column("'actor'"),
        sa.cast(sa.bindparam("actor_json", type_=sa.Text()), pg.JSONB()),
    )
    outbox = event.insert().from_select(
        ["name", "order_id", "payload", "created_at"],
        sa.select(sa.literal_column(f"'{ACTIVITY_ADDED}'"), order_id, payload, now).select_from(
            new
        ),
    )
    return sa.select(new.c.activity_id).add_cte(
        new, outbox.cte("new_event"), _bump_version().cte("bumped")
    )


def _bump_version() -> sa.Update:
    """The order's version up by one: a note is a change of the order (If-Match)."""
    return (
        order.update()
        .where(order.c.order_id == sa.bindparam("b_order_id", type_=sa.BigInteger()))
        .values(version=order.c.version + 1, updated_at=sa.bindparam("b_now", type_=UtcDateTime()))
    )


_BUMP_VERSION = _bump_version()


_ACTIVITY_WITH_EVENT = _activity_with_event()  # built once: its cache key is memoized


def insert_activity_with_event(
    tx: Connection,
    *,
    order_id: int,
    order_uuid: str,
    message: str,
    customer_notified: bool,
    now: datetime,
) -> int:
    """Insert an activity and its ``ordermill.order.activity_added`` event, and count it as
    a change of the order (its version, ``updated_at``); returns the activity's id.

    The event's payload: ``order_id``, ``order_uuid``, ``activity_id``, ``message``,
    ``customer_notified``, ``actor`` (as every event's; SQLite: added by ``insert_events``).
    """
    actor = current_actor()
    values = {
        "order_id": order_id,
        "message": message,
        "customer_notified": customer_notified,
        "created_at": now,
        "actor": actor.ref,
        "actor_name": actor.name,
    }
    if tx.dialect.name == "postgresql":
        activity_id: int = tx.execute(
            _ACTIVITY_WITH_EVENT,
            {
                "b_order_id": order_id,
                "order_uuid": order_uuid,
                "message": message,
                "customer_notified": customer_notified,
                "b_now": now,
                "actor": actor.ref,
                "actor_name": actor.name,
                "actor_json": json.dumps(actor.as_dict()),
            },
        ).scalar_one()
        return activity_id
    tx.execute(_BUMP_VERSION, {"b_order_id": order_id, "b_now": now})
    activity_id = tx.execute(_INSERT_ACTIVITY, values).scalar_one()
    payload = {
        "order_id": order_id,
        "order_uuid": order_uuid,
        "activity_id": activity_id,
        "message": message,
        "customer_notified": customer_notified,
    }
    insert_events(tx, [(ACTIVITY_ADDED, order_id, payload)], now)
    return activity_id
