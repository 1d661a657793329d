"""The event relay's tables (migration 0004), on the schema's one ``metadata``.

Their own module so that ``tables.py`` stays readable; the two columns the relay adds
to ``event`` stay with ``event`` in ``tables.py``. Code that needs every table (Alembic,
a test that empties the database) takes ``metadata`` from ``schema.py``, which imports
both modules.
"""

from __future__ import annotations

import sqlalchemy as sa

from ordermill.db.tables import Id, UtcDateTime, metadata, utcnow

__all__ = ["relay_cursor", "webhook_delivery", "webhook_endpoint"]

# One row per destination ("nats", "webhook:<id>", "subscriber:<module>.<function>"):
# how far it has delivered, as the position (txid, event_id) of the last event passed.
relay_cursor = sa.Table(
    "relay_cursor",
    metadata,
    sa.Column("destination", sa.String(255), primary_key=True),
    sa.Column("last_txid", sa.BigInteger, nullable=False, default=0),
    sa.Column("last_event_id", sa.BigInteger, nullable=False, default=0),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=utcnow),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UtcDateTime),
    # When the event at the head started failing (kept across relay restarts).
    sa.Column("failing_since", UtcDateTime),
)

webhook_endpoint = sa.Table(
    "webhook_endpoint",
    metadata,
    sa.Column("endpoint_id", Id, primary_key=True, autoincrement=True),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("description", sa.String(255)),
    sa.Column("event_types", sa.JSON, nullable=False),  # glob patterns, "ordermill.order.*"
    # Fernet tokens (key from ORDERMILL_SECRET_KEY): a dump shows no secret in clear.
    sa.Column("secret_encrypted", sa.Text, nullable=False),
    sa.Column("previous_secret_encrypted", sa.Text),
    sa.Column("previous_secret_expires_at", UtcDateTime),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("disabled_reason", sa.String(255)),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow),
)

# One row per attempt, for webhooks and in-process subscribers; pruned by the relay.
webhook_delivery = sa.Table(
    "webhook_delivery",
    metadata,
    sa.Column("delivery_id", Id, primary_key=True, autoincrement=True),
    sa.Column("destination", sa.String(255), nullable=False),
    sa.Column(
        "endpoint_id",
        Id,
        sa.ForeignKey("webhook_endpoint.endpoint_id", ondelete="CASCADE"),
        index=True,
    ),
    # No foreign key: the log outlives the outbox rows it reports on.
    sa.Column("event_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("event_uuid", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("latency_ms", sa.Float),
    sa.Column("response_excerpt", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("attempted_at", UtcDateTime, nullable=False, default=utcnow, index=True),
)
