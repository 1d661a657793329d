"""The event relay: CloudEvent ids and commit positions on the outbox, cursors, webhooks.

- ``event.event_uuid``: the CloudEvent id, filled by the database (a server default)
  so that every writer of ``event`` stays unchanged and the id is stored, not derived:
  it stays the same across redeliveries, relay restarts and a dump restored elsewhere
  (an id derived from ``event_id`` would repeat after a restore that rewinds the
  sequence, and consumers would drop genuine events as duplicates). PostgreSQL uses
  ``gen_random_uuid()``; SQLite an expression that builds a version-4 uuid from
  ``randomblob`` (32 hex digits, the form SQLAlchemy's ``Uuid`` stores there).
- ``event.txid`` (PostgreSQL only; NULL on SQLite): ``pg_current_xact_id()`` of the
  writing transaction, so that the relay can tell which rows can no longer be joined
  by a row of an earlier position (``ordermill.events.store``).
- A statement-level trigger ``NOTIFY ordermill_events`` on PostgreSQL wakes relays at
  once; notifications with the same payload collapse to one per transaction.
- Tables ``relay_cursor``, ``webhook_endpoint`` and ``webhook_delivery``.

Existing rows get their uuid and (on PostgreSQL) the migrating transaction's id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SQLITE_UUID4 = (
    "(lower(hex(randomblob(6))) || '4' || substr(lower(hex(randomblob(2))), 2)"
    " || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(8))), 2))"
)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_PG_NOTIFY = """
CREATE FUNCTION ordermill_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ordermill_events', '');
    RETURN NULL;
END $$;
CREATE TRIGGER event_notify AFTER INSERT ON event
    FOR EACH STATEMENT EXECUTE FUNCTION ordermill_event_notify();
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "ALTER TABLE event ADD COLUMN event_uuid uuid NOT NULL DEFAULT gen_random_uuid()"
        )
        op.execute(
            "ALTER TABLE event ADD COLUMN txid bigint DEFAULT pg_current_xact_id()::text::bigint"
        )
        op.create_index("ix_event_txid", "event", ["txid", "event_id"], unique=False)
        op.execute(_PG_NOTIFY)
    else:
        # SQLite cannot ADD COLUMN with a non-constant default: batch mode rebuilds the table.
        with op.batch_alter_table("event", recreate="always") as batch_op:
            batch_op.add_column(
                sa.Column(
                    "event_uuid",
                    sa.Uuid(as_uuid=False),
                    nullable=False,
                    server_default=sa.text(_SQLITE_UUID4),
                )
            )
            batch_op.add_column(sa.Column("txid", sa.BigInteger(), nullable=True))
            batch_op.create_index(
                "ix_event_txid", ["txid", "event_id"], unique=False, sqlite_where=sa.false()
            )
    _create_tables()


def _create_tables() -> None:
    op.create_table(
        "relay_cursor",
        sa.Column("destination", sa.String(255), nullable=False),
        sa.Column("last_txid", sa.BigInteger(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("destination", name=op.f("pk_relay_cursor")),
    )
    op.create_table(
        "webhook_endpoint",
        sa.Column("endpoint_id", _ID, autoincrement=True, nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("previous_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("endpoint_id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("delivery_id", _ID, autoincrement=True, nullable=False),
        sa.Column("destination", sa.String(255), nullable=False),
        sa.Column("endpoint_id", _ID, nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_uuid", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.endpoint_id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_webhook_delivery")),
    )
    for column in ("endpoint_id", "event_id", "attempted_at"):
        op.create_index(f"ix_webhook_delivery_{column}", "webhook_delivery", [column])


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_endpoint")
    op.drop_table("relay_cursor")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER event_notify ON event")
        op.execute("DROP FUNCTION ordermill_event_notify()")
        op.drop_index("ix_event_txid", table_name="event")
        op.drop_column("event", "txid")
        op.drop_column("event", "event_uuid")
    else:
        with op.batch_alter_table("event", recreate="always") as batch_op:
            batch_op.drop_index("ix_event_txid")
            batch_op.drop_column("txid")
            batch_op.drop_column("event_uuid")
