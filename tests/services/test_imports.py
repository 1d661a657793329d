"""The bulk import service: place_order's rules per row, what a file may carry, idempotency,
stock, order numbers, and a statement count that does not grow with the orders."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.tables import event
from ordermill.testing import count_statements
from tests.conftest import snapshot


def _order(ref: str, **extra: Any) -> dict[str, Any]:
    return {
        "external_reference": ref,
        "customer_email": "ada@example.com",
        "items": [{"sku": "MUG-1", "qty": 2, "price": "9.90"}],
        **extra,
    }


def _file(tmp_path: Path, *records: Any, name: str = "orders.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _problems(oms: ordermill.Oms, path: Path, **options: Any) -> list[str]:
    result = oms.import_orders(path, skip_invalid=True, **options)
    return [str(p) for p in result.problems]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"colour": "red"}, "unknown keys ['colour']"),
        ({"external_reference": None}, "external_reference is required (or uuid)"),
        ({"items": []}, "items: an order needs at least one line"),
        ({"payment_status": "bogus"}, "Invalid payment status 'bogus'"),
        ({"status": "bogus"}, "Invalid order status 'bogus'"),
        ({"grand_total": "1.00"}, "grand_total: 1.00 does not match the 19.80 computed"),
        ({"created_at": "yesterday"}, "created_at: 'yesterday' is not an ISO 8601 timestamp"),
        ({"uuid": "not-a-uuid"}, "uuid: 'not-a-uuid' is not a UUID"),
        (
            {"shipments": [{"status": "shipped", "items": [{"line": 1, "qty": 3}]}]},
            "3 units of item 1 (MUG-1) are shipped but 2 were ordered",
        ),
        (
            {"shipments": [{"status": "lost", "items": [{"line": 1, "qty": 1}]}]},
            "Invalid shipments[0].status 'lost'",
        ),
        (
            {
                "shipment_status": "pending",
                "shipments": [{"status": "shipped", "items": [{"line": 1, "qty": 2}]}],
            },
            "shipment_status: 'pending' disagrees with the order's shipments",
        ),
        (
            {"items": [{"sku": "MUG-1", "qty": 1, "price": "1", "qty_restocked": 2}]},
            "items[0].qty_restocked: 2 exceeds the qty 1",
        ),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_reason(
    oms: ordermill.Oms, tmp_path: Path, extra: dict[str, Any], reason: str
) -> None:
    path = _file(tmp_path, _order("OK-1"), _order("BAD-1", **extra))
    [problem] = _problems(oms, path)
    assert problem.startswith("line 2: ")
    assert reason in problem


def test_all_or_nothing_leaves_the_database_as_it_was(oms: ordermill.Oms, tmp_path: Path) -> None:
    path = _file(tmp_path, *[_order(f"X-{n}") for n in range(5)], _order("X-5", currency="EURO"))
    before = snapshot(oms.engine)
    with pytest.raises(ordermill.InvalidImport) as caught:
        oms.import_orders(path, batch_size=2)
    assert caught.value.problems == ["line 6: currency: 'EURO' is not a 3-letter ISO 4217 code"]
    assert snapshot(oms.engine) == before


def test_what_the_file_carries_is_kept(oms: ordermill.Oms, tmp_path: Path) -> None:
    uuid = "0b7f3f6e-5b8b-4c57-9d4e-6a1b2c3d4e5f"
    record = _order(
        "X-1",
        uuid=uuid,
        order_number="A-77",
        created_at="2024-03-01T10:00:00+00:00",
        payment_status="paid",
        shipments=[
            {
                "carrier": "UPS",
                "tracking_number": "1Z",
                "status": "delivered",
                "items": [{"line": 1, "qty": 2}],
            }
        ],
    )
    oms.import_orders(_file(tmp_path, record))
    imported = oms.get_order(uuid)
    assert imported.order_number == "A-77"
    assert imported.created_at.isoformat() == "2024-03-01T10:00:00+00:00"
    assert (imported.payment_status, imported.shipment_status, imported.status) == (
        "paid",
        "delivered",
        "completed",
    )
    [shipment] = imported.shipments or ()
    assert (shipment.carrier, shipment.status, shipment.delivered_at) == (
        "UPS",
        "delivered",
        imported.created_at,
    )
    assert [(h.field, h.to_status, h.reason) for h in imported.history or ()] == [
        ("payment", "paid", "imported"),
        ("shipment", "delivered", "imported"),
        ("order", "completed", "imported"),
    ]
    with oms.engine.connect() as c:
        names = c.execute(sa.select(event.c.name)).scalars().all()
    assert names == ["ordermill.order.imported"]


def test_defaults_when_the_file_carries_nothing_more(oms: ordermill.Oms, tmp_path: Path) -> None:
    oms.import_orders(_file(tmp_path, _order("X-1")))
    imported = oms.get_order("10001")
    assert (imported.payment_status, imported.shipment_status, imported.status) == (
        "pending",
        "pending",
        "pending",
    )
    later = oms.place_order([{"sku": "A", "qty": 1, "price": "1"}], customer_email="b@example.com")
    assert later.order_number == "10002"


def test_an_order_already_present_is_skipped_and_a_repeat_in_the_file_is_bad(
    oms: ordermill.Oms, tmp_path: Path
) -> None:
    oms.place_order(
        [{"sku": "A", "qty": 1, "price": "1"}],
        customer_email="b@example.com",
        external_reference="X-1",
    )
    path = _file(tmp_path, _order("X-1"), _order("X-2"), _order("X-3"), _order("X-2"))
    result = oms.import_orders(path, skip_invalid=True, batch_size=2)
    assert (result.imported, result.skipped, result.invalid) == (2, 1, 1)
    assert [str(p) for p in result.problems] == [
        "line 4: external_reference 'X-2' is repeated in this file"
    ]
    same_batch = _file(tmp_path, _order("Y-1"), _order("Y-1"), name="same.jsonl")
    assert _problems(oms, same_batch) == [
        "line 2: external_reference 'Y-1' is repeated in this file (line 1)"
    ]


def test_order_number_clashes_are_bad_rows_unless_renumbered(
    oms: ordermill.Oms, tmp_path: Path
) -> None:
    oms.place_order([{"sku": "A", "qty": 1, "price": "1"}], customer_email="b@example.com")
    path = _file(tmp_path, _order("X-1", order_number="10001"))
    [problem] = _problems(oms, path)
    assert "order_number 10001 is taken by another order" in problem
    result = oms.import_orders(path, renumber=True)
    assert result.imported == 1
    assert oms.get_order("10002").external_reference == "X-1"


@pytest.mark.postgres_only
def test_imported_numbers_move_the_postgresql_sequence(oms: ordermill.Oms, tmp_path: Path) -> None:
    oms.import_orders(_file(tmp_path, _order("X-1", order_number="50000")))
    placed = oms.place_order([{"sku": "A", "qty": 1, "price": "1"}], customer_email="b@example.com")
    assert placed.order_number == "50001"


def test_orders_placed_after_an_import_never_reuse_an_imported_number(
    oms: ordermill.Oms, tmp_path: Path
) -> None:
    # Twelve orders whose numbers cover the ones place_order would draw next (on SQLite the
    # largest id plus 10001: 10013), one far above, and one that is not a number.
    records = [_order(f"X-{n}", order_number=str(n)) for n in range(10005, 10015)]
    records.append(_order("X-far", order_number="20000"))
    records.append(_order("X-text", order_number="LEGACY-1"))
    assert oms.import_orders(_file(tmp_path, *records)).imported == 12
    line = [{"sku": "A", "qty": 1, "price": "1"}]
    placed = [oms.place_order(line, customer_email="b@example.com") for _ in range(3)]
    numbers = [p.order_number for p in placed]
    imported = {str(r["order_number"]) for r in records}
    assert not imported & set(numbers)
    assert len(set(numbers)) == 3
    # After the first new number the next ones follow it, without another search.
    assert [int(n) for n in numbers[1:]] == [int(numbers[0]) + 1, int(numbers[0]) + 2]


def test_take_stock_all_or_nothing_and_per_order(oms: ordermill.Oms, tmp_path: Path) -> None:
    oms.set_stock("MUG-1", 5)
    path = _file(tmp_path, *[_order(f"X-{n}") for n in range(3)])
    with pytest.raises(ordermill.InsufficientStock):
        oms.import_orders(path, take_stock=True)
    assert oms.get_orders_base_query().count() == 0
    result = oms.import_orders(path, take_stock=True, skip_invalid=True)
    assert (result.imported, result.invalid) == (2, 1)
    assert oms.get_stock("MUG-1").qty == 1
    restocked = _order("Y-1", items=[{"sku": "MUG-1", "qty": 2, "price": "1", "qty_restocked": 2}])
    oms.import_orders(_file(tmp_path, restocked, name="canceled.jsonl"), take_stock=True)
    assert oms.get_stock("MUG-1").qty == 1


def test_csv_rows_group_into_orders(oms: ordermill.Oms, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "external_reference,customer_email,shipping_city,item_sku,item_qty,item_price\n"
        "X-1,ada@example.com,Paris,MUG-1,2,9.90\n"
        "X-1,,,TEA-1,1,3.00\n"
        "X-2,bob@example.com,,MUG-1,1,9.90\n"
        "X-2,eve@example.com,,TEA-1,1,3.00\n"
    )
    result = oms.import_orders(path, skip_invalid=True)
    assert result.imported == 1
    assert [str(p) for p in result.problems] == [
        "line 5: customer_email is 'eve@example.com' but 'bob@example.com' on line 4,"
        " the first row of order 'X-2'"
    ]
    first = oms.get_order("10001")
    assert [(i.sku, i.qty) for i in first.items or ()] == [("MUG-1", 2), ("TEA-1", 1)]
    assert first.shipping_address is not None and first.shipping_address.city == "Paris"


def test_gzip_files_are_read(oms: ordermill.Oms, tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write(json.dumps(_order("X-1")) + "\n")
    assert oms.import_orders(path).imported == 1


def test_statements_grow_with_batches_not_with_orders(oms: ordermill.Oms, tmp_path: Path) -> None:
    path = _file(tmp_path, *[_order(f"X-{n}") for n in range(200)])
    with count_statements(oms.engine) as log:
        result = oms.import_orders(path, batch_size=100)
    assert result.imported == 200
    assert log.count <= 2 * 14
