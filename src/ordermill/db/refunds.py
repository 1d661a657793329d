"""The refunds' statements: load what a refund is priced from, write a refund with its
lines and the refunded units, list an order's refunds.

Invariant: ``order_item.qty_refunded`` is the sum of the line's ``refund_line.qty``; both
are written here, together, by a caller holding the order's lock that read the
refunded units under it (``load_basis``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.refund_tables import refund, refund_line
from ordermill.db.tables import order, order_item
from ordermill.domain.order_ref import OrderRef, order_not_found, order_ref_key
from ordermill.domain.records import Refund, RefundLine
from ordermill.domain.refunds import RefundBasis, RefundLineState, RefundPlan

__all__ = ["insert_refund", "list_refunds", "load_basis"]

_SHIPPING_REFUNDED = (
    sa.select(sa.func.coalesce(sa.func.sum(refund.c.shipping_amount), 0))
    .where(refund.c.order_id == sa.bindparam("order_id"))
    .scalar_subquery()
)
# The order's lines with the shipping already refunded (the same on every row): one
# statement.
_LOAD = (
    sa.select(
        order_item.c.order_item_id,
        order_item.c.sku,
        order_item.c.qty,
        order_item.c.line_total,
        order_item.c.qty_refunded,
        order_item.c.qty_restocked,
        _SHIPPING_REFUNDED.label("shipping_refunded"),
    )
    .where(order_item.c.order_id == sa.bindparam("order_id"))
    .order_by(order_item.c.order_item_id)
)
_INSERT_REFUND = refund.insert().returning(*refund.c)
_INSERT_LINES = refund_line.insert().returning(*refund_line.c, sort_by_parameter_order=True)
_ADD_REFUNDED = (
    order_item.update()
    .where(order_item.c.order_item_id == sa.bindparam("b_id"))
    .values(qty_refunded=order_item.c.qty_refunded + sa.bindparam("b_qty"))
)
_LIST = {
    column: sa.select(
        order.c.order_id.label("of_order"),
        *refund.c,
        *(c.label(f"l_{c.name}") for c in refund_line.c),
    )
    .select_from(
        order.outerjoin(refund, refund.c.order_id == order.c.order_id).outerjoin(
            refund_line, refund_line.c.refund_id == refund.c.refund_id
        )
    )
    .where(order.c[column] == sa.bindparam("key"))
    .order_by(refund.c.refund_id, refund_line.c.refund_line_id)
    for column in ("order_id", "uuid", "order_number")
}


def load_basis(tx: Connection, locked: Any) -> RefundBasis:
    """The locked order's lines and shipping refunded so far, read under its lock."""
    found = list(tx.execute(_LOAD, {"order_id": locked.order_id}))
    return RefundBasis(
        currency=locked.currency,
        grand_total=locked.grand_total,
        shipping_fee=locked.shipping_fee,
        tax_amount=locked.tax_amount,
        discount_amount=locked.discount_amount,
        lines={
            r.order_item_id: RefundLineState(
                r.order_item_id, r.sku, r.qty, r.line_total, r.qty_refunded, r.qty_restocked
            )
            for r in found
        },
        shipping_refunded=Decimal(found[0].shipping_refunded) if found else Decimal(0),
    )


def insert_refund(
    tx: Connection,
    order_id: int,
    payment_id: int,
    plan: RefundPlan,
    *,
    currency: str,
    restocked: Mapping[int, int],
    now: datetime,
) -> Refund:
    """Write the refund, its lines and the lines' refunded units; returns the refund."""
    head = tx.execute(
        _INSERT_REFUND,
        {
            "order_id": order_id,
            "payment_id": payment_id,
            "amount": plan.amount,
            "shipping_amount": plan.shipping_amount,
            "currency": currency,
            "reason": plan.reason,
            "note": plan.note,
            "created_at": now,
        },
    ).one()
    lines: list[Row[Any]] = []
    if plan.lines:
        values = [
            {
                "refund_id": head.refund_id,
                "order_item_id": line.order_item_id,
                "qty": line.qty,
                "amount": line.amount,
                "qty_restocked": restocked.get(line.order_item_id, 0),
            }
            for line in plan.lines
        ]
        lines = list(tx.execute(_INSERT_LINES, values))
        tx.execute(_ADD_REFUNDED, [{"b_id": line.order_item_id, "b_qty": line.qty}
                                   for line in plan.lines])  # fmt: skip
    return _refund(head, [_line(r) for r in lines])


def _refund(row: Any, lines: list[RefundLine]) -> Refund:
    return Refund(
        refund_id=row.refund_id,
        order_id=row.order_id,
        payment_id=row.payment_id,
        amount=row.amount,
        shipping_amount=row.shipping_amount,
        currency=row.currency,
        reason=row.reason,
        note=row.note,
        created_at=row.created_at,
        lines=tuple(lines),
    )


def _line(row: Any, prefix: str = "") -> RefundLine:
    m = row._mapping
    return RefundLine(
        refund_line_id=m[f"{prefix}refund_line_id"],
        refund_id=m[f"{prefix}refund_id"],
        order_item_id=m[f"{prefix}order_item_id"],
        qty=m[f"{prefix}qty"],
        amount=m[f"{prefix}amount"],
        qty_restocked=m[f"{prefix}qty_restocked"],
    )


def list_refunds(conn: Connection, order_ref: OrderRef) -> list[Refund]:
    """The refunds of the order ``order_ref`` names, oldest first, with their lines;
    ``OrderNotFound`` when there is no such order."""
    column, value = order_ref_key(order_ref)
    found = list(conn.execute(_LIST[column], {"key": value}))
    if not found:
        raise order_not_found(order_ref)
    heads: dict[int, Any] = {}
    lines: dict[int, list[RefundLine]] = {}
    for r in found:
        if r.refund_id is None:
            continue
        heads.setdefault(r.refund_id, r)
        bucket = lines.setdefault(r.refund_id, [])
        if r.l_refund_line_id is not None:
            bucket.append(_line(r, "l_"))
    return [_refund(heads[i], lines[i]) for i in heads]
