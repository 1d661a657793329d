"""The whole performance suite: W1 and W2 against the raw-SQL floor, W1 over HTTP, W1 and W2
on SQLite, W3 from the listing benchmark; one table, also written to docs/performance.md.

    python -m bench.run_all [--size small|full] [--runs R] [--no-docs] [--only SECTION]

``make bench`` runs the small sizes (under 10 minutes on 2 cores), ``make
bench-full`` the reference sizes of bench/WORKLOAD.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import sqlalchemy as sa

from bench import dataset, query_bench, relay_bench
from bench.counts import CALLS, CallCount, floor_counts, ordermill_counts
from bench.harness import OrderKey, RunResult, System, Workload, run_clients, split
from bench.http_bench import OBSERVE_OFF, OBSERVE_ON, HttpResult, Server, run_http_w1, serve
from bench.lifecycle import (
    OrderPool,
    load_lifecycle,
    order_statuses,
    rows_written,
    stock_levels,
    units_ordered,
)
from bench.machine import Machine, describe_machine
from bench.relay_suite import RelayResults, RelaySizes, relay_rows, run_relay_section
from bench.report import Row, render_table, replace_section
from bench.stats import Figure, paired_ratio, percentile
from ordermill.db.engine import create_engine

__all__ = ["FULL", "SMALL", "Sizes", "main"]

SERVER = os.environ.get("ORDERMILL_BENCH_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
W1_TARGET, HTTP_TARGET = 0.7, 0.4
# Run back to back in every round, in this order and then reversed.
SYSTEMS: tuple[System, ...] = ("ordermill", "sqla-floor", "floor")
_NAMES = {"w1": "W1 lifecycle", "w2": "W2 cancel"}
SECTIONS = ("postgres", "http", "sqlite", "listing", "relay", "observe")
_PER_ORDER = {"w1": CALLS[:4], "w2": CALLS[4:]}


@dataclass(frozen=True, slots=True)
class Sizes:
    name: str
    per_run: int  # M: orders each timed W1 run moves
    runs: int  # rounds; every figure is the median of this many runs
    sqlite_per_run: int
    listing_orders: int
    listing_runs: int
    listing_url: str
    w2_per_run: int = 0  # orders each timed W2 run cancels (default: per_run)
    http_per_run: int = 0  # orders each timed HTTP run moves (default: per_run)
    products: int = 1_000
    lifecycle_orders: int = 0  # at least this many in the lifecycle set (WORKLOAD.md's N)
    clients: tuple[int, ...] = (1, 8)
    connections: tuple[int, ...] = (8, 32)
    warmup: int = 5  # untimed orders per client before each run
    relay: RelaySizes = field(default_factory=RelaySizes)

    def orders(self, run: str) -> int:
        """Orders in one timed run of ``run`` ("w1", "w2" or "http")."""
        chosen = {"w2": self.w2_per_run, "http": self.http_per_run}.get(run, 0)
        return chosen or self.per_run


SMALL = Sizes(
    name="small (make bench)",
    # Short runs on a shared machine are noisy: more rounds, and a cancel (one call) gets
    # more orders than the four-call lifecycle so that both runs last about as long.
    per_run=200,
    w2_per_run=500,
    http_per_run=120,
    runs=5,
    sqlite_per_run=300,
    listing_orders=100_000,
    listing_runs=100,
    listing_url="postgresql://postgres@127.0.0.1:5432/ordermill_bench_listing_small",
    relay=RelaySizes(webhook_events=3_000, latency_seconds=10.0, w1_per_run=300, runs=5),
)
FULL = Sizes(
    name="reference (make bench-full)",
    per_run=2_000,
    runs=3,
    sqlite_per_run=2_000,
    listing_orders=1_000_000,
    listing_runs=200,
    listing_url=query_bench.DEFAULT_URL,
    lifecycle_orders=10_000,
    relay=RelaySizes(webhook_events=10_000, latency_seconds=30.0, w1_per_run=2_000, runs=3),
)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _pg_url(database: str) -> str:
    base, _, _ = SERVER.rpartition("/")
    return f"{base}/{database}"


# -- W1 / W2 against the floor ----------------------------------------------------


@dataclass
class Paired:
    workload: Workload
    clients: int
    results: dict[System, list[RunResult]] = field(default_factory=lambda: {s: [] for s in SYSTEMS})
    rows_per_order: dict[System, dict[str, float]] = field(default_factory=dict)

    def ops(self, system: System) -> list[float]:
        return [r.orders_per_second for r in self.results[system]]


def _check_run(
    url: str,
    workload: Workload,
    block: Sequence[OrderKey],
    stock_before: dict[str, int] | None,
    units: Counter[str] | None,
    label: str,
) -> dict[str, int]:
    """What the workload promises, checked after every run; returns the rows it wrote."""
    expected = "completed" if workload == "w1" else "canceled"
    statuses = order_statuses(url, block)
    if statuses != Counter({expected: len(block)}):
        raise AssertionError(f"{label}: orders should all be {expected}, found {dict(statuses)}")
    if workload == "w2":
        assert stock_before is not None
        assert units is not None
        after = stock_levels(url)
        wrong = {
            sku: (stock_before[sku] + units.get(sku, 0), qty)
            for sku, qty in after.items()
            if qty != stock_before[sku] + units.get(sku, 0)
        }
        if wrong:
            sample = dict(list(wrong.items())[:5])
            raise AssertionError(
                f"{label}: stock not restored exactly for {len(wrong)} SKUs"
                f" (expected, found): {sample}"
            )
    return rows_written(url, block)


def _one_run(
    url: str, system: System, workload: Workload, clients: int, pool: OrderPool, sizes: Sizes
) -> tuple[RunResult, dict[str, float]]:
    warm_count = sizes.warmup * clients
    block = pool.take(warm_count + sizes.orders(workload))
    warm, keys = block[:warm_count], block[warm_count:]
    stock_before = stock_levels(url) if workload == "w2" else None
    units = units_ordered(url, block) if workload == "w2" else None
    result = run_clients(system, workload, url, split(keys, clients), split(warm, clients))
    label = f"{system} {_NAMES[workload]} with {clients} clients"
    written = _check_run(url, workload, block, stock_before, units, label)
    _say(f"  {label}: {result.orders_per_second:,.0f} orders/s ({result.seconds:.1f} s)")
    return result, {t: n / len(block) for t, n in written.items()}


def _http_run(
    server: Server, pool: OrderPool, connections: int, sizes: Sizes, url: str
) -> HttpResult:
    warm_count = sizes.warmup * connections
    block = pool.take(warm_count + sizes.orders("http"))
    result = run_http_w1(server, block[warm_count:], block[:warm_count], connections)
    _check_run(url, "w1", block, None, None, f"HTTP W1 with {connections} connections")
    _say(
        f"  HTTP W1 with {connections} connections: {result.orders_per_second:,.0f} orders/s"
        f" ({result.seconds:.1f} s)"
    )
    return result


def _orders_needed(sizes: Sizes, http: bool) -> int:
    per_round = sum(
        len(SYSTEMS) * (sizes.orders(w) + sizes.warmup * c)
        for w in ("w1", "w2")
        for c in sizes.clients
    )
    if http:
        per_round += sum(sizes.orders("http") + sizes.warmup * c for c in sizes.connections)
    return per_round * sizes.runs + 4  # + the four orders the statement counts use


@dataclass
class PgResults:
    paired: list[Paired]
    http: dict[int, list[HttpResult]]
    http_error: str | None
    counts: dict[System, dict[str, CallCount]]
    lifecycle_orders: int


def _start_server(stack: ExitStack, url: str) -> tuple[Server | None, str | None]:
    """``ordermill serve`` for the HTTP runs, or why it could not be started."""
    try:
        return stack.enter_context(serve(url)), None
    except Exception as exc:  # the server is another part of ordermill: report it, go on
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        return None, f"{type(exc).__name__}: {lines[-1][:200]}"


def run_postgres(sizes: Sizes, *, http: bool, url: str | None = None) -> PgResults:
    """W1 and W2 against the floor, W1 over HTTP; in a new database of their own unless
    ``url`` names one to empty and use."""
    if url is None:
        # A new database each time: the previous run's dead rows would slow this one down.
        url = dataset.create_database(_pg_url("ordermill_bench_w"))
    total = max(sizes.lifecycle_orders, _orders_needed(sizes, http))
    _say(f"PostgreSQL: loading the lifecycle set ({total:,} orders) into {url}")
    pool = OrderPool(load_lifecycle(url, total, products=sizes.products, log=_say))
    w1, w2, fw1, fw2 = pool.take(4)
    counts: dict[System, dict[str, CallCount]] = {
        "ordermill": ordermill_counts(url, w1, w2),
        "floor": floor_counts(url, fw1, fw2),
    }
    paired = [Paired(w, c) for w in ("w1", "w2") for c in sizes.clients]
    https: dict[int, list[HttpResult]] = {c: [] for c in sizes.connections}
    with ExitStack() as stack:
        server, http_error = _start_server(stack, url) if http else (None, "not run (--no-http)")
        if server is None:
            _say(f"HTTP benchmark skipped: {http_error}")
        for round_no in range(sizes.runs):
            _say(f"round {round_no + 1} of {sizes.runs}")
            # Alternate who goes first, so a drift in the machine's speed favours neither.
            order = SYSTEMS if round_no % 2 == 0 else SYSTEMS[::-1]
            for p in paired:
                for system in order:
                    result, rows = _one_run(url, system, p.workload, p.clients, pool, sizes)
                    p.results[system].append(result)
                    p.rows_per_order[system] = rows
            if server is not None:
                try:
                    for c in sizes.connections:
                        https[c].append(_http_run(server, pool, c, sizes, url))
                except Exception as exc:  # report it in the table; the other figures stand
                    http_error = f"failed in round {round_no + 1}: {type(exc).__name__}: {exc}"
                    _say(f"HTTP benchmark {http_error}\nserver log:\n{server.log_tail()}")
                    server = None
    for p in paired:
        om = p.rows_per_order["ordermill"]
        for system in SYSTEMS[1:]:
            if p.rows_per_order[system] != om:
                raise AssertionError(
                    f"{_NAMES[p.workload]}: {system} wrote other rows than ordermill per order:"
                    f" ordermill {om}, {system} {p.rows_per_order[system]}"
                )
    return PgResults(paired, https, http_error, counts, total)


# -- observability cost -------------------------------------------------------------

OBSERVE_CONNECTIONS = 8


def run_observe(sizes: Sizes) -> Figure:
    """HTTP W1 (``--workers 2``) with metrics and a log line per request, over the same
    without, in the same run: two servers on one database, alternating run by run (who
    goes first alternates too). Returns the per-round ratio on/off (target >= 0.95)."""
    url = dataset.create_database(_pg_url("ordermill_bench_obs"))
    per_run = sizes.orders("http") + sizes.warmup * OBSERVE_CONNECTIONS
    total = 2 * sizes.runs * per_run + 1
    _say(f"Observability: loading the lifecycle set ({total:,} orders) into {url}")
    pool = OrderPool(load_lifecycle(url, total, products=sizes.products, log=_say))
    found: dict[str, list[float]] = {"on": [], "off": []}
    with ExitStack() as stack:
        servers = {
            "on": stack.enter_context(serve(url, extra_args=OBSERVE_ON)),
            "off": stack.enter_context(serve(url, extra_args=OBSERVE_OFF)),
        }
        for round_no in range(sizes.runs):
            order = ("on", "off") if round_no % 2 == 0 else ("off", "on")
            for name in order:
                _say(f"  observability {name}, round {round_no + 1}:")
                result = _http_run(servers[name], pool, OBSERVE_CONNECTIONS, sizes, url)
                found[name].append(result.orders_per_second)
    ratio = paired_ratio(found["on"], found["off"])
    _say(
        f"Observability on/off, HTTP W1 with {OBSERVE_CONNECTIONS} connections: median ratio"
        f" {ratio.median:.3f} (runs {', '.join(f'{v:.3f}' for v in ratio.values)});"
        f" on {', '.join(f'{v:,.0f}' for v in found['on'])} orders/s,"
        f" off {', '.join(f'{v:,.0f}' for v in found['off'])} orders/s"
    )
    return ratio


# -- SQLite -----------------------------------------------------------------------


@dataclass
class SqliteResults:
    ops: dict[Workload, list[float]]
    counts: dict[str, CallCount]


def run_sqlite(sizes: Sizes) -> SqliteResults:
    """W1 and W2 on a SQLite file (the embedded default), one client."""
    directory = Path(tempfile.mkdtemp(prefix="ordermill-bench-"))
    url = f"sqlite:///{directory / 'bench.db'}"
    try:
        total = sizes.runs * 2 * (sizes.sqlite_per_run + sizes.warmup) + 2
        _say(f"SQLite: loading the lifecycle set ({total:,} orders) into {url}")
        pool = OrderPool(load_lifecycle(url, total, products=sizes.products, log=_say))
        probe_w1, probe_w2 = pool.take(2)
        counts = ordermill_counts(url, probe_w1, probe_w2)
        ops: dict[Workload, list[float]] = {"w1": [], "w2": []}
        for round_no in range(sizes.runs):
            _say(f"SQLite round {round_no + 1} of {sizes.runs}")
            for workload in ("w1", "w2"):
                block = pool.take(sizes.warmup + sizes.sqlite_per_run)
                warm, keys = block[: sizes.warmup], block[sizes.warmup :]
                stock_before = stock_levels(url) if workload == "w2" else None
                units = units_ordered(url, block) if workload == "w2" else None
                result = run_clients("ordermill", workload, url, [keys], [warm])
                _check_run(url, workload, block, stock_before, units, f"SQLite {workload}")
                ops[workload].append(result.orders_per_second)
                _say(f"  SQLite {_NAMES[workload]}: {result.orders_per_second:,.0f} orders/s")
        return SqliteResults(ops, counts)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# -- W3 ---------------------------------------------------------------------------


def _reference_listing_loaded() -> bool:
    """Whether the reference listing set (``make bench-query``) is already loaded."""
    url = query_bench.DEFAULT_URL
    try:
        engine = create_engine(url)
        try:
            described = dataset.loaded_description(engine) or ""
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError:
        return False
    prefix = "ordermill bench dataset "
    if not described.startswith(prefix):
        return False
    spec = json.loads(described[len(prefix) :])
    wanted = json.loads(json.dumps([asdict(dataset.listing_set(FULL.listing_orders))]))
    return bool(spec.get("sets") == wanted)


def run_listing(sizes: Sizes) -> query_bench.Report:
    """W3 by ``bench/query_bench.py``; at the reference size when that set is loaded already."""
    url, orders = sizes.listing_url, sizes.listing_orders
    if orders < FULL.listing_orders and _reference_listing_loaded():
        url, orders = query_bench.DEFAULT_URL, FULL.listing_orders
    _say(f"W3: listing benchmark at {orders:,} orders ({url})")
    # The plans go to a buffer: the table says whether any of them scans the order table.
    return query_bench.run(
        url, orders=orders, runs=sizes.listing_runs, explain=True, out=io.StringIO()
    )


def _seq_scans(result: query_bench.Result) -> bool:
    return any(
        'Seq Scan on "order"' in plan or "Seq Scan on order " in plan for plan in result.plans
    )


# -- the relay --------------------------------------------------------------------


def run_relay(sizes: Sizes) -> RelayResults | None:
    """The relay's figures (``bench/relay_suite.py``); None without a nats-server."""
    if not Path(relay_bench.NATS_SERVER).exists():
        _say(f"relay benchmark skipped: no {relay_bench.NATS_SERVER}")
        return None
    w1_url = dataset.create_database(_pg_url("ordermill_bench_relay_w1"))
    return run_relay_section(sizes.relay, _pg_url("ordermill_bench_relay"), w1_url, _say)


