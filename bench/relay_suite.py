"""The relay's part of ``make bench``: ``bench/relay_bench.py``'s phases, and W1 with a
relay delivering to NATS JetStream in another process against W1 without one.

The W1 comparison alternates in every round (with first, then without; then the other
way round) on one lifecycle set, and is reported as the median of the per-round
ratios. Before a run with the relay, the relay is started and caught up (so it does
not spend the run on older events); after it, the bench waits until the relay has
passed every event the run wrote, which checks that it kept up at all.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench import relay_bench
from bench.harness import run_clients, split
from bench.lifecycle import OrderPool, load_lifecycle, order_statuses
from bench.report import Row
from bench.stats import Figure, paired_ratio, percentile
from ordermill.db.engine import create_engine
from ordermill.events.store import Store

__all__ = ["RelayResults", "RelaySizes", "relay_rows", "run_relay_section"]

NATS_TARGET, WEBHOOK_TARGET, HANGING_TARGET = 10_000, 1_000, 0.9
LATENCY_TARGET_MS, W1_RELAY_TARGET = 100.0, 0.9


@dataclass(frozen=True, slots=True)
class RelaySizes:
    backlog: int = 200_000  # events in the NATS backlog
    webhook_events: int = 5_000  # events per webhook run
    rate: int = 500  # events/s of the latency phase
    latency_seconds: float = 10.0
    w1_per_run: int = 300  # orders per timed W1 run, with and without the relay
    runs: int = 5
    warmup: int = 5
    phases: tuple[str, ...] = relay_bench.PHASES  # of relay_bench, run before W1


@dataclass
class RelayResults:
    sizes: RelaySizes
    phases: relay_bench.RelayReport
    with_relay: list[float] = field(default_factory=list)  # W1 orders/s, by round
    without: list[float] = field(default_factory=list)


def run_relay_section(
    sizes: RelaySizes, relay_url: str, w1_url: str, log: Callable[[str], None]
) -> RelayResults:
    """relay_bench's phases on ``relay_url``, then W1 with and without the relay on a new
    lifecycle set at ``w1_url`` (an empty, migrated database)."""
    log(f"relay: phases of bench/relay_bench.py ({relay_url})")
    phases = relay_bench.run(
        relay_url,
        backlog_size=sizes.backlog,
        webhook_events=sizes.webhook_events,
        rate=sizes.rate,
        seconds=sizes.latency_seconds,
        phases=sizes.phases,
        log=lambda line: log(f"  {line}"),
    )
    results = RelayResults(sizes, phases)
    total = sizes.runs * 2 * (sizes.w1_per_run + sizes.warmup)
    log(f"relay: W1 with and without the relay; loading {total:,} orders into {w1_url}")
    pool = OrderPool(load_lifecycle(w1_url, total, log=log))
    engine = create_engine(w1_url)
    try:
        with relay_bench.nats_server() as nats_url:
            for round_no in range(sizes.runs):
                order = (True, False) if round_no % 2 == 0 else (False, True)
                for relay_on in order:
                    ops = _w1_run(engine, w1_url, nats_url, pool, sizes, relay_on)
                    (results.with_relay if relay_on else results.without).append(ops)
                    label = "with the relay" if relay_on else "without the relay"
                    log(f"  round {round_no + 1}: W1 {label}: {ops:,.0f} orders/s")
    finally:
        engine.dispose()
    return results


def _w1_run(
    engine: sa.Engine, url: str, nats_url: str, pool: OrderPool, sizes: RelaySizes, relay: bool
) -> float:
    block = pool.take(sizes.warmup + sizes.w1_per_run)
    warm, keys = block[: sizes.warmup], block[sizes.warmup :]
    with _relay_process(engine, url, nats_url) if relay else _nothing():
        result = run_clients("ordermill", "w1", url, split(keys, 1), split(warm, 1))
    statuses = order_statuses(url, block)
    if statuses != Counter({"completed": len(block)}):
        raise AssertionError(f"W1 beside the relay: orders should be completed: {statuses}")
    return result.orders_per_second


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextmanager
def _relay_process(engine: sa.Engine, url: str, nats_url: str) -> Iterator[None]:
    """``ordermill events relay --nats`` in a child process, caught up when entered."""
    env = {**os.environ, "ORDERMILL_SECRET_KEY": "relay-bench-key"}
    command = [sys.executable, "-m", "ordermill", "events", "relay", "--database-url", url]
    with tempfile.NamedTemporaryFile("w+", prefix="ordermill-relay-", suffix=".log") as out:
        child = subprocess.Popen(
            [*command, "--nats", nats_url], stdout=out, stderr=subprocess.STDOUT, env=env
        )
        try:
            _wait_caught_up(engine, child, Path(out.name))
            yield
            _wait_caught_up(engine, child, Path(out.name))
        finally:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_caught_up(
    engine: sa.Engine,
    child: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    timeout: float = 120.0,
) -> None:
    """Until the relay's NATS cursor has passed every event committed so far."""
    store = Store(engine)
    deadline = time.monotonic() + timeout
    while True:
        started = store.status()
        if any(s.destination == "nats" for s in started) and not store.unread("nats"):
            return
        if child is not None and child.poll() is not None:
            tail = log.read_text()[-2000:] if log else ""
            raise RuntimeError(f"the relay stopped (exit {child.returncode}):\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relay did not catch up within {timeout:.0f} s")
        time.sleep(0.1)


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def relay_rows(r: RelayResults) -> list[Row]:
    """The section's rows of the summary table, with their targets."""
    rows: list[Row] = []
    p = r.phases
    if p.nats_per_second is not None:
        rows.append(
            Row(
                f"Relay to NATS JetStream, events/s ({p.backlog:,} backlog)",
                "1",
                f"{p.nats_per_second:,.0f}",
                target=f">= {NATS_TARGET:,}: {_met(p.nats_per_second >= NATS_TARGET)}",
                notes="one relay, `--once` from the backlog to caught up; one run",
            )
        )
    if p.webhooks_alone is not None and p.webhooks_beside_hanging is not None:
        alone, beside = p.webhooks_alone, p.webhooks_beside_hanging
        isolation = statistics.median(p.hanging_ratios) if p.hanging_ratios else beside / alone
        spread = (min(p.hanging_ratios or [isolation]), max(p.hanging_ratios or [isolation]))
        rows.append(
            Row(
                "Relay webhook deliveries/s (local receiver)",
                "1",
                f"{alone:,.0f}",
                target=f">= {WEBHOOK_TARGET:,}: {_met(alone >= WEBHOOK_TARGET)}",
                notes=f"{p.webhook_events:,} events to one endpoint; median of"
                f" {p.webhook_rounds} runs",
            )
        )
        rows.append(
            Row(
                "Relay webhook deliveries/s beside a hanging endpoint",
                "1",
                f"{beside:,.0f}",
                ratio=f"{isolation:.2f} ({spread[0]:.2f}-{spread[1]:.2f}) of alone",
                target=f">= {HANGING_TARGET}: {_met(isolation >= HANGING_TARGET)}",
                notes="the same, with a second endpoint that never answers (cost < 10%);"
                " the median of each round's ratio, the two runs back to back",
            )
        )
    if p.latencies:
        p99 = percentile(p.latencies, 99)
        rows.append(
            Row(
                f"Relay commit-to-consumer latency at {p.rate}/s, ms",
                "1",
                f"p50 {percentile(p.latencies, 50):.1f}, p99 {p99:.1f}",
                target=f"p99 < {LATENCY_TARGET_MS:.0f} ms: {_met(p99 < LATENCY_TARGET_MS)}",
                notes=f"{len(p.latencies):,} single-event transactions, to a JetStream consumer",
            )
        )
    if r.with_relay:
        ratio = paired_ratio(r.with_relay, r.without)
        rows.append(
            Row(
                "W1 lifecycle beside the relay, orders/s (PostgreSQL)",
                "1",
                Figure.of(r.with_relay).render(),
                Figure.of(r.without).render(),
                ratio.render(2),
                target=f">= {W1_RELAY_TARGET}: {_met(ratio.median >= W1_RELAY_TARGET)}",
                notes="floor column: W1 without the relay, same rounds; the relay (another"
                " process) delivers to NATS and is checked caught up after each run",
            )
        )
    return rows
