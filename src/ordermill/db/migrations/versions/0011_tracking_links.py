"""Guest tracking links: the ``tracking_link`` table.

A link is a random token shown once; the table keeps its SHA-256, when it was issued,
when it expires (if ever) and when it was revoked. At most one link per order is live
(``revoked_at IS NULL``): a partial unique index. No row is written at placement: a
link is issued on request (``ordermill.orders.tracking``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tracking_link",
        sa.Column("link_id", _Id, autoincrement=True, nullable=False),
        sa.Column(
            "order_id",
            _Id,
            sa.ForeignKey(
                "order.order_id", ondelete="CASCADE", name="fk_tracking_link_order_id_order"
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("link_id", name="pk_tracking_link"),
        sa.UniqueConstraint("token_hash", name="uq_tracking_link_token_hash"),
    )
    op.create_index(
        "ix_tracking_link_live_order_id",
        "tracking_link",
        ["order_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
        sqlite_where=sa.text("revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_tracking_link_live_order_id", table_name="tracking_link")
    op.drop_table("tracking_link")