# -- the table --------------------------------------------------------------------


def _verdict(ratio: Figure, target: float) -> str:
    return f">= {target}: " + ("met" if ratio.median >= target else "MISSED")


def _pg_rows(pg: PgResults) -> list[Row]:
    """W1 and W2 against the floor, and W1 over HTTP."""
    rows: list[Row] = []
    per_order = _PER_ORDER
    for p in pg.paired:
        om, fl = p.ops("ordermill"), p.ops("floor")
        ratio = paired_ratio(om, fl)
        stack = paired_ratio(p.ops("sqla-floor"), fl)
        statements = {
            s: sum(pg.counts[s][c].statements for c in per_order[p.workload])
            for s in ("ordermill", "floor")
        }
        checked = (
            "stock restored exactly after every run"
            if p.workload == "w2"
            else "every order completed after every run"
        )
        rows.append(
            Row(
                f"{_NAMES[p.workload]}, orders/s (PostgreSQL)",
                str(p.clients),
                Figure.of(om).render(),
                Figure.of(fl).render(),
                ratio.render(2),
                stack.render(2),
                _verdict(ratio, W1_TARGET),
                f"{statements['ordermill']} / {statements['floor']} statements per order;"
                f" same rows written; {checked}",
            )
        )
    library8 = next(
        (p.ops("ordermill") for p in pg.paired if p.workload == "w1" and p.clients == 8), None
    )
    for connections, results in pg.http.items():
        if not results:
            rows.append(
                Row(
                    "W1 over HTTP, orders/s (serve --workers 2)",
                    f"{connections} conns",
                    "not measured",
                    notes=pg.http_error or "",
                )
            )
            continue
        ops = [r.orders_per_second for r in results]
        # Paired with the library's runs of the same rounds (fewer if a later round failed).
        http_ratio = paired_ratio(ops, library8[: len(ops)]) if library8 else None
        latencies = [x for r in results for x in r.call_latencies]
        cpu = Figure.of([r.client_cpu_seconds / r.seconds for r in results])
        rows.append(
            Row(
                "W1 over HTTP, orders/s (serve --workers 2)",
                f"{connections} conns",
                Figure.of(ops).render(),
                "",
                (f"{http_ratio.render(2)} of library, 8 clients" if http_ratio else ""),
                "",
                (_verdict(http_ratio, HTTP_TARGET) if http_ratio and connections == 8 else ""),
                f"per call p50 {percentile(latencies, 50) * 1000:.1f} ms, p99"
                f" {percentile(latencies, 99) * 1000:.1f} ms; the client used"
                f" {cpu.median:.0%} of a core" + (f"; {pg.http_error}" if pg.http_error else ""),
            )
        )
    return rows


