"""The event relay's figures: NATS throughput from a backlog, webhook deliveries per
second, the isolation of a hanging endpoint, and commit-to-consumer latency.

    python -m bench.relay_bench --database-url postgresql://postgres@127.0.0.1:5432/ordermill_bench_relay

Starts its own nats-server (free port, temporary store) and a local aiohttp receiver
in a child process; the database is created when missing and emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import nats
import psycopg
import sqlalchemy as sa

from bench.machine import describe_machine
from bench.stats import percentile
from ordermill.db.engine import create_engine, normalize_url
from ordermill.db.migrate import migrate
from ordermill.db.schema import metadata
from ordermill.events import webhooks
from ordermill.events.destination import RetrySchedule
from ordermill.events.relay import RelaySettings
from ordermill.events.runner import RelayOptions, run_relay

RECEIVER = """
import sys, asyncio
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(text="ok")
async def hang(request):
    await asyncio.sleep(3600)
    return web.Response(text="late")
app = web.Application()
app.router.add_post("/ok", ok)
app.router.add_post("/hang", hang)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""

NATS_SERVER = "/usr/sbin/nats-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@contextlib.contextmanager
def process(*command: str, port: int) -> Iterator[None]:
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield
    finally:
        child.kill()  # the receiver would wait for its hanging requests
        child.wait(timeout=10)


def prepare(url: str) -> sa.Engine:
    admin = create_engine(normalize_url(url).set(database="postgres"))
    name = normalize_url(url).database
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        if not c.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first():
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    engine = create_engine(url)
    migrate(engine)
    with engine.begin() as c:
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        c.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return engine


def backlog(engine: sa.Engine, count: int) -> None:
    """``count`` events of 1,000 transactions' worth each (ids and txids like real ones)."""
    per = 1000
    with engine.connect() as c:
        for start in range(0, count, per):
            c.execute(
                sa.text(
                    "INSERT INTO event (name, payload, created_at)"
                    " SELECT 'ordermill.order.status_changed', jsonb_build_object('order_id', g,"
                    " 'order_uuid', gen_random_uuid()::text, 'from_status', 'new',"
                    " 'to_status', 'processing'), now()"
                    " FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint)) g"
                ),
                {"a": start, "b": min(start + per, count) - 1},
            )
            c.commit()


def relay_once(engine: sa.Engine, **options: Any) -> float:
    started = time.perf_counter()
    settings = RelaySettings(once=True, sweep_interval=3600)
    asyncio.run(run_relay(engine, RelayOptions(settings=settings, **options)))
    return time.perf_counter() - started


def nats_throughput(engine: sa.Engine, nats_url: str, count: int) -> float:
    backlog(engine, count)
    return count / relay_once(engine, nats_url=nats_url, webhooks=False)


def webhook_rate(engine: sa.Engine, port: int, count: int, hanging: bool) -> float:
    with engine.begin() as c:
        c.exec_driver_sql(
            "TRUNCATE relay_cursor, webhook_delivery, webhook_endpoint, event RESTART IDENTITY"
        )
    webhooks.add_endpoint(engine, f"http://127.0.0.1:{port}/ok", ["*"], allow_private_network=True)
    if hanging:
        webhooks.add_endpoint(
            engine, f"http://127.0.0.1:{port}/hang", ["*"], allow_private_network=True
        )
    backlog(engine, count)
    schedule = RetrySchedule(base=1, cap=1, window=3600)

    async def until_ok_done() -> float:
        settings = RelaySettings(sweep_interval=3600, delivery_retention=timedelta(days=1))
        options = RelayOptions(settings=settings, schedule=schedule, webhook_timeout=5.0)
        task = asyncio.create_task(run_relay(engine, options))
        started = time.perf_counter()
        while True:
            await asyncio.sleep(0.05)
            with engine.connect() as c:
                first = c.execute(sa.text("SELECT min(endpoint_id) FROM webhook_endpoint")).scalar()
                done = c.execute(
                    sa.text("SELECT last_event_id FROM relay_cursor WHERE destination = :d"),
                    {"d": f"webhook:{first}"},
                ).scalar()
            if done == count:
                break
        elapsed = time.perf_counter() - started
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return elapsed

    return count / asyncio.run(until_ok_done())


async def hold_xids(dsn: str, hold: float = 0.3, gap: float = 0.05) -> None:
    """Until cancelled, keep a transaction with a transaction id open in ANOTHER database
    of the server (``hold`` seconds, then ``gap`` without): what other applications (or
    a test suite) do. The relay's horizon is server-wide, so each one holds it back and
    its end fires no NOTIFY."""
    other = str(normalize_url(dsn).set(drivername="postgresql", database="postgres"))
    async with await psycopg.AsyncConnection.connect(other) as conn:
        while True:
            await conn.execute("SELECT txid_current()")
            await asyncio.sleep(hold)
            await conn.commit()
            await asyncio.sleep(gap)


