"""Stock quantities are 64-bit on PostgreSQL, so a cancel's restock always fits.

``set_stock`` sets at most ``MAX_STOCK`` (2,147,483,647) units; a cancel then puts
an order's units back on top, which used to overflow the 32-bit column and make
the order impossible to cancel. BIGINT leaves room for any number of restocks.
SQLite's INTEGER is already 64-bit: nothing changes there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("inventory", "qty", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    # A quantity past the 32-bit range fails here, rather than being cut short.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("inventory", "qty", type_=sa.Integer(), existing_nullable=False)
