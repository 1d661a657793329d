"""W1 on the primary while W3 listing pages read a real streaming replica (optional part).

    python -m bench.replica_bench [--orders 300] [--rounds 3] [--clients 4] [--readers 2]

Makes its own primary and hot standby (``tests/replica/cluster.py``: Debian's server
binaries, free ports, a temporary folder), loads the lifecycle set on the primary, then
runs, in alternating order each round, W1 with ``--clients`` clients: alone; beside
``--readers`` processes paging the W3 listing (paid and pending, newest first, 20 per
page with items and shipping address) through ``connect(url, read_url=replica)``; and
beside the same readers on the primary, for contrast. Prints W1's orders per second and
the ratio beside/alone (median of the rounds). The target: beside the replica's readers
W1 keeps at least 0.9. Both clusters share this machine's cores, so here the replica's
readers still take CPU from the primary: the figure is a floor of what separate hosts give.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
from typing import Any

import ordermill
from bench.harness import run_clients, split
from bench.lifecycle import OrderPool, load_lifecycle
from tests.replica.cluster import ReplicaPair, postgres_bin

TARGET = 0.9


def _reader(primary: str, replica: str | None, stop: Any, pages: Any) -> None:
    oms = ordermill.connect(primary, read_url=replica, max_replica_lag=60, pool_size=1)
    count = 0
    while not stop.is_set():
        query = (
            oms.get_orders_base_query()
            .where("payment_status", "=", "paid")
            .and_where("shipment_status", "=", "pending")
            .order_by("created_at", "DESC")
            .with_("items", "shipping_address")
        )
        query.page(20)
        count += 1
    pages.put(count)
    oms.close()


def _w1(url: str, pool: OrderPool, orders: int, clients: int) -> float:
    keys = pool.take(orders)
    warm = pool.take(clients * 5)
    return run_clients(
        "ordermill", "w1", url, split(keys, clients), split(warm, clients)
    ).orders_per_second


def _beside(pair: ReplicaPair, pool: OrderPool, args: argparse.Namespace, replica: bool) -> float:
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    pages = ctx.Queue()
    target = pair.replica.url if replica else None
    readers = [
        ctx.Process(target=_reader, args=(pair.primary.url, target, stop, pages), daemon=True)
        for _ in range(args.readers)
    ]
    for p in readers:
        p.start()
    time.sleep(1.5)  # readers connected and paging
    try:
        return _w1(pair.primary.url, pool, args.orders, args.clients)
    finally:
        stop.set()
        for p in readers:
            p.join(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300, help="W1 orders per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--readers", type=int, default=2)
    args = parser.parse_args(argv)
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("PostgreSQL's server binaries are missing: apt-get install postgresql")
        return 1
    pair = ReplicaPair(bin_dir)
    try:
        pair.create()
        runs = 3 * args.rounds
        needed = runs * (args.orders + args.clients * 5)
        pool = OrderPool(load_lifecycle(pair.primary.url, needed, log=lambda _: None))
        pair.wait_replayed()
        alone: list[float] = []
        on_replica: list[float] = []
        on_primary: list[float] = []
        for n in range(args.rounds):
            order = (
                ["alone", "replica", "primary"] if n % 2 == 0 else ["primary", "replica", "alone"]
            )
            for kind in order:
                if kind == "alone":
                    alone.append(_w1(pair.primary.url, pool, args.orders, args.clients))
                else:
                    figure = _beside(pair, pool, args, replica=kind == "replica")
                    (on_replica if kind == "replica" else on_primary).append(figure)
        w1 = statistics.median(alone)
        replica_ratio = statistics.median(r / a for r, a in zip(on_replica, alone, strict=True))
        primary_ratio = statistics.median(p / a for p, a in zip(on_primary, alone, strict=True))
        print(f"W1 alone: {w1:,.0f} orders/s ({args.clients} clients, median of {args.rounds})")
        print(f"W1 beside {args.readers} W3 readers on the replica: {replica_ratio:.2f} of alone"
              f" (target >= {TARGET})")  # fmt: skip
        print(f"W1 beside {args.readers} W3 readers on the primary: {primary_ratio:.2f} of alone")
        return 0
    finally:
        pair.destroy()


if __name__ == "__main__":
    raise SystemExit(main())
