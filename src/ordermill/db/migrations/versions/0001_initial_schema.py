"""The initial schema: orders, items, addresses, shipments, activity, status history,
inventory, the event outbox, API tokens and idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:41:40.189875
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.CreateSequence(sa.Sequence("order_number_seq", start=10001)))
    op.create_table(
        "api_token",
        sa.Column(
            "token_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(role = 'customer') = (customer_id IS NOT NULL)",
            name=op.f("ck_api_token_customer_role_has_customer"),
        ),
        sa.CheckConstraint("role IN ('admin', 'customer')", name=op.f("ck_api_token_role")),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_table(
        "customer",
        sa.Column("customer_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer")),
    )
    op.create_table(
        "idempotency_key",
        sa.Column(
            "idempotency_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("principal", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("principal", "key", name=op.f("uq_idempotency_key_principal_key")),
    )
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_key_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "inventory",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("manage_stock", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("qty >= 0", name=op.f("ck_inventory_qty_not_negative")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_inventory")),
    )
    op.create_table(
        "order",
        sa.Column(
            "order_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("order_number", sa.String(length=32), nullable=False),
        sa.Column("external_reference", sa.String(length=255), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("customer_email", sa.String(length=255), nullable=False),
        sa.Column("customer_full_name", sa.String(length=255), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sub_total", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("tax_amount", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("shipping_fee", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("discount_amount", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("grand_total", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("payment_method", sa.String(length=64), nullable=True),
        sa.Column("shipping_method", sa.String(length=64), nullable=True),
        sa.Column("payment_status", sa.String(length=32), nullable=False),
        sa.Column("shipment_status", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sub_total >= 0 AND tax_amount >= 0 AND shipping_fee >= 0 AND discount_amount >= 0 AND grand_total >= 0",
            name=op.f("ck_order_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.customer_id"], name=op.f("fk_order_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order")),
        sa.UniqueConstraint("external_reference", name=op.f("uq_order_external_reference")),
        sa.UniqueConstraint("order_number", name=op.f("uq_order_order_number")),
        sa.UniqueConstraint("uuid", name=op.f("uq_order_uuid")),
    )
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.create_index("ix_order_created_at", ["created_at", "order_id"], unique=False)
        batch_op.create_index(
            "ix_order_customer_created", ["customer_id", "created_at", "order_id"], unique=False
        )
        batch_op.create_index("ix_order_customer_email", ["customer_email"], unique=False)
        batch_op.create_index(
            "ix_order_payment_shipment_created",
            ["payment_status", "shipment_status", "created_at", "order_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_order_status_created", ["status", "created_at", "order_id"], unique=False
        )

    op.create_table(
        "event",
        sa.Column(
            "event_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order.order_id"],
            name=op.f("fk_event_order_id_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_event_pending",
            ["event_id"],
            unique=False,
            postgresql_where=sa.text("dispatched_at IS NULL"),
            sqlite_where=sa.text("dispatched_at IS NULL"),
        )

    op.create_table(
        "order_activity",
        sa.Column(
            "activity_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("customer_notified", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order.order_id"],
            name=op.f("fk_order_activity_order_id_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_order_activity")),
    )
    with op.batch_alter_table("order_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_activity_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_address",
        sa.Column(
            "address_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("address_1", sa.String(length=255), nullable=True),
        sa.Column("address_2", sa.String(length=255), nullable=True),
        sa.Column("city", sa.String(length=128), nullable=True),
        sa.Column("province", sa.String(length=128), nullable=True),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("postcode", sa.String(length=32), nullable=True),
        sa.Column("telephone", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('shipping', 'billing')", name=op.f("ck_order_address_kind")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order.order_id"],
            name=op.f("fk_order_address_order_id_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("address_id", name=op.f("pk_order_address")),
        sa.UniqueConstraint("order_id", "kind", name=op.f("uq_order_address_order_id_kind")),
    )
    op.create_table(
        "order_item",
        sa.Column(
            "order_item_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("line_total", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("requires_shipping", sa.Boolean(), nullable=False),
        sa.Column("qty_restocked", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_order_item_qty_positive")),
        sa.CheckConstraint(
            "qty_restocked >= 0 AND qty_restocked <= qty",
            name=op.f("ck_order_item_restock_bounded"),
        ),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_order_item_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order.order_id"],
            name=op.f("fk_order_item_order_id_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_item_id", name=op.f("pk_order_item")),
    )
    with op.batch_alter_table("order_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_item_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_status_history",
        sa.Column(
            "history_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "field IN ('payment', 'shipment', 'order')", name=op.f("ck_order_status_history_field")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order.order_id"],
            name=op.f("fk_order_status_history_order_id_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("history_id", name=op.f("pk_order_status_history")),
    )
    with op.batch_alter_table("order_status_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_status_history_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "shipment",
        sa.Column(
            "shipment_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uuid", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=True),
        sa.Column("tracking_number", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order.order_id"],
            name=op.f("fk_shipment_order_id_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipment")),
        sa.UniqueConstraint("uuid", name=op.f("uq_shipment_uuid")),
    )
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_order_id"), ["order_id"], unique=False)

    op.create_table(
        "shipment_item",
        sa.Column(
            "shipment_item_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "shipment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "order_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_shipment_item_qty_positive")),
        sa.ForeignKeyConstraint(
            ["order_item_id"],
            ["order_item.order_item_id"],
            name=op.f("fk_shipment_item_order_item_id_order_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipment.shipment_id"],
            name=op.f("fk_shipment_item_shipment_id_shipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shipment_item_id", name=op.f("pk_shipment_item")),
        sa.UniqueConstraint(
            "shipment_id", "order_item_id", name=op.f("uq_shipment_item_shipment_id_order_item_id")
        ),
    )
    with op.batch_alter_table("shipment_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shipment_item_order_item_id"), ["order_item_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipment_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_item_order_item_id"))

    op.drop_table("shipment_item")
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_order_id"))

    op.drop_table("shipment")
    with op.batch_alter_table("order_status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_status_history_order_id"))

    op.drop_table("order_status_history")
    with op.batch_alter_table("order_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_item_order_id"))

    op.drop_table("order_item")
    op.drop_table("order_address")
    with op.batch_alter_table("order_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_activity_order_id"))

    op.drop_table("order_activity")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_event_pending",
            postgresql_where=sa.text("dispatched_at IS NULL"),
            sqlite_where=sa.text("dispatched_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_event_order_id"))

    op.drop_table("event")
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_index("ix_order_status_created")
        batch_op.drop_index("ix_order_payment_shipment_created")
        batch_op.drop_index("ix_order_customer_email")
        batch_op.drop_index("ix_order_customer_created")
        batch_op.drop_index("ix_order_created_at")

    op.drop_table("order")
    op.drop_table("inventory")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_key_created_at"))

    op.drop_table("idempotency_key")
    op.drop_table("customer")
    op.drop_table("api_token")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.DropSequence(sa.Sequence("order_number_seq")))
