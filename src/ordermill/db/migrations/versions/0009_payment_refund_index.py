"""A partial index of the ledger's succeeded refunds by time, for the sales reports.

Sales reports and the admin dashboard subtract each day's refunds from that day's sales;
without an index that part of the report reads every payment row. Refund rows are few,
so the index holds only them (PostgreSQL and SQLite both have partial indexes).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_WHERE = sa.text("kind = 'refund' AND status = 'succeeded'")


def upgrade() -> None:
    op.create_index(
        "ix_order_payment_refund_created",
        "order_payment",
        ["created_at"],
        postgresql_where=_WHERE,
        sqlite_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_order_payment_refund_created", table_name="order_payment")
