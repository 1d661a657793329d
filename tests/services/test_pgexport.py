"""The PostgreSQL export (the server writes the JSON Lines and the CSV rows) is
byte-identical to the Python path, the reference, on awkward data: 4-decimal money,
timestamps with and without microseconds, nulls, escapes, control characters, unicode,
filters and sorts, over several chunks built by parallel workers."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.query import OrderFilters
from ordermill.db.tables import address, order, order_item, payment, shipment
from ordermill.transfer.exports import _writer, iter_records
from ordermill.transfer.orderfile import FileFormat

pytestmark = pytest.mark.postgres_only

_AWKWARD = (
    'quote " backslash \\ nl \n tab \t cr \r bs \b ff \f ctl \x01\x1f del \x7f é 日本 \u2028 😀 </'
)


def _order(ref: str, **extra: Any) -> dict[str, Any]:
    return {
        "external_reference": ref,
        "customer_email": "ada@example.com",
        "items": [
            {"sku": "MUG-1", "qty": 2, "price": "9.90"},
            {"sku": "CAP-2", "qty": 1, "price": "12", "name": "Cap"},
        ],
        **extra,
    }


def _python_bytes(
    oms: ordermill.Oms, filters: OrderFilters, file_format: FileFormat = "jsonl"
) -> bytes:
    chosen = dataclasses.replace(filters, sort=filters.sort or "order_id")
    query = chosen.apply(oms.get_orders_base_query())
    buffer = io.StringIO(newline="")
    write = _writer(buffer, file_format)
    for record in iter_records(oms.engine, query.statement(), chunk_size=2):
        write(record)
    return buffer.getvalue().encode("utf-8")


def _fill(oms: ordermill.Oms, tmp_path: Path) -> None:
    address_fields = {"full_name": _AWKWARD, "city": "Zürich", "country": "CH"}
    records = [
        _order("A-1", shipping_address=address_fields, billing_address=address_fields),
        _order(
            "A-2",
            payment_status="paid",
            customer_full_name="Zoë",
            shipments=[
                {"carrier": "UPS", "status": "delivered", "items": [{"line": 2, "qty": 1}]},
                {"status": "shipped", "items": [{"line": 1, "qty": 1}]},
            ],
        ),
        *(_order(f"B-{n}", payment_status="paid" if n % 2 else "pending") for n in range(7)),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = oms.import_orders(path, skip_invalid=True)
    assert not result.problems, [str(p) for p in result.problems]
    with oms.engine.begin() as conn:
        conn.execute(
            order_item.update()
            .where(order_item.c.sku == "MUG-1")
            .values(name=_AWKWARD, unit_price=Decimal("1.2345"), product_id="p\\1")
        )
        conn.execute(
            order_item.update()
            .where(order_item.c.sku == "CAP-2")
            .values(unit_price=Decimal("99999999.9990"), requires_shipping=False)
        )
        conn.execute(
            order.update()
            .where(order.c.external_reference == "A-1")
            .values(
                created_at=datetime(2024, 2, 29, 23, 59, 59, 1, tzinfo=UTC),
                discount_amount=Decimal("0.5000"),
                customer_full_name=_AWKWARD,
            )
        )
        conn.execute(
            order.update()
            .where(order.c.external_reference == "A-2")
            .values(created_at=datetime(2024, 3, 1, 0, 0, 0, tzinfo=UTC))
        )
        conn.execute(
            shipment.update().values(
                tracking_number=_AWKWARD,
                shipped_at=datetime(2024, 3, 2, 1, 2, 3, 450000, tzinfo=UTC),
            )
        )
        conn.execute(address.update().values(postcode=None, telephone=""))
    # Ledgers: awkward texts, no gateway, failed rows, 4-decimal money, microseconds.
    a2 = oms.get_order("A-2").uuid
    oms.record_payment(
        a2, "sale", "3.00", gateway="stripe", reference=_AWKWARD[:200], note=_AWKWARD
    )
    oms.record_payment(a2, "refund", "1.00")
    oms.record_payment(a2, "capture", "2.00", status="failed", gateway='g,"q"')
    for n in (1, 2):
        oms.record_payment(oms.get_order(f"B-{n}").uuid, "authorization", "5.00")
    with oms.engine.begin() as conn:
        conn.execute(
            payment.update()
            .where(payment.c.kind == "refund")
            .values(
                amount=Decimal("0.1234"), created_at=datetime(2024, 3, 3, 4, 5, 6, 7, tzinfo=UTC)
            )
        )


@pytest.mark.parametrize(
    "filters",
    [
        OrderFilters(),
        OrderFilters(payment_status="paid", sort="-grand_total,created_at"),
        OrderFilters(q="ada", sort="-created_at"),
        OrderFilters(created_from=datetime(2024, 3, 1, tzinfo=UTC)),
    ],
)
def test_the_server_writes_the_same_bytes_as_python(
    oms: ordermill.Oms, tmp_path: Path, filters: OrderFilters
) -> None:
    _fill(oms, tmp_path)
    target = tmp_path / "fast.jsonl"
    result = oms.export_orders(target, filters=filters, chunk_size=3)
    expected = _python_bytes(oms, filters)
    assert target.read_bytes() == expected
    lines = expected.decode().split("\n")[:-1]
    assert result.orders == len(lines)
    assert result.items == sum(len(json.loads(line)["items"]) for line in lines)
    assert result.orders > 0


def _csv_quotes_a_lone_cr() -> bool:
    """CPython quotes a cell with a CR only since 3.11.9 (gh-67044); before, such a file
    does not read back. The server always quotes it."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerow(["a\rb", "c"])
    return buffer.getvalue().startswith('"')


