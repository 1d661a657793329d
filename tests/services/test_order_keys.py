"""An order is named by its id, uuid, order number or external reference, in that precedence."""

from __future__ import annotations

import pytest

import ordermill
from ordermill.testing import count_statements
from tests.services.shop import place

LINE = [{"sku": "CARD", "qty": 1, "price": "1.00"}]


def test_every_lookup_takes_the_external_reference(oms: ordermill.Oms) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com", external_reference="SHOP-7")
    assert oms.get_order("SHOP-7").order_id == placed.order_id
    assert oms.get_order(" SHOP-7 ").order_id == placed.order_id
    assert oms.list_shipments("SHOP-7") == []
    oms.add_order_activity_log("SHOP-7", "Found by its reference")
    assert oms.cancel_order("SHOP-7", "test").status == "canceled"
    other = oms.place_order(LINE, customer_email="ada@example.com", external_reference="SHOP-8")
    assert oms.update_payment_status("SHOP-8", "paid").payment_status == "paid"
    assert oms.create_shipment("SHOP-8", "UPS", None).order_id == other.order_id


def test_a_reference_longer_than_an_order_number_names_its_order(oms: ordermill.Oms) -> None:
    reference = "marketplace-" + "x" * 60
    placed = oms.place_order(LINE, customer_email="ada@example.com", external_reference=reference)
    assert oms.get_order(reference).order_id == placed.order_id


def test_uuid_and_order_number_take_precedence_over_a_reference(oms: ordermill.Oms) -> None:
    first = place(oms)
    # Another order whose external reference is the first one's number, then its uuid.
    by_number = oms.place_order(
        LINE, customer_email="b@example.com", external_reference=first.order_number
    )
    by_uuid = oms.place_order(LINE, customer_email="c@example.com", external_reference=first.uuid)
    assert oms.get_order(first.order_number).order_id == first.order_id
    assert oms.get_order(first.uuid).order_id == first.order_id
    assert oms.update_payment_status(first.order_number, "paid").order_id == first.order_id
    assert by_number.order_id != first.order_id != by_uuid.order_id


def test_a_reference_lookup_costs_one_statement_more_only_on_a_miss(oms: ordermill.Oms) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com", external_reference="R-1")
    with count_statements(oms.engine) as by_number:
        oms.get_order(placed.order_number)
    with count_statements(oms.engine) as by_reference:
        oms.get_order("R-1")
    assert by_reference.count == by_number.count + 1


def test_text_that_names_nothing_is_not_found(oms: ordermill.Oms) -> None:
    place(oms)
    for key in ("NOPE", "x" * 256, "", "   "):
        with pytest.raises(ordermill.OrderNotFound):
            oms.get_order(key)
    with pytest.raises(ordermill.OrderNotFound):
        oms.update_payment_status("NOPE", "paid")


def test_search_finds_the_exact_external_reference(oms: ordermill.Oms) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com", external_reference="REF/99")
    place(oms)
    found = oms.get_orders_base_query().search("REF/99").page(10).items
    assert [o.order_id for o in found] == [placed.order_id]
