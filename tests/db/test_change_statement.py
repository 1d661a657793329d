"""The one-statement writes of PostgreSQL reach every row they touch through an index.

The planner cannot tell how many rows an ``unnest`` or ``jsonb_array_elements``
gives (it guesses 10 or 100), so on a small table it may hash-join a sequential
scan, which is right there and would be wrong on a large one. Here the tables hold
tens of thousands of rows with fresh statistics, and each statement is planned as
psycopg runs it once prepared: a generic plan. No table may be scanned whole. The
restock is also joined on the order's own lines, so it never depends on the guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler

import ordermill
from ordermill.db.change_statement import PARTS, change_statement
from ordermill.db.inserts import _ACTIVITY_WITH_EVENT, _SHIPMENT_WITH_ITEMS

pytestmark = pytest.mark.postgres_only

NOW = datetime(2026, 11, 25, tzinfo=UTC)

EVERY_PART: dict[str, Any] = {
    "b_order_id": 1,
    "b_now": NOW,
    "deliver_shipments": [1, 2],
    "cancel_shipments": [3],
    "restock_items_id": [1, 2],
    "restock_items_qty": [1, 1],
    "restock_inventory_sku": ["SKU-1", "SKU-2"],
    "restock_inventory_qty": [1, 1],
    "b_payment_status": "canceled",
    "b_shipment_status": "canceled",
    "b_status": "canceled",
    "b_reason": "test",
    "b_actor": "staff:1",
    "b_actor_name": "Ada",
    "history": json.dumps([{"field": "order", "from_status": "pending", "to_status": "x"}]),
    "activities": json.dumps([{"message": "m", "customer_notified": False}]),
    "events": json.dumps([{"name": "e", "payload": {"order_id": 1}}]),
}
SHIPMENT: dict[str, Any] = {
    "uuid": "00000000-0000-0000-0000-000000000001",
    "order_id": 1,
    "carrier": "UPS",
    "tracking_number": None,
    "status": "shipped",
    "shipped_at": NOW,
    "delivered_at": None,
    "created_at": NOW,
    "updated_at": NOW,
    "actor": "staff:1",
    "actor_name": "Ada",
    "item_ids": [1, 2],
    "item_qtys": [1, 1],
}
ACTIVITY: dict[str, Any] = {
    "order_id": 1,
    "order_uuid": "00000000-0000-4000-8000-000000000001",
    "message": "m",
    "customer_notified": True,
    "created_at": NOW,
    "actor": "staff:1",
    "actor_name": "Ada",
    "actor_json": '{"kind": "staff", "id": "1", "name": "Ada"}',
    "b_order_id": 1,
    "b_now": NOW,
}


# Enough rows that a sequential scan costs what it would in a shop (20,000 orders).
_FILL = [
    """INSERT INTO "order" (uuid, order_number, customer_email, currency, sub_total,
        tax_amount, shipping_fee, discount_amount, grand_total, payment_status,
        shipment_status, status, created_at, updated_at)
     SELECT gen_random_uuid(), 'F' || g, 'f@example.com', 'USD', 1, 0, 0, 0, 1,
        'paid', 'shipped', 'shipped', now(), now()
     FROM generate_series(1, 20000) AS g""",
    """INSERT INTO order_item (order_id, sku, qty, unit_price, line_total, requires_shipping,
        qty_restocked)
     SELECT o.order_id, 'SKU-' || mod(o.order_id * 3 + k, 2000), 2, 1, 2, true, 0
     FROM "order" AS o, generate_series(1, 3) AS k""",
    """INSERT INTO inventory (sku, qty, manage_stock, updated_at)
     SELECT 'SKU-' || g, 100, true, now() FROM generate_series(0, 1999) AS g""",
    "INSERT INTO shipment (uuid, order_id, status, created_at, updated_at)"
    " SELECT gen_random_uuid(), order_id, 'shipped', now(), now() FROM \"order\"",
    "ANALYZE",
]


@pytest.fixture
def conn(oms: ordermill.Oms) -> Iterator[Connection]:
    with oms.engine.connect() as c, c.begin():
        for sql in _FILL:
            c.exec_driver_sql(sql)
        c.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        yield c


def _table_scans(
    conn: Connection, stmt: sa.ClauseElement, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """The table scans of ``stmt``'s generic plan (it is prepared, then explained)."""
    dialect = postgresql.psycopg.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    names = list(compiled.positiontup or [])
    values = compiled.construct_params(params)
    # Client-side binding (the simple query protocol): in the extended one, the body's
    # $1 would be PREPARE's own parameter, and EXECUTE's arguments would have no type.
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    cursor = psycopg.ClientCursor(driver)
    cursor.execute(f"PREPARE change_plan AS {compiled.string}")
    try:
        arguments = ", ".join(["%s"] * len(names))
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) EXECUTE change_plan({arguments})",
            [values[n] for n in names],
        )
        [[plan]] = cursor.fetchall()
    finally:
        cursor.execute("DEALLOCATE change_plan")
    scans: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        if "Relation Name" in node and node["Node Type"] != "ModifyTable":
            scans.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return scans


def _whole_table_scans(scans: list[dict[str, Any]]) -> list[str]:
    return [f"Seq Scan on {s['Relation Name']}" for s in scans if s["Node Type"] == "Seq Scan"]


def test_every_part_in_one_statement_uses_indexes(conn: Connection) -> None:
    scans = _table_scans(conn, change_statement(PARTS), EVERY_PART)
    assert {s["Relation Name"] for s in scans} >= {"order", "order_item", "inventory", "shipment"}
    assert _whole_table_scans(scans) == []


def test_a_shipment_with_its_items_and_an_activity_with_its_event_scan_no_table(
    conn: Connection,
) -> None:
    assert _whole_table_scans(_table_scans(conn, _SHIPMENT_WITH_ITEMS, SHIPMENT)) == []
    assert _whole_table_scans(_table_scans(conn, _ACTIVITY_WITH_EVENT, ACTIVITY)) == []
