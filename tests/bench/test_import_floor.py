"""The import floor writes what a real import writes, or its figures would mean nothing."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

import ordermill
from bench.import_floor import render_batches, run_variant
from bench.transfer_bench import write_orders_file

_TABLES = (
    "customer",
    "order",
    "order_item",
    "order_address",
    "shipment",
    "shipment_item",
    "order_activity",
    "order_status_history",
    "event",
)


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as pg:
        return {
            t: pg.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]
            for t in _TABLES
        }


@pytest.mark.postgres_only
def test_the_floor_copies_the_rows_an_import_writes(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "orders.jsonl"
    write_orders_file(source, 300)
    oms = ordermill.connect(db_url)
    try:
        assert oms.import_orders(source).imported == 300
    finally:
        oms.close()
    floor_url = db_url.rsplit("/", 1)[0] + f"/ordermill_test_floor_{os.getpid()}"
    result = run_variant(floor_url, "all indexes", render_batches(source, batch_size=128))
    try:
        assert result["orders"] == 300
        assert _counts(floor_url) == _counts(db_url)
    finally:
        admin = db_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(
            admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
        ) as pg:
            pg.execute(f"DROP DATABASE IF EXISTS ordermill_test_floor_{os.getpid()}")
