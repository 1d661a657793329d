"""Who did what: the actor on status history, activities, shipments and ledger rows.

Each row records its actor's key (``staff:12``, ``customer:7``, ``import``, ``system``)
and its name as of then, so that revoking a token never erases who did what. Rows
written before this revision read as the system's.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TABLES = ("order_status_history", "order_activity", "shipment")


def _columns() -> list[sa.Column[str]]:
    return [
        sa.Column("actor", sa.String(64), nullable=False, server_default="system"),
        sa.Column("actor_name", sa.String(255), nullable=False, server_default="system"),
    ]


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            for column in _columns():
                batch.add_column(column)
    with op.batch_alter_table("order_payment") as batch:
        batch.add_column(
            sa.Column("actor_name", sa.String(255), nullable=False, server_default="system")
        )


def downgrade() -> None:
    with op.batch_alter_table("order_payment") as batch:
        batch.drop_column("actor_name")
    for table in reversed(_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("actor_name")
            batch.drop_column("actor")
