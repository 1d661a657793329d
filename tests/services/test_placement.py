"""Placing an order: exact totals, validation, stock taken atomically."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.locks import lock_switches
from ordermill.db.tables import activity, address, event, inventory, order, status_history
from ordermill.domain.new_order import ADDRESS_MAX_LENGTHS
from tests.conftest import snapshot


def _line(**overrides: Any) -> dict[str, Any]:
    return {"sku": "MUG-1", "qty": 2, "price": "9.90", "name": "Mug", **overrides}


def test_place_order_computes_exact_decimal_totals(oms: ordermill.Oms) -> None:
    placed = oms.place_order(
        [_line(), {"sku": "TEA-1", "qty": 3, "price": Decimal("0.10")}],
        customer_email="ada@example.com",
        shipping_fee="4.95",
        tax_amount=2,
        discount_amount="1.00",
    )
    assert placed.sub_total == Decimal("20.10")
    assert placed.grand_total == Decimal("26.05")
    assert isinstance(placed.grand_total, Decimal)
    stored = oms.get_order(placed.uuid)
    assert (stored.sub_total, stored.shipping_fee, stored.tax_amount, stored.grand_total) == (
        Decimal("20.10"),
        Decimal("4.95"),
        Decimal("2"),
        Decimal("26.05"),
    )
    assert [(i.sku, i.qty, i.unit_price, i.line_total) for i in stored.items or ()] == [
        ("MUG-1", 2, Decimal("9.90"), Decimal("19.80")),
        ("TEA-1", 3, Decimal("0.10"), Decimal("0.30")),
    ]


def test_new_order_gets_default_statuses_activity_history_and_event(oms: ordermill.Oms) -> None:
    placed = oms.place_order([_line()], customer_email="ada@example.com")
    assert (placed.payment_status, placed.shipment_status, placed.status) == (
        "pending",
        "pending",
        "pending",
    )
    assert placed.order_number == "10001"
    full = oms.get_order(placed.order_id)
    assert [a.message for a in full.activities or ()] == ["Order created"]
    assert {(h.field, h.to_status) for h in full.history or ()} == {
        ("payment", "pending"),
        ("shipment", "pending"),
        ("order", "pending"),
    }
    with oms.engine.connect() as c:
        names = c.execute(sa.select(event.c.name).where(event.c.order_id == placed.order_id))
        assert names.scalars().all() == ["ordermill.order.placed"]


def test_order_numbers_are_unique_and_increasing(oms: ordermill.Oms) -> None:
    numbers = [
        oms.place_order([_line()], customer_email="a@example.com").order_number for _ in range(3)
    ]
    assert numbers == ["10001", "10002", "10003"]


def test_addresses_and_customer_are_recorded(oms: ordermill.Oms) -> None:
    address = {"full_name": "Ada L", "address_1": "1 Main St", "city": "Paris", "country": "FR"}
    first = oms.place_order(
        [_line()],
        customer_email="ada@example.com",
        customer_id=42,
        customer_full_name="Ada Lovelace",
        shipping_address=address,
        billing_address={**address, "city": "Lyon"},
    )
    second = oms.place_order([_line()], customer_email="ada2@example.com", customer_id=42)
    full = oms.get_order(first.uuid)
    assert full.shipping_address is not None and full.shipping_address.city == "Paris"
    assert full.billing_address is not None and full.billing_address.city == "Lyon"
    assert full.customer is not None
    # The first order creates the customer record; later orders reuse it unchanged.
    assert (full.customer.customer_id, full.customer.email) == (42, "ada@example.com")
    again = oms.get_order(second.uuid)
    assert again.customer is not None and again.customer.email == "ada@example.com"
    assert again.customer_email == "ada2@example.com"


def test_guest_orders_have_no_customer(oms: ordermill.Oms) -> None:
    placed = oms.place_order([_line()], customer_email="guest@example.com")
    full = oms.get_order(placed.uuid)
    assert full.customer_id is None and full.customer is None


def test_managed_stock_is_taken_and_unmanaged_skus_are_never_short(oms: ordermill.Oms) -> None:
    oms.set_stock("MUG-1", 5)
    oms.set_stock("FREE-1", 0, manage_stock=False)
    oms.place_order(
        [_line(qty=2), _line(sku="FREE-1", qty=9), _line(sku="NOROW", qty=100)],
        customer_email="a@example.com",
    )
    assert oms.get_stock("MUG-1").qty == 3
    assert oms.get_stock("FREE-1").qty == 0
    with pytest.raises(ordermill.StockNotFound, match="NOROW"):
        oms.get_stock("NOROW")


def test_insufficient_stock_names_the_sku_and_quantities_and_writes_nothing(
    oms: ordermill.Oms,
) -> None:
    oms.set_stock("MUG-1", 5)
    oms.set_stock("TEA-1", 1)
    before = snapshot(oms.engine)
    with pytest.raises(ordermill.InsufficientStock) as caught:
        oms.place_order([_line(qty=2), _line(sku="TEA-1", qty=3)], customer_email="a@example.com")
    assert "TEA-1" in str(caught.value) and "3 requested, 1 in stock" in str(caught.value)
    assert "MUG-1" not in str(caught.value)
    assert snapshot(oms.engine) == before


def test_the_same_sku_on_two_lines_is_counted_together(oms: ordermill.Oms) -> None:
    oms.set_stock("MUG-1", 3)
    with pytest.raises(ordermill.InsufficientStock, match="4 requested, 3 in stock"):
        oms.place_order([_line(qty=2), _line(qty=2)], customer_email="a@example.com")


@pytest.mark.parametrize(
    ("items", "options", "message"),
    [
        ([], {}, "at least one line"),
        ([_line(qty=0)], {}, r"items\[0\]\.qty: 0 is not a positive integer"),
        ([_line(qty=-1)], {}, "is not a positive integer"),
        ([_line(qty=1.5)], {}, "is not a positive integer"),
        ([_line(qty=True)], {}, "is not a positive integer"),
        ([_line(price="-1")], {}, r"items\[0\]\.price: -1 is negative"),
        ([_line(price=9.9)], {}, "is a float"),
        ([_line(price="abc")], {}, "is not a decimal amount"),
        ([_line(price="NaN")], {}, "not a finite amount"),
        ([_line(price="1.00001")], {}, "more than 4 decimal places"),
        ([_line(sku="  ")], {}, r"items\[0\]\.sku must not be empty"),
        ([_line(sku=None)], {}, r"items\[0\]\.sku is required"),
        ([{"sku": "A", "qty": 1}], {}, r"items\[0\]\.price is required"),
        ([_line(colour="red")], {}, "unknown keys"),
        ([_line()], {"shipping_fee": 1.5}, "shipping_fee: 1.5 is a float"),
        ([_line()], {"discount_amount": "100"}, "exceeds the order's total"),
        ([_line()], {"currency": "EURO"}, "3-letter"),
        ([_line()], {"customer_id": 0}, "customer_id: 0 is not a positive integer"),
        ([_line()], {"customer_email": "not-an-email"}, "not an email address"),
        ([_line()], {"shipping_address": {"street": "x"}}, "unknown keys"),
    ],
)
def test_invalid_orders_are_refused_with_the_value_named_and_nothing_written(
    oms: ordermill.Oms, items: list[dict[str, Any]], options: dict[str, Any], message: str
) -> None:
    oms.set_stock("MUG-1", 10)
    before = snapshot(oms.engine)
    kwargs: dict[str, Any] = {"customer_email": "a@example.com", **options}
    with pytest.raises(ordermill.InvalidOrder, match=message):
        oms.place_order(items, **kwargs)
    assert snapshot(oms.engine) == before


def test_place_order_joins_the_callers_transaction(oms: ordermill.Oms) -> None:
    oms.set_stock("MUG-1", 5)
    with pytest.raises(RuntimeError), oms.transaction() as conn:
        oms.place_order([_line(qty=1)], customer_email="a@example.com", conn=conn)
        oms.place_order([_line(qty=1)], customer_email="b@example.com", conn=conn)
        raise RuntimeError("the caller changes its mind")
    assert oms.get_stock("MUG-1").qty == 5
    with oms.engine.connect() as c:
        for table in (order, activity, status_history, event):
            assert c.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def _race_for_five_units(oms: ordermill.Oms) -> tuple[list[str], int]:
    """20 buyers of 1 unit each start together against 5 in stock: (outcomes, stock left)."""
    oms.set_stock("HOT-1", 5)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(n: int) -> None:
        barrier.wait()
        try:
            oms.place_order(
                [{"sku": "HOT-1", "qty": 1, "price": "10"}], customer_email=f"b{n}@example.com"
            )
            result = "ok"
        except ordermill.InsufficientStock:
            result = "short"
        except Exception as exc:  # any other outcome is the failure we look for
            result = type(exc).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with oms.engine.connect() as c:
        left = c.execute(sa.select(inventory.c.qty).where(inventory.c.sku == "HOT-1")).scalar()
    return outcomes, int(left or 0)


@pytest.mark.postgres_only
def test_twenty_buyers_race_for_five_units(oms: ordermill.Oms) -> None:
    outcomes, left = _race_for_five_units(oms)
    assert outcomes.count("ok") == 5
    assert outcomes.count("short") == 15
    assert left == 0
    with oms.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(order)).scalar() == 5


@pytest.mark.postgres_only
def test_the_race_is_caught_when_row_locks_are_switched_off(
    oms: ordermill.Oms, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check of the check: without the inventory row lock the race test must fail."""
    monkeypatch.setattr(lock_switches(), "disable_locks", True)
    outcomes, _ = _race_for_five_units(oms)
    assert outcomes.count("short") != 15, "the race went unnoticed without row locks"


