"""The refund tables (migration 0007): a refund of an order and the lines it covers.

A refund's money is also a ``refund`` row of the payment ledger (``order_payment``),
which ``payment_id`` names; rows are never changed. ``refund_line.qty_restocked`` is the
part of its units put back into stock (the line's ``order_item.qty_restocked`` counts
them too, so that nothing is restocked twice).
"""

from __future__ import annotations

import sqlalchemy as sa

from ordermill.db.tables import Id, Money, UtcDateTime, metadata, utcnow

__all__ = ["refund", "refund_line"]

refund = sa.Table(
    "refund",
    metadata,
    sa.Column("refund_id", Id, primary_key=True, autoincrement=True),
    sa.Column(
        "order_id",
        Id,
        sa.ForeignKey("order.order_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "payment_id",
        Id,
        sa.ForeignKey("order_payment.payment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("amount", Money(), nullable=False),
    sa.Column("shipping_amount", Money(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.CheckConstraint("amount > 0", name="amount_positive"),
    sa.CheckConstraint("shipping_amount >= 0", name="shipping_not_negative"),
)

refund_line = sa.Table(
    "refund_line",
    metadata,
    sa.Column("refund_line_id", Id, primary_key=True, autoincrement=True),
    sa.Column(
        "refund_id",
        Id,
        sa.ForeignKey("refund.refund_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "order_item_id",
        Id,
        sa.ForeignKey("order_item.order_item_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("amount", Money(), nullable=False),
    sa.Column("qty_restocked", sa.Integer, nullable=False),
    sa.CheckConstraint("qty > 0", name="qty_positive"),
    sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    sa.CheckConstraint("qty_restocked >= 0 AND qty_restocked <= qty", name="restock_bounded"),
)
