"""Migration 0009 keeps existing tokens working with the same powers, and gives every
existing order a version."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

import ordermill
from ordermill.auth.tokens import hash_secret
from ordermill.db.engine import create_engine
from ordermill.db.migrate import downgrade, migrate
from ordermill.domain.scopes import SCOPES
from tests.api.conftest import bearer, make_client

ADMIN_SECRET = "omt_made-before-scopes-admin"
CUSTOMER_SECRET = "omt_made-before-scopes-customer"


def _tokens_at_0006(url: str) -> None:
    engine = create_engine(url)
    try:
        downgrade(engine, "0006")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("api_token")}
        assert "scopes" not in columns
        with engine.begin() as conn:
            for secret, role, customer in (
                (ADMIN_SECRET, "admin", None),
                (CUSTOMER_SECRET, "customer", 101),
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO api_token (token_hash, role, customer_id, label, created_at)"
                        " VALUES (:hash, :role, :customer, 'old', :now)"
                    ),
                    {
                        "hash": hash_secret(secret),
                        "role": role,
                        "customer": customer,
                        "now": datetime.now(UTC),
                    },
                )
    finally:
        migrate(engine)
        engine.dispose()


def test_tokens_made_before_scopes_keep_their_powers(db_url: str) -> None:
    oms = ordermill.connect(db_url)
    try:
        placed = oms.place_order(
            [{"sku": "MUG", "qty": 1, "price": "9.90"}],
            customer_email="a@example.com",
            customer_id=101,
        )
        oms.update_payment_status(placed.uuid, "paid")
        assert oms.get_order(placed.uuid).version == 2
    finally:
        oms.close()
    _tokens_at_0006(db_url)
    oms = ordermill.connect(db_url)
    try:
        admin = oms.authenticate(ADMIN_SECRET)
        assert admin is not None and admin.is_admin
        assert admin.scopes == set(SCOPES)
        customer = oms.authenticate(CUSTOMER_SECRET)
        assert customer is not None and customer.customer_id == 101 and not customer.scopes
        # Every existing order starts at version 1 and counts on from there.
        assert oms.get_order(placed.uuid).version == 1
        client = make_client(oms)
        with client:
            staff, own = bearer(ADMIN_SECRET), bearer(CUSTOMER_SECRET)
            assert (
                client.put("/api/v1/stock/MUG", headers=staff, json={"qty": 3}).status_code == 200
            )
            assert client.get("/api/v1/webhooks", headers=staff).status_code == 200
            note = client.post(
                f"/api/v1/orders/{placed.uuid}/activities",
                headers={**staff, "If-Match": '"1"'},
                json={"message": "after the upgrade"},
            )
            assert note.status_code == 201, note.text
            assert client.get(f"/api/v1/orders/{placed.uuid}", headers=own).status_code == 200
            assert client.get("/api/v1/stock/MUG", headers=own).status_code == 403
        assert oms.get_order(placed.uuid).version == 2
        listed = {t.token_id: t for t in oms.list_tokens()}
        assert all(t.name is None and t.label == "old" for t in listed.values())
    finally:
        oms.close()
