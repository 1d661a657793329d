"""Rewriting the timestamps that use cases wrote in a window of time (the demo's clock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ordermill.db.tables import activity, customer, event, order, shipment, status_history

__all__ = ["rewrite_timestamps"]

# Every table whose rows carry the time a use case wrote them, with those columns.
_TIMED_TABLES = (
    (order, ("created_at", "updated_at")),
    (shipment, ("created_at", "updated_at", "shipped_at", "delivered_at", "canceled_at")),
    (activity, ("created_at",)),
    (status_history, ("changed_at",)),
    (event, ("created_at",)),
    (customer, ("created_at",)),
)


def rewrite_timestamps(
    tx: Connection,
    first: datetime,
    last: datetime,
    planned: Callable[[datetime | None], datetime | None],
) -> None:
    """Replace every timestamp between ``first`` and ``last`` by ``planned(timestamp)``
    (``planned`` keeps a timestamp it does not know, and None)."""
    for table, columns in _TIMED_TABLES:
        [pk] = table.primary_key.columns
        cols = [table.c[name] for name in columns]
        touched = sa.or_(*(c.between(first, last) for c in cols))
        updates = []
        for row in tx.execute(sa.select(pk, *cols).where(touched)):
            values = zip(columns, row[1:], strict=True)
            updates.append({"b_pk": row[0], **{f"b_{n}": planned(v) for n, v in values}})
        if updates:
            tx.execute(
                table.update()
                .where(pk == sa.bindparam("b_pk"))
                .values({name: sa.bindparam(f"b_{name}") for name in columns}),
                updates,
            )
