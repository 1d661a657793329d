"""Refunds: the ``refund`` and ``refund_line`` tables, and the refunded units per line.

A refund gives back money for some units of some lines and some shipping; its money is
also a ``refund`` row of the payment ledger. ``order_item.qty_refunded`` counts the
units refunded so far (existing lines: 0), so that no unit is refunded twice.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "order_item",
        sa.Column("qty_refunded", sa.Integer, nullable=False, server_default=sa.text("0")),
    )
    op.create_table(
        "refund",
        sa.Column("refund_id", _Id, autoincrement=True, nullable=False),
        sa.Column(
            "order_id",
            _Id,
            sa.ForeignKey("order.order_id", ondelete="CASCADE", name="fk_refund_order_id_order"),
            nullable=False,
        ),
        sa.Column(
            "payment_id",
            _Id,
            sa.ForeignKey(
                "order_payment.payment_id",
                ondelete="CASCADE",
                name="fk_refund_payment_id_order_payment",
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(12, 4), nullable=False),
        sa.Column("shipping_amount", sa.Numeric(12, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_refund_amount_positive"),
        sa.CheckConstraint("shipping_amount >= 0", name="ck_refund_shipping_not_negative"),
        sa.PrimaryKeyConstraint("refund_id", name="pk_refund"),
    )
    op.create_index("ix_refund_order_id", "refund", ["order_id"])
    op.create_table(
        "refund_line",
        sa.Column("refund_line_id", _Id, autoincrement=True, nullable=False),
        sa.Column(
            "refund_id",
            _Id,
            sa.ForeignKey(
                "refund.refund_id", ondelete="CASCADE", name="fk_refund_line_refund_id_refund"
            ),
            nullable=False,
        ),
        sa.Column(
            "order_item_id",
            _Id,
            sa.ForeignKey(
                "order_item.order_item_id",
                ondelete="CASCADE",
                name="fk_refund_line_order_item_id_order_item",
            ),
            nullable=False,
        ),
        sa.Column("qty", sa.Integer, nullable=False),
        sa.Column("amount", sa.Numeric(12, 4), nullable=False),
        sa.Column("qty_restocked", sa.Integer, nullable=False),
        sa.CheckConstraint("qty > 0", name="ck_refund_line_qty_positive"),
        sa.CheckConstraint("amount >= 0", name="ck_refund_line_amount_not_negative"),
        sa.CheckConstraint(
            "qty_restocked >= 0 AND qty_restocked <= qty", name="ck_refund_line_restock_bounded"
        ),
        sa.PrimaryKeyConstraint("refund_line_id", name="pk_refund_line"),
    )
    op.create_index("ix_refund_line_refund_id", "refund_line", ["refund_id"])


def downgrade() -> None:
    op.drop_index("ix_refund_line_refund_id", table_name="refund_line")
    op.drop_table("refund_line")
    op.drop_index("ix_refund_order_id", table_name="refund")
    op.drop_table("refund")
    with op.batch_alter_table("order_item") as batch:
        batch.drop_column("qty_refunded")
