"""Order search: a trigram index for OrderQuery.search (ILIKE '%text%') on PostgreSQL.

One GIN index over order number, customer email and customer name with
``gin_trgm_ops`` (extension pg_trgm, trusted since PostgreSQL 13, so the
database owner may create it). A substring search then reads a few index pages
instead of every order. SQLite has no trigram index: it gets an empty partial
index of the same name (``WHERE 0``), so ``tables.py`` declares one index for
both databases and the migrated schema matches it on each.

The listing's filter and sort indexes (created_at; payment + shipment status +
created_at; status + created_at; customer + created_at; order_number) came with
0001.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = ["order_number", "customer_email", "customer_full_name"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_order_search_trgm",
        "order",
        _COLUMNS,
        unique=False,
        postgresql_using="gin",
        postgresql_ops=dict.fromkeys(_COLUMNS, "gin_trgm_ops"),
        sqlite_where=sa.false(),
    )


def downgrade() -> None:
    # pg_trgm stays: other objects of the database may use it.
    op.drop_index("ix_order_search_trgm", table_name="order")
