"""The guest tracking links' table (migration 0010), on the schema's one ``metadata``.

Its own module, as the relay's tables are; ``schema.py`` imports it so that Alembic and
the tests see it.
"""

from __future__ import annotations

import sqlalchemy as sa

from ordermill.db.tables import Id, UtcDateTime, metadata, utcnow

__all__ = ["tracking_link"]

# One row per link ever issued. At most one per order is live (not revoked): issuing a new
# one revokes the one before, under the order's lock; the partial unique index is the
# database's own guarantee of that.
tracking_link = sa.Table(
    "tracking_link",
    metadata,
    sa.Column("link_id", Id, primary_key=True, autoincrement=True),
    sa.Column("order_id", Id, sa.ForeignKey("order.order_id", ondelete="CASCADE"), nullable=False),
    # SHA-256 of the token; the token itself is shown once and never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.Column("expires_at", UtcDateTime),
    sa.Column("revoked_at", UtcDateTime),
    sa.Index(
        "ix_tracking_link_live_order_id",
        "order_id",
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
        sqlite_where=sa.text("revoked_at IS NULL"),
    ),
)