def _count_rows(pg: PgResults, sqlite: SqliteResults | None) -> list[Row]:
    rows: list[Row] = []
    for call in CALLS:
        mine, floor = pg.counts["ordermill"][call], pg.counts["floor"][call]
        rows.append(
            Row(
                f"SQL per call: {call}",
                "",
                f"{mine.statements} statements, {mine.round_trips} round trips",
                f"{floor.statements} statements, {floor.round_trips} round trips",
                notes=(f"SQLite: {sqlite.counts[call].statements} statements" if sqlite else ""),
            )
        )
    return rows


def table_rows(
    pg: PgResults | None,
    sqlite: SqliteResults | None,
    listing: query_bench.Report | None,
    relay: RelayResults | None = None,
) -> list[Row]:
    rows: list[Row] = _pg_rows(pg) if pg is not None else []
    per_order = _PER_ORDER
    if sqlite is not None:
        for workload in ("w1", "w2"):
            calls = per_order[workload]
            rows.append(
                Row(
                    f"{_NAMES[workload]}, orders/s (SQLite file)",
                    "1",
                    Figure.of(sqlite.ops[workload]).render(),
                    notes=f"{sum(sqlite.counts[c].statements for c in calls)} statements per"
                    " order; the embedded default (no floor measured)",
                )
            )
    if listing is not None:
        for r in listing.results:
            sql_only = percentile(r.sql_millis, 50)
            target = (
                ""
                if r.target is None
                else f"p99 < {r.target:.0f} ms: " + ("met" if r.p99 < r.target else "MISSED")
            )
            rows.append(
                Row(
                    f"W3 {r.name}, ms (PostgreSQL, {listing.orders:,} orders)",
                    "1",
                    f"median {r.median:.2f}, p99 {r.p99:.2f}",
                    f"median {sql_only:.2f}",
                    f"{sql_only / r.median:.2f}",
                    "",
                    target,
                    ("SEQUENTIAL SCAN of order" if _seq_scans(r) else "no sequential scan of order")
                    + f"; {r.rows} rows",
                )
            )
    if relay is not None:
        rows.extend(relay_rows(relay))
    if pg is not None:
        rows.extend(_count_rows(pg, sqlite))
    return rows


