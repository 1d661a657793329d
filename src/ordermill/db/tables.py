"""The ordermill schema, declared once as SQLAlchemy Core tables.

Alembic migrations (``db/migrations``) are the only way this schema reaches a
database; ``tests/db/test_migrations.py`` proves the migrated schema equals
this metadata. Change both together.

Conventions: every child row references its order by ``order_id`` (foreign
keys everywhere, ``ON DELETE CASCADE`` from the order); money is
``NUMERIC(12, 4)`` read as ``Decimal``; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ordermill.db.coltypes import Code, Id, Money, UtcDateTime, utcnow

__all__ = [
    "LEDGER_TOTALS",
    "REFUND_ROWS_SQL",
    "Code",
    "Id",
    "Money",
    "UtcDateTime",
    "activity",
    "address",
    "api_token",
    "customer",
    "event",
    "idempotency_key",
    "inventory",
    "metadata",
    "order",
    "order_item",
    "order_number_seq",
    "payment",
    "shipment",
    "shipment_item",
    "status_history",
    "utcnow",
]


# The order's ledger totals, in the order of domain/ledger.py's LedgerTotals.
LEDGER_TOTALS = ("amount_authorized", "amount_captured", "amount_voided", "amount_refunded")

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _actor_columns() -> tuple[sa.Column[str], sa.Column[str]]:
    """Who wrote the row (``domain/actor.py``): its key and its name as of then, so that
    revoking or renaming a token never erases it; rows from before: the system."""
    return (
        sa.Column("actor", sa.String(64), nullable=False, server_default="system"),
        sa.Column("actor_name", sa.String(255), nullable=False, server_default="system"),
    )


def _order_fk(*, index: bool = True) -> sa.Column[int]:
    return sa.Column(
        "order_id",
        Id,
        sa.ForeignKey("order.order_id", ondelete="CASCADE"),
        nullable=False,
        index=index,
    )


customer = sa.Table(
    "customer",
    metadata,
    # The calling shop's own customer identifier, not one we allocate.
    sa.Column("customer_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("full_name", sa.String(255)),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
)

# Order numbers on PostgreSQL: a sequence is the only allocator that never
# hands the same number to two concurrent transactions without serialising them.
order_number_seq = sa.Sequence("order_number_seq", start=10001, metadata=metadata)

order = sa.Table(
    "order",
    metadata,
    sa.Column("order_id", Id, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.Uuid(as_uuid=False), nullable=False, unique=True),
    sa.Column("order_number", sa.String(32), nullable=False, unique=True),
    # An importing shop's own order id: re-importing the same file creates no duplicates.
    sa.Column("external_reference", sa.String(255), unique=True),
    sa.Column("customer_id", sa.BigInteger, sa.ForeignKey("customer.customer_id")),
    sa.Column("customer_email", sa.String(255), nullable=False),
    sa.Column("customer_full_name", sa.String(255)),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("sub_total", Money(), nullable=False),
    sa.Column("tax_amount", Money(), nullable=False),
    sa.Column("shipping_fee", Money(), nullable=False),
    sa.Column("discount_amount", Money(), nullable=False),
    sa.Column("grand_total", Money(), nullable=False),
    sa.Column("payment_method", sa.String(64)),
    sa.Column("shipping_method", sa.String(64)),
    sa.Column("payment_status", Code, nullable=False),
    sa.Column("shipment_status", Code, nullable=False),
    sa.Column("status", Code, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    # 1 when placed, one more with every change (db/change_statement.py): If-Match.
    sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
    # The payment ledger's running totals (migration 0007): the sums of the order's
    # succeeded payment rows, written with each row (db/ledger.py) so that every read
    # of an order has them without reading the ledger. Authorized includes sales.
    *(
        sa.Column(name, Money(), nullable=False, server_default=sa.text("0"))
        for name in LEDGER_TOTALS
    ),
    sa.CheckConstraint(
        "sub_total >= 0 AND tax_amount >= 0 AND shipping_fee >= 0"
        " AND discount_amount >= 0 AND grand_total >= 0",
        name="amounts_not_negative",
    ),
    # The listing's filters and sorts; order_id last so keyset pages are index scans.
    sa.Index("ix_order_created_at", "created_at", "order_id"),
    sa.Index(
        "ix_order_payment_shipment_created",
        "payment_status",
        "shipment_status",
        "created_at",
        "order_id",
    ),
    sa.Index("ix_order_status_created", "status", "created_at", "order_id"),
    sa.Index("ix_order_customer_created", "customer_id", "created_at", "order_id"),
    sa.Index("ix_order_customer_email", "customer_email"),
    # OrderQuery.search (ILIKE '%text%'): a trigram GIN index on PostgreSQL (pg_trgm,
    # migration 0003). SQLite has no such index; there it is an empty partial index,
    # so that this one declaration matches the migrated schema of both databases.
    sa.Index(
        "ix_order_search_trgm",
        "order_number",
        "customer_email",
        "customer_full_name",
        postgresql_using="gin",
        postgresql_ops=dict.fromkeys(
            ("order_number", "customer_email", "customer_full_name"), "gin_trgm_ops"
        ),
        sqlite_where=sa.false(),
    ),
)

order_item = sa.Table(
    "order_item",
    metadata,
    sa.Column("order_item_id", Id, primary_key=True, autoincrement=True),
    _order_fk(),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255)),
    sa.Column("product_id", sa.String(64)),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("unit_price", Money(), nullable=False),
    sa.Column("line_total", Money(), nullable=False),
    sa.Column("requires_shipping", sa.Boolean, nullable=False, default=True),
    # Units put back into stock by a cancellation: makes "restocked once" auditable.
    sa.Column("qty_restocked", sa.Integer, nullable=False, default=0),
    # Units refunded (migration 0007; db/refunds.py writes it under the order's lock).
    sa.Column("qty_refunded", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.CheckConstraint("qty > 0", name="qty_positive"),
    sa.CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    sa.CheckConstraint("qty_restocked >= 0 AND qty_restocked <= qty", name="restock_bounded"),
)

address = sa.Table(
    "order_address",
    metadata,
    sa.Column("address_id", Id, primary_key=True, autoincrement=True),
    _order_fk(index=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("full_name", sa.String(255)),
    sa.Column("address_1", sa.String(255)),
    sa.Column("address_2", sa.String(255)),
    sa.Column("city", sa.String(128)),
    sa.Column("province", sa.String(128)),
    sa.Column("country", sa.String(64)),
    sa.Column("postcode", sa.String(32)),
    sa.Column("telephone", sa.String(64)),
    sa.CheckConstraint("kind IN ('shipping', 'billing')", name="kind"),
    sa.UniqueConstraint("order_id", "kind"),
)

shipment = sa.Table(
    "shipment",
    metadata,
    sa.Column("shipment_id", Id, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.Uuid(as_uuid=False), nullable=False, unique=True),
    _order_fk(),
    sa.Column("carrier", sa.String(64)),
    sa.Column("tracking_number", sa.String(128)),
    sa.Column("status", Code, nullable=False),
    sa.Column("shipped_at", UtcDateTime),
    sa.Column("delivered_at", UtcDateTime),
    sa.Column("canceled_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    *_actor_columns(),
)

shipment_item = sa.Table(
    "shipment_item",
    metadata,
    sa.Column("shipment_item_id", Id, primary_key=True, autoincrement=True),
    sa.Column(
        "shipment_id",
        Id,
        sa.ForeignKey("shipment.shipment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "order_item_id",
        Id,
        sa.ForeignKey("order_item.order_item_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.CheckConstraint("qty > 0", name="qty_positive"),
    sa.UniqueConstraint("shipment_id", "order_item_id"),
)

activity = sa.Table(
    "order_activity",
    metadata,
    sa.Column("activity_id", Id, primary_key=True, autoincrement=True),
    _order_fk(),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("customer_notified", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    *_actor_columns(),
)

status_history = sa.Table(
    "order_status_history",
    metadata,
    sa.Column("history_id", Id, primary_key=True, autoincrement=True),
    _order_fk(),
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("from_status", Code),
    sa.Column("to_status", Code, nullable=False),
    sa.Column("reason", sa.String(255)),
    sa.Column("changed_at", UtcDateTime, nullable=False, default=utcnow),
    *_actor_columns(),
    sa.CheckConstraint("field IN ('payment', 'shipment', 'order')", name="field"),
)

# The payment ledger: one row per authorization, capture, sale, void or refund a payment
# provider reported (or a person recorded), failed attempts included. Rows are never
# changed. A provider's (gateway, reference) names one row: a retried webhook finds it.
# gateway is '' when none was given, so that the pair stays unique (NULLs never collide).
# The ledger rows a sales report subtracts: succeeded refunds.
REFUND_ROWS_SQL = "kind = 'refund' AND status = 'succeeded'"

payment = sa.Table(
    "order_payment",
    metadata,
    sa.Column("payment_id", Id, primary_key=True, autoincrement=True),
    _order_fk(),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("amount", Money(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("gateway", sa.String(64), nullable=False, server_default=""),
    sa.Column("reference", sa.String(255)),
    sa.Column("actor", sa.String(255), nullable=False, server_default="system"),
    sa.Column("actor_name", sa.String(255), nullable=False, server_default="system"),
    sa.Column("note", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.CheckConstraint("amount > 0", name="amount_positive"),
    sa.CheckConstraint(
        "kind IN ('authorization', 'capture', 'sale', 'void', 'refund')", name="kind"
    ),
    sa.CheckConstraint("status IN ('succeeded', 'failed')", name="status"),
    sa.UniqueConstraint("gateway", "reference"),
    # Sales reports subtract the refunds of each day (db/reports.py); refunds are few,
    # so a partial index (migration 0009) keeps that part of the dashboard cheap.
    sa.Index(
        "ix_order_payment_refund_created",
        "created_at",
        postgresql_where=sa.text(REFUND_ROWS_SQL),
        sqlite_where=sa.text(REFUND_ROWS_SQL),
    ),
)

inventory = sa.Table(
    "inventory",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    # 64-bit: set_stock stops at orders.stock.MAX_STOCK, and restocks go on top of it.
    sa.Column("qty", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("manage_stock", sa.Boolean, nullable=False, default=True),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    sa.CheckConstraint("qty >= 0", name="qty_not_negative"),
)

# The transactional outbox: written in the transaction of the change it reports,
# read and marked dispatched by a relay that feeds a real broker.
event = sa.Table(
    "event",
    metadata,
    sa.Column("event_id", Id, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    sa.Column("order_id", Id, sa.ForeignKey("order.order_id", ondelete="CASCADE"), index=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.Column("dispatched_at", UtcDateTime),
    sa.Index(
        "ix_event_pending",
        "event_id",
        postgresql_where=sa.text("dispatched_at IS NULL"),
        sqlite_where=sa.text("dispatched_at IS NULL"),
    ),
)

api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("token_id", Id, primary_key=True, autoincrement=True),
    # SHA-256 of the secret; the secret itself is shown once and never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    # No foreign key: a customer token may be issued before the customer orders.
    sa.Column("customer_id", sa.BigInteger),
    sa.Column("label", sa.String(255)),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.Column("revoked_at", UtcDateTime),
    # Space-separated scopes of a staff token, or "*" (every scope, later ones too).
    sa.Column("scopes", sa.Text, nullable=False, server_default=sa.text("''")),
    sa.Column("name", sa.String(255)),
    sa.CheckConstraint("role IN ('admin', 'customer')", name="role"),
    sa.CheckConstraint(
        "(role = 'customer') = (customer_id IS NOT NULL)", name="customer_role_has_customer"
    ),
)

idempotency_key = sa.Table(
    "idempotency_key",
    metadata,
    sa.Column("idempotency_id", Id, primary_key=True, autoincrement=True),
    sa.Column("principal", sa.String(64), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("response_status", sa.Integer, nullable=False),
    sa.Column("response_body", sa.Text, nullable=False),
    # The headers a replay must repeat (Location of a created resource); added in 0002.
    sa.Column("response_headers", sa.JSON),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow, index=True),
    sa.UniqueConstraint("principal", "key"),
)

# -- The event relay (migration 0004): see ``ordermill.events``; its own tables are in
# ``relay_tables.py`` ---------------------------------------------------------------

# ``event`` gains two columns filled by the database, so that writers need no change:
# ``event_uuid``, the CloudEvent id (server default: gen_random_uuid() on PostgreSQL, a
# random version-4 uuid expression on SQLite), and ``txid``, the writing transaction's
# id on PostgreSQL (pg_current_xact_id(); NULL on SQLite, where id order is commit order).
# Their defaults differ per database, so they live in the migration only.
event.append_column(sa.Column("event_uuid", sa.Uuid(as_uuid=False), nullable=False))
event.append_column(sa.Column("txid", sa.BigInteger))
sa.Index("ix_event_txid", event.c.txid, event.c.event_id, sqlite_where=sa.false())