def test_a_repeated_external_reference_is_a_typed_conflict_naming_the_order(
    oms: ordermill.Oms,
) -> None:
    oms.set_stock("MUG-1", 5)
    first = oms.place_order([_line()], customer_email="a@example.com", external_reference="PO-7")
    before = snapshot(oms.engine)
    with pytest.raises(ordermill.DuplicateExternalReference) as caught:
        oms.place_order([_line()], customer_email="b@example.com", external_reference="PO-7")
    assert isinstance(caught.value, ordermill.Conflict)
    assert caught.value.code == "duplicate_external_reference"
    assert "'PO-7'" in str(caught.value) and first.order_number in str(caught.value)
    assert caught.value.details == {
        "external_reference": "PO-7",
        "order_number": first.order_number,
    }
    assert snapshot(oms.engine) == before


def _race_with_one_reference(oms: ordermill.Oms, sku: str, reference: str) -> list[str]:
    """Two placements with ``reference`` start together: "ok" or the error's class each."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def buy(n: int) -> None:
        barrier.wait()
        try:
            oms.place_order(
                [_line(sku=sku, qty=1)],
                customer_email=f"b{n}@example.com",
                external_reference=reference,
            )
            outcomes.append("ok")
        except Exception as exc:  # any other outcome is the failure we look for
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.postgres_only
@pytest.mark.parametrize("sku", ["MUG-1", "UNMANAGED-1"])
def test_placements_racing_with_one_external_reference_place_one_order(
    oms: ordermill.Oms, sku: str
) -> None:
    """Managed stock serialises the racers on the inventory lock; an unmanaged SKU lets
    them meet at the unique index, where the second waits for the first to commit."""
    oms.set_stock("MUG-1", 100)
    for round_ in range(10):
        outcomes = _race_with_one_reference(oms, sku, f"RACE-{round_}")
        assert outcomes == ["DuplicateExternalReference", "ok"]
    with oms.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(order)).scalar() == 10
        assert c.execute(sa.select(sa.func.count()).select_from(event)).scalar() == 10
    assert oms.get_stock("MUG-1").qty == (90 if sku == "MUG-1" else 100)


def test_address_fields_are_refused_past_their_limit_and_stored_whole_at_it(
    oms: ordermill.Oms,
) -> None:
    """One limit per field (the domain's), the same on both databases: no column overflow
    on PostgreSQL, no longer value silently kept on SQLite."""
    before = snapshot(oms.engine)
    for field, limit in ADDRESS_MAX_LENGTHS.items():
        with pytest.raises(
            ordermill.InvalidOrder, match=rf"shipping_address\.{field} is longer than {limit}"
        ):
            oms.place_order(
                [_line()],
                customer_email="a@example.com",
                shipping_address={field: "x" * (limit + 1)},
            )
    assert snapshot(oms.engine) == before
    longest = {field: "y" * limit for field, limit in ADDRESS_MAX_LENGTHS.items()}
    placed = oms.place_order([_line()], customer_email="a@example.com", shipping_address=longest)
    stored = oms.get_order(placed.uuid).shipping_address
    assert stored is not None
    assert {field: getattr(stored, field) for field in ADDRESS_MAX_LENGTHS} == longest


def test_the_address_columns_are_as_long_as_the_domain_allows() -> None:
    lengths = {f: getattr(address.c[f].type, "length", None) for f in ADDRESS_MAX_LENGTHS}
    assert lengths == ADDRESS_MAX_LENGTHS
