"""Token scopes and display names; a version on every order.

``api_token.scopes`` lists what a staff (role ``admin``) token may do, space-separated
(``orders:read stock:read``), or ``*`` for every scope, including scopes a later
release adds. Every existing admin token becomes ``*``, so it keeps all its powers;
customer tokens keep an empty list (a customer token's powers come from its role).
``api_token.name`` is a display name ("Ada (warehouse)"), kept after revocation.

``order.version`` counts the changes of an order: 1 when placed, one more with every
change. Existing orders start at 1.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(
            sa.Column("scopes", sa.Text(), nullable=False, server_default=sa.text("''"))
        )
        batch.add_column(sa.Column("name", sa.String(255)))
    op.execute(sa.text("UPDATE api_token SET scopes = '*' WHERE role = 'admin'"))
    with op.batch_alter_table("order") as batch:
        batch.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    with op.batch_alter_table("order") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("name")
        batch.drop_column("scopes")
