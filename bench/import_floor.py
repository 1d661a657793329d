"""The PostgreSQL side of ``ordermill import`` alone: what the server can take on this machine.

    python -m bench.import_floor --orders 100000

The rows an import of the generated file (``bench.transfer_bench``) writes, built by the
import's own code (``validate_record``, ``importtables.build_rows``) with the ids a
freshly migrated database hands out, are rendered as COPY text in memory before any
timing. Then, on a fresh database with every index and constraint of the schema, one
transaction COPYs them batch by batch (2,000 orders, as the import does), table by table:
customers (first appearance), orders, items, addresses, shipments, shipment items,
activities, status history, outbox events. No Python work is timed, so orders/s here
bounds the import from above whatever the client does.

Variants, each on its own fresh database:

- ``all indexes``: the schema as it is;
- ``order indexes rebuilt``: the order table's secondary indexes (the non-unique ones:
  listing, customer, email, trigram search) dropped before the load and built after it
  inside the timed span, as ``bench/dataset.py`` loads;
- ``all secondary indexes rebuilt``: the same for every table the import writes;
- ``no FK checks``: ``session_replication_role = replica`` (superuser only, not an option
  for the import: it skips the foreign key triggers), to show what the per-row foreign
  key checks cost.

Each reports wall time, orders/s, the CPU time of the server backend that ran the COPY
(``/proc/<pid>/stat``: the server runs on this machine) and of the server's WAL writer,
checkpointer and background writer, and the WAL it wrote. Benchmarks measure, tests
assert: nothing here fails on a slow figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.copytext import copy_field
from bench.transfer_bench import write_orders_file
from ordermill.domain.config import load_config
from ordermill.transfer.imports import BATCH_SIZE
from ordermill.transfer.orderfile import open_for_reading, read_records
from ordermill.transfer.records import ImportRow, validate_record
from ordermill.transfer.tables import CUSTOMER_COLUMNS, build_rows, random_uuids

__all__ = ["main", "render_batches"]

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_AUXILIARY = ("walwriter", "checkpointer", "background writer")
_VARIANTS = (
    "all indexes",
    "order indexes rebuilt",
    "all secondary indexes rebuilt",
    "no FK checks",
)


@dataclass
class Rendered:
    """COPY text per (table, columns), one list entry per batch."""

    orders: int
    batches: list[list[tuple[str, tuple[str, ...], bytes]]]

    @property
    def bytes(self) -> int:
        return sum(len(t) for batch in self.batches for _, _, t in batch)


def _copy_text(rows: list[tuple[Any, ...]]) -> bytes:
    return "".join("\t".join(map(copy_field, r)) + "\n" for r in rows).encode()


def _valid_rows(source: Path) -> Iterator[ImportRow]:
    config = load_config()
    opened = open_for_reading(source)
    try:
        for record in read_records(opened.stream, "jsonl"):
            assert record.data is not None, record.error
            yield validate_record(config, record.data, line=record.line)
    finally:
        opened.close()


def render_batches(source: Path, batch_size: int = BATCH_SIZE) -> Rendered:
    """The COPY text of every batch an import of ``source`` into an empty database writes."""
    now = datetime.now(UTC)
    order_ids = itertools.count(1)
    item_ids = itertools.count(1)
    shipment_ids = itertools.count(1)
    seen_customers: set[int] = set()
    batches = []
    orders = 0
    rows = _valid_rows(source)
    while batch := list(itertools.islice(rows, batch_size)):
        orders += len(batch)
        shipments = sum(len(r.shipments) for r in batch)
        kept = [(r, next(order_ids), r.order_number or "") for r in batch]
        built = build_rows(
            kept,
            item_ids=item_ids,
            shipment_ids=shipment_ids,
            new_uuids=random_uuids(len(batch) + shipments),
            activity_message=f"Order imported from {source.name}",
            now=now,
        )
        # The import inserts a batch's customers ON CONFLICT DO NOTHING: the rows that
        # land are each customer's first appearance in the file.
        customers = [c for cid, c in built.customers.items() if cid not in seen_customers]
        seen_customers.update(built.customers)
        rendered: list[tuple[str, tuple[str, ...], bytes]] = [
            ("customer", CUSTOMER_COLUMNS, _copy_text(customers))
        ]
        rendered += [
            (table.name, columns, _copy_text(table_rows))
            for table, columns, table_rows in built.tables()
            if table_rows
        ]
        batches.append(rendered)
    return Rendered(orders, batches)


def _fresh_database(url: str) -> None:
    from bench.transfer_bench import _fresh_postgres

    _fresh_postgres(url)
    subprocess.run(
        [sys.executable, "-m", "ordermill", "migrate", "--database-url", url],
        check=True,
        capture_output=True,
    )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime + stime


def _auxiliary_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("postgres: ") and any(a in cmdline for a in _AUXILIARY):
            found.append(int(entry.name))
    return found


def _secondary_indexes(cur: psycopg.Cursor[Any], tables: list[str]) -> list[tuple[str, str]]:
    """Indexes that back no constraint (not the primary keys, not the unique keys the
    import's idempotency relies on)."""
    return cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
        " WHERE t.relname = ANY(%s) AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    ).fetchall()


def run_variant(url: str, variant: str, rendered: Rendered) -> dict[str, Any]:
    _fresh_database(url)
    tables = [t for t, _, _ in rendered.batches[0]]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as pg:
        cur = pg.cursor()
        dropped: list[tuple[str, str]] = []
        if variant == "order indexes rebuilt":
            dropped = _secondary_indexes(cur, ["order"])
        elif variant == "all secondary indexes rebuilt":
            dropped = _secondary_indexes(cur, tables)
        for name, _ in dropped:
            cur.execute(f"DROP INDEX {name}")
        if variant == "no FK checks":
            cur.execute("SET session_replication_role = replica")
        pg.commit()
        backend = cur.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        wal_start = cur.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        pg.commit()
        auxiliary = _auxiliary_pids()
        load_start = os.getloadavg()[0]
        cpu_start = _cpu_seconds(backend)
        aux_start = sum(_cpu_seconds(p) for p in auxiliary)
        client_start = time.process_time()
        per_table: dict[str, float] = {}
        started = time.perf_counter()
        for batch in rendered.batches:
            for table, columns, text in batch:
                began = time.perf_counter()
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
                )
                with cur.copy(statement) as copy:
                    copy.write(text)
                per_table[table] = per_table.get(table, 0.0) + time.perf_counter() - began
        copied = time.perf_counter()
        for _, definition in dropped:
            cur.execute(definition)
        pg.commit()
        seconds = time.perf_counter() - started
        server = _cpu_seconds(backend) - cpu_start
        aux = sum(_cpu_seconds(p) for p in auxiliary) - aux_start
        wal = cur.execute("SELECT pg_current_wal_lsn() - %s::pg_lsn", [wal_start]).fetchone()[0]  # type: ignore[index]
    orders = rendered.orders
    result = {
        "variant": variant,
        "orders": orders,
        "seconds": round(seconds, 1),
        "orders_per_second": round(orders / seconds),
        "copy_seconds": round(copied - started, 1),
        "index_build_and_commit_seconds": round(seconds - (copied - started), 1),
        "server_cpu_seconds": round(server, 1),
        "server_cpu_us_per_order": round(1e6 * server / orders, 1),
        "server_auxiliary_cpu_seconds": round(aux, 1),
        "client_cpu_seconds": round(time.process_time() - client_start, 1),
        "wal_mb": round(int(wal) / 1e6),
        "copy_seconds_per_table": {t: round(s, 1) for t, s in per_table.items()},
        "load_average": [round(load_start, 1), round(os.getloadavg()[0], 1)],
    }
    print(json.dumps(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/ordermill_bench_import_floor",
        help="a database the bench may drop and create",
    )
    parser.add_argument("--variant", action="append", choices=_VARIANTS, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse WORKDIR/orders.jsonl from an earlier run"
    )
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="ordermill-import-floor-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / "orders.jsonl"
    if not (args.reuse and source.exists()):
        write_orders_file(source, args.orders)
    started = time.perf_counter()
    rendered = render_batches(source)
    print(
        json.dumps(
            {
                "rendered_orders": rendered.orders,
                "copy_mb": round(rendered.bytes / 1e6),
                "render_seconds": round(time.perf_counter() - started, 1),
                "machine": f"{os.cpu_count()} cores",
            }
        ),
        flush=True,
    )
    for variant in args.variant or _VARIANTS:
        run_variant(args.postgres_url, variant, rendered)


if __name__ == "__main__":
    main()