def _method(
    sizes: Sizes,
    pg: PgResults | None,
    listing: query_bench.Report | None,
    relay: RelayResults | None = None,
) -> str:
    listing_text = (
        f"W3 ran {listing.runs} times per query at {listing.orders:,} orders"
        f" ({listing.matching:,} paid + pending; deep pages at {listing.depth:,})."
        if listing
        else "W3 was not run."
    )
    pg_text = (
        f"Each W1 run moves M = {sizes.per_run:,} orders of the"
        f" lifecycle set, each W2 run cancels {sizes.orders('w2'):,}, each HTTP run moves"
        f" {sizes.orders('http'):,} ({pg.lifecycle_orders:,} orders loaded; every run takes"
        " fresh ones)"
        f" after {sizes.warmup} untimed orders per client; every figure is the median of"
        f" {sizes.runs} runs, with the min-max range. "
        if pg
        else "W1 and W2 were not run. "
    )
    r = sizes.relay
    relay_text = (
        f" The relay figures are single runs ({r.backlog:,} events of backlog, {r.webhook_events:,}"
        f" webhook events per run, {r.latency_seconds:.0f} s at {r.rate} events/s); W1 beside"
        f" the relay moves {r.w1_per_run:,} orders per run, {r.runs} rounds."
        if relay
        else " The relay was not measured."
    )
    return textwrap.fill(
        f"Sizes: {sizes.name}. {pg_text}SQLite runs move"
        f" {sizes.sqlite_per_run:,} orders. {listing_text}{relay_text}",
        width=96,
    )


