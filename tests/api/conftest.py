"""The REST API in process: the app over a test database, tokens, and a small shop.

Customer A (id 101) has two orders, customer B (id 202) one; each order has a
staff-only activity carrying a canary string that no customer response may contain.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

import ordermill
from ordermill.api import create_app
from ordermill.db.tables import event

with warnings.catch_warnings():
    # Starlette suggests httpx2 for its TestClient; httpx is what this project pins.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

# Webhook secrets are stored encrypted under this key.
os.environ.setdefault("ORDERMILL_SECRET_KEY", "test-secret-key-for-webhook-secrets")

CUSTOMER_A = 101
CUSTOMER_B = 202
CANARY = "CANARY-7f3e9a1c-internal-note"
STOCK = {"MUG": 50, "TEA": 20}
LINES: list[dict[str, Any]] = [
    {"sku": "MUG", "qty": 2, "price": "9.90", "name": "Mug"},
    {"sku": "TEA", "qty": 1, "price": "4.50", "name": "Tea"},
]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class Shop:
    oms: ordermill.Oms
    client: TestClient
    admin: dict[str, str]
    customer_a: dict[str, str]
    customer_b: dict[str, str]
    orders_a: list[str]  # uuids
    order_b: str

    def place(self, customer_id: int | None = CUSTOMER_A, **options: Any) -> ordermill.Order:
        return self.oms.place_order(
            LINES, customer_email=f"c{customer_id}@example.com", customer_id=customer_id, **options
        )


def first_event_id(oms: ordermill.Oms) -> int:
    """The id of the oldest outbox event (the shop's orders wrote some)."""
    with oms.engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.min(event.c.event_id))).scalar()
    assert found is not None
    return int(found)


def client_for(app: FastAPI) -> TestClient:
    """A client that gets the app's 500 responses rather than its exceptions."""
    return TestClient(app, raise_server_exceptions=False)


def make_client(oms: ordermill.Oms) -> TestClient:
    return client_for(create_app(oms))


@pytest.fixture
def shop(oms: ordermill.Oms) -> Iterator[Shop]:
    for sku, qty in STOCK.items():
        oms.set_stock(sku, qty)
    _, admin = oms.create_token(role="admin", label="test admin")
    _, customer_a = oms.create_token(role="customer", customer_id=CUSTOMER_A)
    _, customer_b = oms.create_token(role="customer", customer_id=CUSTOMER_B)
    client = make_client(oms)
    shop = Shop(
        oms=oms,
        client=client,
        admin=bearer(admin),
        customer_a=bearer(customer_a),
        customer_b=bearer(customer_b),
        orders_a=[],
        order_b="",
    )
    placed_a = [shop.place(CUSTOMER_A), shop.place(CUSTOMER_A)]
    placed_b = shop.place(CUSTOMER_B)
    for placed in (*placed_a, placed_b):
        oms.add_order_activity_log(placed.uuid, f"{CANARY} fraud check", customer_notified=False)
        oms.add_order_activity_log(placed.uuid, "Your order is being prepared", True)
    shop.orders_a = [o.uuid for o in placed_a]
    shop.order_b = placed_b.uuid
    with client:
        yield shop