def latency(
    engine: sa.Engine, nats_url: str, rate: int, seconds: float, busy: bool = False
) -> list[float]:
    """Commit-to-consumer times (ms) at ``rate`` single-event transactions per second;
    with ``busy``, beside transactions of another database (``hold_xids``)."""

    async def main() -> list[float]:
        committed: dict[str, float] = {}
        received: dict[str, float] = {}
        nc = await nats.connect(nats_url)
        js = nc.jetstream()

        async def on_message(msg: Any) -> None:
            received[msg.headers["Nats-Msg-Id"]] = time.perf_counter()
            await msg.ack()

        options = RelayOptions(
            nats_url=nats_url, webhooks=False, settings=RelaySettings(sweep_interval=3600)
        )
        relay = asyncio.create_task(run_relay(engine, options))
        await asyncio.sleep(1.0)
        await js.subscribe(
            "ordermill.>", cb=on_message, deliver_policy=nats.js.api.DeliverPolicy.NEW
        )
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        other = asyncio.create_task(hold_xids(dsn)) if busy else None
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            start = time.perf_counter()
            for i in range(int(rate * seconds)):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                row = await (
                    await conn.execute(
                        "INSERT INTO event (name, payload, created_at) VALUES"
                        " ('order_noted', '{}', now()) RETURNING event_uuid"
                    )
                ).fetchone()
                assert row is not None
                committed[str(row[0])] = time.perf_counter()
        await asyncio.sleep(2.0)
        for task in (relay, other):
            if task is not None:
                task.cancel()
        await nc.close()
        return [(received[k] - t) * 1000 for k, t in committed.items() if k in received]

    return asyncio.run(main())


PHASES = ("nats", "webhooks", "latency")


@dataclass
class RelayReport:
    """The figures of the phases run (None for a phase not run)."""

    backlog: int = 0
    nats_per_second: float | None = None
    webhook_events: int = 0
    webhooks_alone: float | None = None  # medians of the rounds
    webhooks_beside_hanging: float | None = None
    webhook_rounds: int = 0
    # Each round's beside / alone, both measured back to back (in alternating order).
    hanging_ratios: list[float] = field(default_factory=list)
    rate: int = 0
    latencies: list[float] = field(default_factory=list)


@contextlib.contextmanager
def nats_server() -> Iterator[str]:
    """A JetStream nats-server of its own (free port, temporary store); yields its URL."""
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as store,
        process(NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store, port=port),
    ):
        yield f"nats://127.0.0.1:{port}"


def _webhook_rounds(
    engine: sa.Engine,
    port: int,
    events: int,
    rounds: int,
    report: RelayReport,
    log: Callable[[str], None],
) -> None:
    """Deliveries per second alone and beside a hanging endpoint, ``rounds`` times, the
    two back to back in alternating order (a run lasts about a second, so one pair alone
    moves with whatever else the two cores do); the medians, and the median ratio."""
    alone_runs: list[float] = []
    beside_runs: list[float] = []
    for index in range(rounds):
        order = (False, True) if index % 2 == 0 else (True, False)
        got = {hanging: webhook_rate(engine, port, events, hanging) for hanging in order}
        alone_runs.append(got[False])
        beside_runs.append(got[True])
        report.hanging_ratios.append(got[True] / got[False])
        log(
            f"webhooks round {index + 1}: {got[False]:,.0f} /s alone, {got[True]:,.0f} /s"
            f" beside an endpoint that hangs (ratio {got[True] / got[False]:.2f})"
        )
    report.webhook_rounds = rounds
    report.webhooks_alone = statistics.median(alone_runs)
    report.webhooks_beside_hanging = statistics.median(beside_runs)


def run(
    url: str,
    *,
    backlog_size: int = 200_000,
    webhook_events: int = 5_000,
    rate: int = 500,
    seconds: float = 10.0,
    busy: bool = False,
    webhook_rounds: int = 3,
    phases: tuple[str, ...] = PHASES,
    log: Callable[[str], None] = print,
) -> RelayReport:
    """The phases named, each on an emptied database ``url`` (created when missing)."""
    # Webhook secrets are encrypted at rest; a key for this run is enough here.
    os.environ.setdefault("ORDERMILL_SECRET_KEY", "relay-bench-key")
    engine = prepare(url)
    report = RelayReport(backlog=backlog_size, webhook_events=webhook_events, rate=rate)
    http_port = free_port()
    try:
        with (
            nats_server() as nats_url,
            process(sys.executable, "-c", RECEIVER, str(http_port), port=http_port),
        ):
            if "nats" in phases:
                report.nats_per_second = nats_throughput(engine, nats_url, backlog_size)
                log(f"NATS from a {backlog_size:,} backlog: {report.nats_per_second:,.0f} events/s")
            if "webhooks" in phases:
                _webhook_rounds(engine, http_port, webhook_events, webhook_rounds, report, log)
            if "latency" in phases:
                with engine.begin() as c:
                    c.exec_driver_sql(
                        "TRUNCATE relay_cursor, webhook_delivery, webhook_endpoint, event"
                        " RESTART IDENTITY"
                    )
                report.latencies = times = latency(engine, nats_url, rate, seconds, busy)
                log(
                    f"commit-to-consumer at {rate}/s: p50 {percentile(times, 50):.1f} ms,"
                    f" p99 {percentile(times, 99):.1f} ms, max {max(times):.1f} ms"
                    f" ({len(times)} events{', beside another database busy' if busy else ''})"
                )
    finally:
        engine.dispose()
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/ordermill_bench_relay"
    )
    parser.add_argument("--backlog", type=int, default=200_000)
    parser.add_argument("--webhook-events", type=int, default=5_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--only", choices=PHASES, action="append", help="run only this phase (repeatable)"
    )
    parser.add_argument(
        "--busy-server",
        action="store_true",
        help="latency beside transactions held open in another database of the server",
    )
    args = parser.parse_args(argv)
    # The server's description, read from its "postgres" database (ours may not exist yet).
    dsn = normalize_url(args.database_url).set(drivername="postgresql", database="postgres")
    for line in describe_machine(dsn.render_as_string(hide_password=False)).lines():
        print(line)
    run(
        args.database_url,
        backlog_size=args.backlog,
        webhook_events=args.webhook_events,
        rate=args.rate,
        seconds=args.seconds,
        busy=args.busy_server,
        phases=tuple(args.only or PHASES),
    )


if __name__ == "__main__":
    main()