def _body(
    machine: Machine,
    sizes: Sizes,
    pg: PgResults,
    listing: query_bench.Report | None,
    relay: RelayResults | None,
    table: str,
    command: str,
    load: str,
) -> str:
    return "\n".join(
        [
            "## Writes, HTTP and the summary table",
            "",
            f"Regenerated by `{command}` on {machine.date}.",
            "",
            *[f"- {line}" for line in machine.lines()],
            f"- {load}",
            "",
            _method(sizes, pg, listing, relay),
            "",
            table,
            "",
            _EXPLANATION,
        ]
    )


_EXPLANATION = """\
How to read it:

- **floor**: `bench/floor.py`, a thin psycopg 3 client that makes the same writes as
  ordermill's services with the fewest statements: the order row locked first, the
  items and shipments read after the lock (a row joined into the locking statement
  could predate the transaction it waited for), the decision taken in the client,
  then every write of the call as ONE statement (each table's rows a data-modifying CTE
  of the last part: multi-row VALUES, or arrays for the restock), one transaction per
  call, the same concurrency. bench/WORKLOAD.md describes one statement per table; ordermill
  sends one per change on PostgreSQL, so the floor does too. Every run is checked to
  have written the same rows per order on both paths.
- **SQLAlchemy floor**: the floor's very statements sent through SQLAlchemy
  (`engine.begin()` per call on a pooled connection, `Connection.exec_driver_sql`, the
  thinnest path SQLAlchemy has). ordermill runs on SQLAlchemy Core, so this is as fast as
  it can be: the gap from the floor to this is the stack's, the gap from this to
  ordermill is ordermill's own (building Core statements, type processing, records).
- **ordermill / floor** is measured in pairs: in every round the three run back to back,
  in turn first and last, and the figure is the median of the per-round ratios.
  The machine is shared with other work, so absolute figures drift between rounds and
  between runs of the suite; the paired ratio is the figure to compare.
- **clients** are separate processes (each with its own connection), each taking a
  disjoint slice of the orders, released together after warming up.
- **HTTP**: a real `ordermill serve --workers 2` on loopback, driven by one
  `aiohttp.ClientSession` process with 8 and 32 connections; the ratio is to the library
  path with 8 clients in the same round. The client's CPU share says how close the
  client itself came to being the limit (one core is 100%).
- **round trips** per call = statements + 2 (psycopg sends BEGIN and COMMIT as their
  own round trips).
- **W3** comes from `bench/query_bench.py` (see "Listing (W3)"); its floor column is the
  same statements replayed through a bare psycopg connection.
- **Relay** rows come from `bench/relay_suite.py` (the phases of `bench/relay_bench.py`
  against its own nats-server and a local aiohttp receiver). "W1 lifecycle beside the
  relay" runs W1 with one client while `ordermill events relay --nats` runs in another
  process, against W1 without it, alternating in every round; its ratio is the median
  of the per-round ratios. The relay's horizon is server-wide: transactions of other
  databases on the same server (other benchmarks, a test suite) delay delivery, so the
  latency row wants a quiet server.
- W2 asserts after every run that every product's stock equals its value before the
  run plus the canceled orders' units, i.e. its value before those orders were placed.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("small", "full"), default="small")
    parser.add_argument("--runs", type=int, default=None, help="rounds (at least 3 for figures)")
    parser.add_argument("--per-run", type=int, default=None, help="orders per timed run (M)")
    parser.add_argument("--no-http", dest="http", action="store_false")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument("--no-listing", dest="listing", action="store_false")
    parser.add_argument("--no-relay", dest="relay", action="store_false")
    parser.add_argument("--no-docs", dest="docs", action="store_false")
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        action="append",
        help="run only this section (repeatable); the table is printed, docs are left alone",
    )
    args = parser.parse_args(argv)
    wanted = set(args.only or SECTIONS)
    if args.only:
        args.docs = False
    if not args.http:
        wanted.discard("http")
    for section in ("sqlite", "listing", "relay"):
        if not getattr(args, section):
            wanted.discard(section)
    sizes = SMALL if args.size == "small" else FULL
    if args.runs is not None or args.per_run is not None:
        sizes = replace(
            sizes,
            runs=args.runs or sizes.runs,
            per_run=args.per_run or sizes.per_run,
            w2_per_run=args.per_run or sizes.w2_per_run,
            http_per_run=args.per_run or sizes.http_per_run,
            sqlite_per_run=args.per_run or sizes.sqlite_per_run,
        )
    started, load_before = time.monotonic(), os.getloadavg()
    machine = describe_machine(SERVER)
    pg = run_postgres(sizes, http="http" in wanted) if wanted & {"postgres", "http"} else None
    sqlite = run_sqlite(sizes) if "sqlite" in wanted else None
    listing = run_listing(sizes) if "listing" in wanted else None
    relay = run_relay(sizes) if "relay" in wanted else None
    observe = run_observe(sizes) if "observe" in wanted else None
    table = render_table(table_rows(pg, sqlite, listing, relay))
    command = "make bench" if args.size == "small" else "make bench-full"
    print()
    load = (
        "Load average (1, 5, 15 min) when the suite started: "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + "; when it ended: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + f" (other work on the {machine.cores} cores)"
    )
    print("\n".join(machine.lines()))
    print(load)
    print(_method(sizes, pg, listing, relay))
    print()
    print(table)
    if observe is not None:
        print(
            f"\nObservability (metrics + a JSON log line per request) on/off, HTTP W1,"
            f" --workers 2: ratio {observe.median:.3f} (target >= 0.95)"
        )
    print(f"\n({time.monotonic() - started:.0f} s)")
    if args.docs and pg is not None:
        body = _body(machine, sizes, pg, listing, relay, table, command, load)
        replace_section(DOCS, body)
        print(f"updated {DOCS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
