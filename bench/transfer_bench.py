"""Import and export of many orders (default 1,000,000 with 3 items each) on PostgreSQL and
SQLite: orders per second and the peak memory of each step.

    python -m bench.transfer_bench --orders 1000000 --postgres-url postgresql://.../db

Each step (import of a generated JSON Lines file, export to JSON Lines, export to CSV)
runs as its own ``ordermill`` process under ``/usr/bin/time -v`` (peak resident memory),
so the figures are those a user sees. The generated file is the standard workload's
listing set: 3 distinct SKUs per order out of 1,000, shipping and billing addresses,
created over 365 days; 30% paid and pending shipment, 40% paid and delivered (with a
delivered shipment), 20% pending, 10% canceled. Benchmarks measure, tests assert: nothing
here fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["generate_order", "main", "write_orders_file"]

_BASE = datetime(2026, 1, 1, tzinfo=UTC)
_CITIES = (("Paris", "FR", "75011"), ("Berlin", "DE", "10115"), ("Boston", "US", "02118"))


def generate_order(rng: random.Random, n: int, *, payments: bool = False) -> dict[str, Any]:
    """Order ``n`` of the generated file (statuses, items and times drawn from ``rng``);
    with ``payments``, paid orders carry a sale (every fifth a refund a week later) and
    canceled ones an authorization and its void (drawing nothing more from ``rng``)."""
    skus = rng.sample(range(1, 1001), 3)
    items = [
        {
            "sku": f"SKU-{sku:06d}",
            "name": f"Product {sku}",
            "qty": rng.randint(1, 3),
            "price": f"{rng.randint(100, 20000) // 100}.{rng.randint(0, 99):02d}",
        }
        for sku in skus
    ]
    customer = rng.randint(1, 50_000)
    city, country, postcode = _CITIES[customer % len(_CITIES)]
    address = {
        "full_name": f"Customer {customer}",
        "address_1": f"{customer % 200 + 1} Main Street",
        "city": city,
        "country": country,
        "postcode": postcode,
    }
    created = _BASE - timedelta(seconds=rng.randint(0, 365 * 86400))
    roll = rng.random()
    record: dict[str, Any] = {
        "external_reference": f"GEN-{n:07d}",
        "order_number": str(500_001 + n),
        "created_at": created.isoformat(),
        "customer_email": f"customer{customer}@example.com",
        "customer_id": customer,
        "customer_full_name": f"Customer {customer}",
        "items": items,
        "shipping_address": address,
        "billing_address": address,
        "shipping_fee": "4.95",
        "payment_method": "card",
    }
    if roll < 0.3:
        record["payment_status"] = "paid"
    elif roll < 0.7:
        record["payment_status"] = "paid"
        record["shipments"] = [
            {
                "carrier": "UPS",
                "tracking_number": f"1Z{n:010d}",
                "status": "delivered",
                "created_at": (created + timedelta(days=1)).isoformat(),
                "delivered_at": (created + timedelta(days=3)).isoformat(),
                "items": [{"line": i + 1, "qty": item["qty"]} for i, item in enumerate(items)],
            }
        ]
    elif roll < 0.9:
        record["payment_status"] = "pending"
    else:
        record.update(payment_status="canceled", shipment_status="canceled", status="canceled")
        for item in items:
            item["qty_restocked"] = item["qty"]
    if payments:
        record["payments"] = _ledger(record, n, created)
    return record


def _ledger(record: dict[str, Any], n: int, created: datetime) -> list[dict[str, Any]]:
    total = sum(Decimal(i["price"]) * i["qty"] for i in record["items"]) + Decimal("4.95")
    paid_at = (created + timedelta(minutes=1)).isoformat()
    if record["payment_status"] == "paid":
        rows: list[dict[str, Any]] = [
            {"kind": "sale", "amount": str(total), "gateway": "stripe",
             "reference": f"ch_{n:07d}", "created_at": paid_at},
        ]  # fmt: skip
        if n % 5 == 0:
            refunded = (created + timedelta(days=7)).isoformat()
            rows.append({"kind": "refund", "amount": "1.00", "created_at": refunded})
        return rows
    if record["payment_status"] == "canceled":
        return [
            {"kind": "authorization", "amount": str(total), "created_at": paid_at},
            {"kind": "void", "amount": str(total), "note": "order canceled"},
        ]
    return []


def write_orders_file(path: Path, count: int, *, seed: int = 0, payments: bool = False) -> None:
    """Write ``count`` generated orders as JSON Lines (fast: about 15 µs an order)."""
    rng = random.Random(seed)
    encode = json.JSONEncoder(separators=(",", ":")).encode
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        for n in range(count):
            out.write(encode(generate_order(rng, n, payments=payments)))
            out.write("\n")


def _measure(label: str, argv: list[str], orders: int) -> dict[str, Any]:
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    started = time.perf_counter()
    done = subprocess.run(
        [*timer, *argv], capture_output=True, text=True, check=False, env=os.environ.copy()
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{label} failed:\n{done.stdout}\n{done.stderr}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    told = re.search(r" in ([\d.]+) s\b", done.stdout)
    cpu = sum(
        float(m.group(1))
        for m in re.finditer(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)
    )
    result = {
        "step": label,
        "orders": orders,
        "seconds": round(seconds, 1),
        "orders_per_second": round(orders / seconds),
        # The ordermill process's own CPU time: what the step costs the client, apart
        # from the database server and from other load on a shared machine.
        "client_cpu_seconds": round(cpu, 1) if cpu else None,
        "peak_mb": round(int(peak.group(1)) / 1024) if peak else None,
        # The time the command reports for its own work ("... in 2.0 s."), without the
        # interpreter's start and imports (~1 s), which weigh on a 100k-order run.
        "command_seconds": float(told.group(1)) if told else None,
        "command_orders_per_second": round(orders / float(told.group(1)))
        if told and float(told.group(1)) > 0
        else None,
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result), flush=True)
    return result


def _fresh_postgres(url: str) -> None:
    from sqlalchemy import make_url

    from ordermill.db.engine import create_engine

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        name = c.dialect.identifier_preparer.quote(target.database or "")
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()


def _run_backend(
    name: str,
    url: str,
    source: Path,
    work: Path,
    orders: int,
    *,
    export: bool = True,
    import_step: bool = True,
) -> list[dict[str, Any]]:
    cli = [sys.executable, "-m", "ordermill"]
    results: list[dict[str, Any]] = []
    if import_step:
        subprocess.run([*cli, "migrate", "--database-url", url], check=True, capture_output=True)
        results.append(
            _measure(
                f"{name} import jsonl",
                [*cli, "import", str(source), "--database-url", url, "--no-progress"],
                orders,
            )
        )
    for suffix in ("jsonl", "csv") if export else ():
        target = work / f"export-{name}.{suffix}"
        results.append(
            _measure(
                f"{name} export {suffix}",
                [*cli, "export", str(target), "--database-url", url, "--no-progress"],
                orders,
            )
        )
        target.unlink()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/ordermill_bench_transfer",
        help="a database the bench may drop and create",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-export", action="store_true", help="measure the import step only")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse WORKDIR/orders.jsonl from an earlier run"
    )
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="skip the import: export what an earlier run left in the databases"
        " (PostgreSQL's is kept; SQLite's is WORKDIR/bench.db, so give --workdir)",
    )
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="ordermill-transfer-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / "orders.jsonl"
    started = time.perf_counter()
    if not (args.reuse and source.exists()) and not args.export_only:
        write_orders_file(source, args.orders)
    print(
        json.dumps(
            {
                "generated": args.orders,
                "bytes": source.stat().st_size if source.exists() else None,
                "seconds": round(time.perf_counter() - started, 1),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "date": datetime.now(UTC).date().isoformat(),
            }
        ),
        flush=True,
    )
    try:
        if not args.skip_postgres:
            if not args.export_only:
                _fresh_postgres(args.postgres_url)
            _run_backend(
                "postgresql",
                args.postgres_url,
                source,
                work,
                args.orders,
                export=not args.skip_export,
                import_step=not args.export_only,
            )
        if not args.skip_sqlite:
            database = work / "bench.db"
            if not args.export_only:
                for leftover in work.glob("bench.db*"):
                    leftover.unlink()
            _run_backend(
                "sqlite",
                f"sqlite:///{database}",
                source,
                work,
                args.orders,
                export=not args.skip_export,
                import_step=not args.export_only,
            )
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
