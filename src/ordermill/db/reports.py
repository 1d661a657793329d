"""The two grouped queries of a sales report over a period of UTC days.

One for the money: the orders created in the period by (day, currency, canceled), with
their gross (grand totals; what was captured for a canceled order), and, in the same
statement (UNION ALL), the succeeded refunds recorded in the period by (day, currency);
one by the three statuses for the counts, whatever the period's size. Both are
index-served: ``ix_order_created_at`` for the orders, the partial
``ix_order_payment_refund_created`` (refund rows only) for the refunds. Amounts are
summed by the database as exact NUMERIC on PostgreSQL; SQLite sums money as REAL (the
caller rounds them back).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.tables import REFUND_ROWS_SQL, order, payment

__all__ = ["money_query", "sales_rows", "status_query"]


# The partial index's own predicate, as literal SQL: a bound value would leave a generic
# plan (psycopg prepares a statement run five times) unable to use the partial index.
REFUND_ROWS = sa.text(REFUND_ROWS_SQL)


def _utc_day(dialect: str, column: sa.ColumnElement[object]) -> sa.ColumnElement[object]:
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    # SQLite stores naive UTC text; date() takes its calendar day.
    return sa.func.date(column)


def money_query(
    conn: Connection, start: datetime, end: datetime, *, canceled_status: str
) -> sa.CompoundSelect[Any]:
    """Orders created in ``[start, end)`` and refunds recorded in it: rows of (day,
    currency, canceled, orders, total, refunds); an order group's refunds are 0, a
    refund group's canceled is NULL and its orders and total 0."""
    dialect = conn.dialect.name
    in_period = sa.and_(order.c.created_at >= start, order.c.created_at < end)
    day = _utc_day(dialect, order.c.created_at).label("day")
    is_canceled = order.c.status == canceled_status
    canceled = is_canceled.label("canceled")
    gross = sa.case((is_canceled, order.c.amount_captured), else_=order.c.grand_total)
    zero = sa.cast(sa.literal_column("0"), payment.c.amount.type)
    orders_part = (
        sa.select(
            day,
            order.c.currency,
            canceled,
            sa.func.count().label("orders"),
            sa.func.sum(gross).label("total"),
            zero.label("refunds"),
        )
        .where(in_period)
        .group_by(day, order.c.currency, canceled)
    )
    refund_day = _utc_day(dialect, payment.c.created_at)
    refunds_part = (
        sa.select(
            refund_day,
            payment.c.currency,
            sa.null(),
            sa.literal_column("0"),
            zero,
            sa.func.sum(payment.c.amount),
        )
        .where(REFUND_ROWS, payment.c.created_at >= start, payment.c.created_at < end)
        .group_by(refund_day, payment.c.currency)
    )
    return sa.union_all(orders_part, refunds_part)


def status_query(start: datetime, end: datetime) -> sa.Select[Any]:
    """Orders created in ``[start, end)``: rows of (status, payment_status,
    shipment_status, orders)."""
    return (
        sa.select(
            order.c.status,
            order.c.payment_status,
            order.c.shipment_status,
            sa.func.count().label("orders"),
        )
        .where(order.c.created_at >= start, order.c.created_at < end)
        .group_by(order.c.status, order.c.payment_status, order.c.shipment_status)
    )


def sales_rows(
    conn: Connection, start: datetime, end: datetime, *, canceled_status: str
) -> tuple[Sequence[Row[Any]], Sequence[Row[Any]]]:
    """The rows of ``money_query`` and of ``status_query``."""
    money = money_query(conn, start, end, canceled_status=canceled_status)
    return conn.execute(money).all(), conn.execute(status_query(start, end)).all()
