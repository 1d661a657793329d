"""Run one workload with C concurrent clients, each a separate process on a disjoint slice.

Clients are processes, not threads: that is how an OMS is deployed (several
workers), and it keeps Python's GIL from capping the library path at one core
while a thin floor client would not be capped. Every client connects and warms
up (statement caches, prepared statements) on orders of its own before a
barrier releases all of them at once; only the work after the barrier is timed.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = [
    "Client",
    "OrderKey",
    "RunResult",
    "System",
    "Workload",
    "make_client",
    "run_clients",
    "split",
    "tracking_number",
]

# "sqla-floor": the floor's SQL through SQLAlchemy (bench/floor.py SqlalchemyFloorClient).
System = Literal["ordermill", "floor", "sqla-floor"]
Workload = Literal["w1", "w2"]


@dataclass(frozen=True, slots=True)
class OrderKey:
    order_id: int
    uuid: str


class Client(Protocol):
    def run(self, key: OrderKey) -> None:
        """One order's work for the workload (W1: four calls; W2: one cancel)."""

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RunResult:
    clients: int
    orders: int
    seconds: float
    latencies: tuple[float, ...]  # seconds per order, every client's

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.seconds


def tracking_number(order_id: int) -> str:
    """The tracking number W1 ships an order with (the same on every path)."""
    return f"1ZBENCH{order_id:010d}"


def make_client(system: System, workload: Workload, url: str) -> Client:
    if system == "ordermill":
        from bench.lifecycle import OrdermillClient

        return OrdermillClient(url, workload)
    from bench.floor import FloorClient, SqlalchemyFloorClient

    if system == "sqla-floor":
        return SqlalchemyFloorClient(url, workload)
    return FloorClient(url, workload)


def split(keys: Sequence[OrderKey], parts: int) -> list[list[OrderKey]]:
    """Disjoint contiguous slices, as even as possible."""
    size, extra = divmod(len(keys), parts)
    out: list[list[OrderKey]] = []
    start = 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(list(keys[start:end]))
        start = end
    return out


def _client_main(
    system: System,
    workload: Workload,
    url: str,
    warmup: list[OrderKey],
    keys: list[OrderKey],
    barrier: Any,
    results: Any,
) -> None:
    try:
        client = make_client(system, workload, url)
        for key in warmup:
            client.run(key)
        barrier.wait()
        clock = time.monotonic
        latencies: list[float] = []
        started = clock()
        for key in keys:
            before = clock()
            client.run(key)
            latencies.append(clock() - before)
        ended = clock()
        client.close()
        results.put(("ok", started, ended, latencies))
    except BaseException:
        barrier.abort()
        results.put(("error", traceback.format_exc()))


def _collect(results: Any, procs: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Every client's outcome; a client that died without reporting is an error, not a hang."""
    outcomes: list[tuple[Any, ...]] = []
    while len(outcomes) < len(procs):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                return [("error", f"client process exited with code {dead[0].exitcode}")]
    return outcomes


def run_clients(
    system: System,
    workload: Workload,
    url: str,
    slices: Sequence[Sequence[OrderKey]],
    warmups: Sequence[Sequence[OrderKey]],
    *,
    target: Callable[..., None] = _client_main,
) -> RunResult:
    """Run ``len(slices)`` clients at once; orders per second over the span all of them took.

    ``time.monotonic`` is one system-wide clock on Linux, so the span runs from
    the first client's start to the last client's end.
    """
    if len(slices) != len(warmups):
        raise ValueError("one warm-up slice per client")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(slices))
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=target,
            args=(system, workload, url, list(w), list(s), barrier, results),
            daemon=True,
        )
        for s, w in zip(slices, warmups, strict=True)
    ]
    for p in procs:
        p.start()
    try:
        outcomes = _collect(results, procs)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    errors = [o[1] for o in outcomes if o[0] == "error"]
    if errors:
        raise RuntimeError(f"{system} {workload} client failed:\n{errors[0]}")
    starts = [o[1] for o in outcomes]
    ends = [o[2] for o in outcomes]
    latencies = tuple(x for o in outcomes for x in o[3])
    return RunResult(
        clients=len(slices),
        orders=sum(len(s) for s in slices),
        seconds=max(ends) - min(starts),
        latencies=latencies,
    )
