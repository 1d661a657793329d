"""Returns (RMA): the ``order_return``, ``return_line`` and ``return_status_history``
tables.

A return asks for some delivered units of an order back; it moves forward only
(requested, approved, received, refunded; or declined, canceled), each status with
its time on the return and each move in its history. Existing orders have none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Time = sa.DateTime(timezone=True)
_STATUSES = "'requested', 'approved', 'declined', 'canceled', 'received', 'refunded'"


def upgrade() -> None:
    op.create_table(
        "order_return",
        sa.Column("return_id", _Id, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column(
            "order_id",
            _Id,
            sa.ForeignKey(
                "order.order_id", ondelete="CASCADE", name="fk_order_return_order_id_order"
            ),
            nullable=False,
        ),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(255)),
        sa.Column("note", sa.Text),
        sa.Column("requested_by", sa.String(16), nullable=False),
        sa.Column("decline_reason", sa.String(255)),
        sa.Column("refund_id", sa.BigInteger),
        sa.Column("requested_at", _Time, nullable=False),
        *(
            sa.Column(f"{name}_at", _Time)
            for name in ("approved", "declined", "canceled", "received", "refunded")
        ),
        sa.Column("created_at", _Time, nullable=False),
        sa.Column("updated_at", _Time, nullable=False),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="ck_order_return_status"),
        sa.CheckConstraint(
            "requested_by IN ('staff', 'customer')", name="ck_order_return_requested_by"
        ),
        sa.PrimaryKeyConstraint("return_id", name="pk_order_return"),
        sa.UniqueConstraint("uuid", name="uq_order_return_uuid"),
    )
    op.create_index("ix_order_return_order_id", "order_return", ["order_id"])
    op.create_table(
        "return_line",
        sa.Column("return_line_id", _Id, autoincrement=True, nullable=False),
        sa.Column(
            "return_id",
            _Id,
            sa.ForeignKey(
                "order_return.return_id",
                ondelete="CASCADE",
                name="fk_return_line_return_id_order_return",
            ),
            nullable=False,
        ),
        sa.Column(
            "order_item_id",
            _Id,
            sa.ForeignKey(
                "order_item.order_item_id",
                ondelete="CASCADE",
                name="fk_return_line_order_item_id_order_item",
            ),
            nullable=False,
        ),
        sa.Column("qty_requested", sa.Integer, nullable=False),
        sa.Column("qty_received", sa.Integer, nullable=False),
        sa.Column("qty_restocked", sa.Integer, nullable=False),
        sa.Column("condition", sa.String(16)),
        sa.Column("restock", sa.Boolean),
        sa.Column("reason", sa.String(255)),
        sa.CheckConstraint("qty_requested > 0", name="ck_return_line_qty_positive"),
        sa.CheckConstraint(
            "qty_received >= 0 AND qty_received <= qty_requested",
            name="ck_return_line_received_bounded",
        ),
        sa.CheckConstraint(
            "qty_restocked >= 0 AND qty_restocked <= qty_received",
            name="ck_return_line_restock_bounded",
        ),
        sa.PrimaryKeyConstraint("return_line_id", name="pk_return_line"),
        sa.UniqueConstraint(
            "return_id", "order_item_id", name="uq_return_line_return_id_order_item_id"
        ),
    )
    op.create_index("ix_return_line_order_item_id", "return_line", ["order_item_id"])
    op.create_table(
        "return_status_history",
        sa.Column("history_id", _Id, autoincrement=True, nullable=False),
        sa.Column(
            "return_id",
            _Id,
            sa.ForeignKey(
                "order_return.return_id",
                ondelete="CASCADE",
                name="fk_return_status_history_return_id_order_return",
            ),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(32)),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(255)),
        sa.Column("changed_at", _Time, nullable=False),
        sa.PrimaryKeyConstraint("history_id", name="pk_return_status_history"),
    )
    op.create_index("ix_return_status_history_return_id", "return_status_history", ["return_id"])


def downgrade() -> None:
    op.drop_index("ix_return_status_history_return_id", table_name="return_status_history")
    op.drop_table("return_status_history")
    op.drop_index("ix_return_line_order_item_id", table_name="return_line")
    op.drop_table("return_line")
    op.drop_index("ix_order_return_order_id", table_name="order_return")
    op.drop_table("order_return")
