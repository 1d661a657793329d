"""Deterministic orders for query tests: placed through ``oms.place_order``, then given
fixed creation times, statuses and customers with direct Core UPDATEs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db import rows
from ordermill.db.tables import order
from ordermill.domain.records import Order

# 2023-12-25 plus i days: the reference example's '2024-01-01' splits the set.
FIRST_DAY = datetime(2023, 12, 25, 12, 0, tzinfo=UTC)
STATUS_CYCLE = (
    ("paid", "pending"),
    ("paid", "delivered"),
    ("pending", "pending"),
    ("canceled", "canceled"),
    ("paid", "pending"),
)
NAMES = ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov")
GUESTS = frozenset({4, 9})  # orders without a customer account
NAMELESS = frozenset({6})  # an order without a customer name (a NULL to sort)


def place(oms: ordermill.Oms, count: int, *, start: int = 0, **values: Any) -> list[Order]:
    """``count`` orders numbered from ``start``, each then set to its deterministic shape."""
    placed: list[Order] = []
    for i in range(start, start + count):
        name = NAMES[i % len(NAMES)]
        customer_id = None if i in GUESTS else i % 3 + 1
        first = name.split()[0].lower()
        made = oms.place_order(
            [{"sku": f"SKU-{i % 4}", "qty": 1 + i % 2, "price": f"{10 + i}.50"}],
            customer_email=f"{first}{i}@example.com",
            customer_id=customer_id,
            customer_full_name=None if i in NAMELESS else name,
            shipping_address={"full_name": name, "city": "Berlin", "country": "DE"},
            billing_address={"full_name": name, "city": "Lyon", "country": "FR"},
        )
        payment, shipment = STATUS_CYCLE[i % len(STATUS_CYCLE)]
        shape = {
            "payment_status": payment,
            "shipment_status": shipment,
            "status": oms.resolve_order_status(payment, shipment),
            "created_at": FIRST_DAY + timedelta(days=i),
        }
        update(oms, made.order_id, **(shape | values))
        placed.append(made)
    return placed


def update(oms: ordermill.Oms, order_id: int, **values: Any) -> None:
    with oms.engine.begin() as c:
        c.execute(order.update().where(order.c.order_id == order_id).values(**values))


def all_orders(oms: ordermill.Oms) -> list[Order]:
    """Every order as stored, read without the query builder (the expected side of tests)."""
    with oms.engine.connect() as c:
        return [
            rows.order_from_row(r) for r in c.execute(sa.select(order).order_by(order.c.order_id))
        ]


@pytest.fixture
def seeded(oms: ordermill.Oms) -> list[Order]:
    """Twelve orders, 2023-12-25 to 2024-01-05, mixed statuses, customers 1-3 and two guests."""
    place(oms, 12)
    return all_orders(oms)


Predicate = Callable[[Order], bool]


def ids(orders: list[Order]) -> list[int]:
    return [o.order_id for o in orders]
