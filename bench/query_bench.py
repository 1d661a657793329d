"""W3, the listing benchmark: the orders query builder over a million orders on PostgreSQL.

    python -m bench.query_bench [--database-url URL] [--orders N] [--runs R] [--reload]

Loads the WORKLOAD.md listing set (``bench/dataset.py``; reused when the database
already holds it), then times each listing query ``runs`` times after a warm-up
and prints the EXPLAIN (ANALYZE, BUFFERS) plan of every statement it sends and a
table of median and p99 latencies. "SQL only" replays the very statements the
builder sent through a bare psycopg connection, alternating with the builder run
by run: the difference is the library's own cost (building and compiling the
statement, the pooled connection, turning rows into records).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import URL

import ordermill
from bench import dataset
from bench.machine import describe_machine
from bench.stats import percentile
from ordermill.db.engine import create_engine, normalize_url
from ordermill.db.migrate import migrate
from ordermill.db.query import OrderQuery

__all__ = ["DEFAULT_URL", "Report", "Result", "main", "run"]

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/ordermill_bench_listing"
PAGE = 20
DEPTH = 10_000
# p99 targets in milliseconds (issue 4), for the scenarios that have one.
TARGETS_MS = {"first page": 10.0, "first page + items, address": 20.0, "cursor page at depth": 10.0}


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    query: str
    millis: tuple[float, ...]
    sql_millis: tuple[float, ...]
    plans: tuple[str, ...]
    rows: int

    @property
    def median(self) -> float:
        return percentile(self.millis, 50)

    @property
    def p99(self) -> float:
        return percentile(self.millis, 99)

    @property
    def target(self) -> float | None:
        return TARGETS_MS.get(self.name)


@dataclass(frozen=True, slots=True)
class Report:
    orders: int
    matching: int
    depth: int
    runs: int
    load_seconds: float
    results: tuple[Result, ...]

    def table(self) -> str:
        lines = [
            "| query | median ms | p99 ms | min-max ms | SQL only, median ms | p99 target |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for r in self.results:
            target = (
                ""
                if r.target is None
                else f"< {r.target:.0f} ms: " + ("met" if r.p99 < r.target else "MISSED")
            )
            lines.append(
                f"| {r.name} | {r.median:.2f} | {r.p99:.2f} | {min(r.millis):.2f}-"
                f"{max(r.millis):.2f} | {percentile(r.sql_millis, 50):.2f} | {target} |"
            )
        return "\n".join(lines)


@dataclass
class _Captured:
    statements: list[tuple[str, Any]]


@contextmanager
def _capture(engine: sa.Engine) -> Iterator[_Captured]:
    captured = _Captured([])

    def before(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            captured.statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield captured
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _time(
    call: Callable[[], object], bare: Callable[[], object], runs: int, warmup: int
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Milliseconds per run of ``call`` and of ``bare``, alternated so both meet the same load."""
    for _ in range(warmup):
        call()
        bare()
    gc.collect()
    clock = time.perf_counter
    timed: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for f, out in ((call, timed[0]), (bare, timed[1])):
            started = clock()
            f()
            out.append((clock() - started) * 1000)
    return tuple(timed[0]), tuple(timed[1])


