"""The payment ledger: the ``order_payment`` table and the order's running totals.

Every authorization, capture, sale, void and refund is a row of ``order_payment``;
the order keeps the sums of its succeeded rows (authorized, captured, voided,
refunded) so that every read of an order shows them without reading the ledger.
Existing orders start with no rows and zero totals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TOTALS = ("amount_authorized", "amount_captured", "amount_voided", "amount_refunded")
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    for name in _TOTALS:
        op.add_column(
            "order",
            sa.Column(name, sa.Numeric(12, 4), nullable=False, server_default=sa.text("0")),
        )
    op.create_table(
        "order_payment",
        sa.Column("payment_id", _Id, autoincrement=True, nullable=False),
        sa.Column(
            "order_id",
            _Id,
            sa.ForeignKey(
                "order.order_id",
                ondelete="CASCADE",
                name="fk_order_payment_order_id_order",
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount", sa.Numeric(12, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("gateway", sa.String(64), nullable=False, server_default=""),
        sa.Column("reference", sa.String(255)),
        sa.Column("actor", sa.String(255), nullable=False, server_default="system"),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_order_payment_amount_positive"),
        sa.CheckConstraint(
            "kind IN ('authorization', 'capture', 'sale', 'void', 'refund')",
            name="ck_order_payment_kind",
        ),
        sa.CheckConstraint("status IN ('succeeded', 'failed')", name="ck_order_payment_status"),
        sa.PrimaryKeyConstraint("payment_id", name="pk_order_payment"),
        sa.UniqueConstraint("gateway", "reference", name="uq_order_payment_gateway_reference"),
    )
    op.create_index("ix_order_payment_order_id", "order_payment", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_payment_order_id", table_name="order_payment")
    op.drop_table("order_payment")
    with op.batch_alter_table("order") as batch:
        for name in reversed(_TOTALS):
            batch.drop_column(name)
