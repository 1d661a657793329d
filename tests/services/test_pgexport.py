"""The PostgreSQL export (the server writes the JSON Lines) is byte-identical to the
Python path, the reference, on awkward data: 4-decimal money, timestamps with and
without microseconds, nulls, escapes, control characters, unicode, filters and sorts."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import ordermill
from ordermill.db.tables import address, order, order_item, shipment
from ordermill.query import OrderFilters
from ordermill.services.exports import _writer, iter_records

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


def _python_bytes(oms: ordermill.Oms, filters: OrderFilters) -> bytes:
    chosen = dataclasses.replace(filters, sort=filters.sort or "order_id")
    query = chosen.apply(oms.get_orders_base_query())
    buffer = io.StringIO(newline="")
    write = _writer(buffer, "jsonl")
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


def test_a_stream_gets_the_same_text(oms: ordermill.Oms, tmp_path: Path) -> None:
    _fill(oms, tmp_path)
    stream = io.StringIO(newline="")
    oms.export_orders(stream, file_format="jsonl")
    assert stream.getvalue().encode() == _python_bytes(oms, OrderFilters())
    assert "1.2345" in stream.getvalue()
    assert "99999999.999" in stream.getvalue()