def _dsn(url: str | URL) -> str:
    return normalize_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _scenarios(
    oms: ordermill.Oms, orders: int
) -> tuple[list[tuple[str, str, Callable[[], Any]]], int, int]:
    base = oms.get_orders_base_query()
    listing = (
        base.where("payment_status", "=", "paid")
        .and_where("shipment_status", "=", "pending")
        .order_by("created_at", "DESC")
    )
    matching = listing.count()
    depth = min(DEPTH, max(0, matching - PAGE))
    before_depth = listing.limit(depth - 1, 1).first() if depth else None
    cursor = listing.cursor_after(before_depth) if before_depth else None
    by_offset = listing.limit(depth, PAGE).execute()
    by_cursor = listing.page(PAGE, cursor).items
    if by_offset != by_cursor:
        raise AssertionError(f"the cursor page at depth {depth} differs from the offset page")
    someone = base.where("customer_id", "is not null").limit(orders // 2, 1).first()
    prefix = (someone.customer_email if someone else "ada.").split("@")[0]
    searched: OrderQuery = base.search(prefix).order_by("created_at", "DESC")
    with_relations = listing.with_("items", "shipping_address")
    return (
        [
            ("first page", "paid + pending, newest first, page(20)", lambda: listing.page(PAGE)),
            (
                "first page + items, address",
                'the same .with_("items", "shipping_address")',
                lambda: with_relations.page(PAGE),
            ),
            (
                "offset page at depth",
                f"the same, .limit({depth:,}, 20).execute()",
                lambda: listing.limit(depth, PAGE).execute(),
            ),
            (
                "cursor page at depth",
                f"the same, .page(20, cursor after row {depth:,})",
                lambda: listing.page(PAGE, cursor),
            ),
            ("count of the filter", "paid + pending .count()", listing.count),
            (
                "search by email prefix",
                f'.search("{prefix}") newest first, page(20)',
                lambda: searched.page(PAGE),
            ),
        ],
        matching,
        depth,
    )


def _replay(pg: psycopg.Connection[Any], statements: list[tuple[str, Any]]) -> None:
    with pg.cursor() as cur:
        for statement, parameters in statements:
            cur.execute(statement, parameters)
            cur.fetchall()


def _explain(pg: psycopg.Connection[Any], statements: list[tuple[str, Any]]) -> tuple[str, ...]:
    plans = []
    with pg.cursor() as cur:
        for statement, parameters in statements:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plans.append("\n".join(row[0] for row in cur.fetchall()))
    return tuple(plans)


def prepare(url: str) -> None:
    """Create the benchmark database when it does not exist; bring its schema up to date."""
    target = normalize_url(url)
    with psycopg.connect(_dsn(target.set(database="postgres")), autocommit=True) as c:
        exists = c.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [target.database]
        ).fetchone()
    if not exists:
        dataset.create_database(url)
        return
    engine = create_engine(target)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def run(
    url: str,
    *,
    orders: int,
    runs: int,
    reload: bool = False,
    explain: bool = True,
    out: TextIO = sys.stdout,
) -> Report:
    """Load (or reuse) the listing set at ``url`` and measure every listing query."""

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    prepare(url)
    loaded = dataset.load(url, dataset.listing_set(orders), reuse=not reload, log=say)
    say(f"data set: {orders:,} orders ({loaded.seconds:.0f} s to load)")
    oms = ordermill.connect(url, pool_size=1, max_overflow=0)
    results = []
    try:
        scenarios, matching, depth = _scenarios(oms, orders)
        say(f"paid + pending orders: {matching:,}; depth of the deep pages: {depth:,}")
        # Planned per execution, like the builder's statements (see query/builder.py).
        with psycopg.connect(_dsn(url), autocommit=True, prepare_threshold=None) as pg:
            for name, description, call in scenarios:
                with _capture(oms.engine) as captured:
                    rows = call()
                count = rows if isinstance(rows, int) else len(getattr(rows, "items", rows))
                statements = captured.statements
                millis, sql_millis = _time(
                    call,
                    lambda: _replay(pg, statements),  # noqa: B023
                    runs,
                    warmup=max(5, runs // 20),
                )
                plans = _explain(pg, captured.statements) if explain else ()
                results.append(Result(name, description, millis, sql_millis, plans, count))
                say(f"{name}: median {results[-1].median:.2f} ms, p99 {results[-1].p99:.2f} ms")
    finally:
        oms.close()
    report = Report(orders, matching, depth, runs, loaded.seconds, tuple(results))
    if explain:
        for r in report.results:
            say(f"\n=== {r.name}: {r.query} ({r.rows} rows)")
            for plan in r.plans:
                say(plan)
                say("---")
    say("")
    for line in describe_machine(_dsn(url)).lines():
        say(line)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    say(f"Orders: {orders:,}; {runs} runs per query after a warm-up; load average {load}\n")
    say(report.table())
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("ORDERMILL_BENCH_LISTING_URL", DEFAULT_URL),
        help="a PostgreSQL database for the benchmark only (created when missing, emptied)",
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reload", action="store_true", help="load the data set even if present")
    parser.add_argument("--no-explain", dest="explain", action="store_false")
    args = parser.parse_args(argv)
    if normalize_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("the listing benchmark runs on PostgreSQL")
    report = run(
        args.database_url,
        orders=args.orders,
        runs=args.runs,
        reload=args.reload,
        explain=args.explain,
    )
    missed = [r.name for r in report.results if r.target is not None and r.p99 >= r.target]
    if missed:
        print(f"\np99 target missed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
