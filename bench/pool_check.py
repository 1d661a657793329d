"""What checking pooled connections costs per request: 2,000 reads of one order through
the library's read path (``Oms.get_order``) on PostgreSQL, with each way of checking.

- ``none``: no check (a connection the server closed fails the next request);
- ``socket``: ordermill's check (db/engine.py): is the idle socket readable?
- ``pre_ping``: SQLAlchemy's ``pool_pre_ping``, a ``SELECT 1`` round trip per checkout.

Blocks of 100 reads alternate the three, 20 blocks each (2,000 reads), so a machine's
drift touches each alike; the median block is printed in microseconds per read. As the
read's own time varies more than the check costs on a loaded machine, the checkout
alone (``engine.connect()`` and close, where the check runs) is timed the same way.

Run: ``.venv/bin/python -m bench.pool_check URL`` (an empty, throwaway database: it is
migrated and one order is placed).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa

import ordermill
from ordermill.db import engine as engines
from ordermill.domain.config import load_config

BLOCK = 100
BLOCKS = 20


def _oms(url: str, check: str) -> ordermill.Oms:
    engine = engines.create_engine(url)
    if check != "socket":
        sa.event.remove(engine, "checkout", engines._replace_if_closed_by_server)
    if check == "pre_ping":
        engine.pool._pre_ping = True
    return ordermill.Oms(engine, load_config(None))


def _alternate(
    ways: dict[str, ordermill.Oms], call: Callable[[ordermill.Oms], object]
) -> dict[str, list[float]]:
    """Microseconds per call of each block, by way of checking."""
    timings: dict[str, list[float]] = {check: [] for check in ways}
    for _ in range(BLOCKS):
        for check, oms in ways.items():
            call(oms)  # warm the pool and the statement cache
            start = time.perf_counter()
            for _ in range(BLOCK):
                call(oms)
            timings[check].append((time.perf_counter() - start) / BLOCK * 1e6)
    return timings


def main(argv: list[str]) -> None:
    url = argv[0]
    ways = {check: _oms(url, check) for check in ("none", "socket", "pre_ping")}
    first = ways["none"]
    first.migrate()
    first.set_stock("MUG", 10**6)
    key = first.place_order([{"sku": "MUG", "qty": 1, "price": "9.90"}], customer_email="a@b.c")
    reads = _alternate(ways, lambda oms: oms.get_order(key.uuid))
    checkouts = _alternate(ways, lambda oms: oms.engine.connect().close())
    for check in ways:
        print(
            f"{check:9} get_order {statistics.median(reads[check]):7.1f} us,"
            f" checkout {statistics.median(checkouts[check]):6.1f} us"
        )
    for oms in ways.values():
        oms.close()


if __name__ == "__main__":
    main(sys.argv[1:])
