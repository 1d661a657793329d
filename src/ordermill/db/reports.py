"""The two grouped queries of a sales report over a period of UTC days.

One by (day, currency, canceled) for the money, one by the three statuses for the
counts, whatever the period's size. Amounts are summed by the database as exact
NUMERIC on PostgreSQL; SQLite sums money as REAL (the caller rounds them back).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.tables import order

__all__ = ["sales_rows"]


def _utc_day(dialect: str) -> sa.ColumnElement[object]:
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("UTC", order.c.created_at), sa.Date)
    # SQLite stores naive UTC text; date() takes its calendar day.
    return sa.func.date(order.c.created_at)


def sales_rows(
    conn: Connection, start: datetime, end: datetime, *, canceled_status: str
) -> tuple[Sequence[Row[Any]], Sequence[Row[Any]]]:
    """Orders created in ``[start, end)``: rows of (day, currency, canceled, orders, total)
    and of (status, payment_status, shipment_status, orders)."""
    in_period = sa.and_(order.c.created_at >= start, order.c.created_at < end)
    day = _utc_day(conn.dialect.name).label("day")
    canceled = (order.c.status == canceled_status).label("canceled")
    money_query = (
        sa.select(
            day,
            order.c.currency,
            canceled,
            sa.func.count().label("orders"),
            sa.func.sum(order.c.grand_total).label("total"),
        )
        .where(in_period)
        .group_by(day, order.c.currency, canceled)
    )
    status_query = (
        sa.select(
            order.c.status,
            order.c.payment_status,
            order.c.shipment_status,
            sa.func.count().label("orders"),
        )
        .where(in_period)
        .group_by(order.c.status, order.c.payment_status, order.c.shipment_status)
    )
    return conn.execute(money_query).all(), conn.execute(status_query).all()
