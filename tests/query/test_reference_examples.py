"""The "Query Builder Services" examples of EverShop's OMS module services, line for line."""

from __future__ import annotations

from datetime import UTC, datetime

import ordermill
from ordermill import services
from ordermill.domain.records import Order
from tests.query.conftest import ids


def test_base_query_paid_pending_newest_first(oms: ordermill.Oms, seeded: list[Order]) -> None:
    query = oms.get_orders_base_query()
    orders = (
        query.where("payment_status", "=", "paid")
        .and_where("shipment_status", "=", "pending")
        .order_by("created_at", "DESC")
        .execute()
    )

    expected = sorted(
        (o for o in seeded if o.payment_status == "paid" and o.shipment_status == "pending"),
        key=lambda o: o.created_at,
        reverse=True,
    )
    assert ids(orders) == ids(expected)
    assert len(orders) == 5
    lines = [f"Order {o.order_number}: ${o.grand_total}" for o in orders]
    assert lines[0] == f"Order {expected[0].order_number}: ${expected[0].grand_total}"


def test_recent_orders(oms: ordermill.Oms, seeded: list[Order]) -> None:
    recent = (
        oms.get_orders_base_query()
        .where("created_at", ">=", "2024-01-01")
        .order_by("created_at", "DESC")
        .limit(0, 20)
        .execute()
    )

    since = datetime(2024, 1, 1, tzinfo=UTC)
    expected = sorted(
        (o for o in seeded if o.created_at >= since), key=lambda o: o.created_at, reverse=True
    )
    assert ids(recent) == ids(expected)
    assert len(recent) == 5


def test_orders_by_customer(oms: ordermill.Oms, seeded: list[Order]) -> None:
    customer_id = 2
    customer_orders = (
        oms.get_orders_base_query()
        .where("customer_id", "=", customer_id)
        .order_by("order_number", "DESC")
        .execute()
    )

    expected = sorted(
        (o for o in seeded if o.customer_id == customer_id),
        key=lambda o: o.order_number,
        reverse=True,
    )
    assert ids(customer_orders) == ids(expected)
    assert {o.customer_id for o in customer_orders} == {2}


def test_pending_shipments(oms: ordermill.Oms, seeded: list[Order]) -> None:
    pending_shipments = (
        oms.get_orders_base_query()
        .where("payment_status", "=", "paid")
        .and_where("shipment_status", "=", "pending")
        .execute()
    )

    # No sort asked: the order id breaks the tie, so the result is still deterministic.
    expected = [o for o in seeded if o.payment_status == "paid" and o.shipment_status == "pending"]
    assert ids(pending_shipments) == ids(expected)


def test_module_level_function_uses_the_default_instance(
    default_oms: ordermill.Oms, seeded: list[Order]
) -> None:
    query = services.get_orders_base_query()
    orders = query.where("payment_status", "=", "paid").order_by("created_at", "DESC").execute()

    assert ids(orders) == ids(
        sorted(
            (o for o in seeded if o.payment_status == "paid"),
            key=lambda o: o.created_at,
            reverse=True,
        )
    )


def test_joins_named_by_the_reference_load_in_bulk(oms: ordermill.Oms, seeded: list[Order]) -> None:
    # "Available joins: order items, customer information, addresses, shipment details,
    # order activities": each is a relation of .with_().
    [first] = (
        oms.get_orders_base_query()
        .where("order_id", "=", seeded[0].order_id)
        .with_("items", "customer", "shipping_address", "billing_address")
        .with_("shipments", "activities", "history")
        .execute()
    )

    detail = oms.get_order(seeded[0].order_id)
    assert first == detail
    assert first.items is not None and len(first.items) == 1
    assert first.customer is not None and first.customer.customer_id == seeded[0].customer_id
    assert first.shipping_address is not None and first.shipping_address.city == "Berlin"
    assert first.billing_address is not None and first.billing_address.city == "Lyon"
    assert first.shipments == ()
    assert first.activities is not None and len(first.activities) == 1
    assert first.history is not None and len(first.history) == 3