@pytest.mark.parametrize(
    "filters",
    [OrderFilters(), OrderFilters(payment_status="paid", sort="-grand_total,created_at")],
)
def test_the_server_writes_the_same_csv_as_python(
    oms: ordermill.Oms, tmp_path: Path, filters: OrderFilters
) -> None:
    _fill(oms, tmp_path)
    if not _csv_quotes_a_lone_cr():
        # This interpreter's csv would write a CR unquoted (see above): compare the rest.
        with oms.engine.begin() as conn:
            for table, columns in (
                (order_item, ("name",)),
                (order, ("customer_full_name",)),
                (shipment, ("tracking_number",)),
                (address, ("full_name",)),
            ):
                conn.execute(
                    table.update().values(
                        {c: sa.func.replace(table.c[c], "\r", "") for c in columns}
                    )
                )
    target = tmp_path / "fast.csv"
    result = oms.export_orders(target, filters=filters, chunk_size=3)
    expected = _python_bytes(oms, filters, "csv")
    assert target.read_bytes() == expected
    assert '"' in expected.decode() and "\n\n" not in expected.decode()
    assert result.items == len(list(csv.reader(io.StringIO(expected.decode())))) - 1
    assert result.orders > 0


def test_a_cr_in_a_cell_is_quoted_and_reads_back(oms: ordermill.Oms, tmp_path: Path) -> None:
    _fill(oms, tmp_path)
    target = tmp_path / "out.csv"
    oms.export_orders(target)
    assert '"' + _AWKWARD.replace('"', '""') + '"' in target.read_bytes().decode()
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode())))
    assert {row["item_name"] for row in rows} >= {_AWKWARD}
    assert len(rows) == oms.export_orders(io.StringIO(), file_format="csv").items


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_nothing_selected_writes_what_python_writes(
    oms: ordermill.Oms, tmp_path: Path, file_format: FileFormat
) -> None:
    _fill(oms, tmp_path)
    filters = OrderFilters(q="nobody-matches-this")
    target = tmp_path / f"none.{file_format}"
    result = oms.export_orders(target, filters=filters)
    assert (result.orders, result.items) == (0, 0)
    assert target.read_bytes() == _python_bytes(oms, filters, file_format)


class _FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError("No space left on device")


def test_a_failed_write_stops_the_workers_and_returns_their_connections(
    oms: ordermill.Oms, tmp_path: Path
) -> None:
    _fill(oms, tmp_path)
    with pytest.raises(OSError, match="No space left"):
        oms.export_orders(_FullDisk(), file_format="jsonl", chunk_size=1)
    assert oms.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_stream_gets_the_same_text(oms: ordermill.Oms, tmp_path: Path) -> None:
    _fill(oms, tmp_path)
    stream = io.StringIO(newline="")
    oms.export_orders(stream, file_format="jsonl")
    assert stream.getvalue().encode() == _python_bytes(oms, OrderFilters())
    assert "1.2345" in stream.getvalue()
    assert "99999999.999" in stream.getvalue()
