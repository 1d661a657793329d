"""Statements and round trips per service call: the number a reviewer checks first.

ordermill's are counted with ``ordermill.testing.count_statements`` (SQLAlchemy's
``before_cursor_execute``; an ``executemany`` counts once) plus a listener on
commits; the floor counts what it sends. On PostgreSQL each transaction adds two
round trips to its statements: psycopg sends ``BEGIN`` before the first statement
and ``COMMIT`` at the end, each waiting for its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

import ordermill
from bench.floor import FloorClient
from bench.harness import OrderKey, tracking_number
from ordermill.testing import count_statements

__all__ = ["CALLS", "CallCount", "floor_counts", "ordermill_counts"]

CALLS = (
    "update_payment_status",
    "create_shipment",
    "update_shipment_status",
    "add_order_activity_log",
    "cancel_order",
)


@dataclass(frozen=True, slots=True)
class CallCount:
    statements: int
    transactions: int

    @property
    def round_trips(self) -> int:
        return self.statements + 2 * self.transactions


@contextmanager
def _commits(engine: Engine) -> Iterator[list[int]]:
    seen = [0]

    def on_commit(_conn: Any) -> None:
        seen[0] += 1

    sa.event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "commit", on_commit)


def ordermill_counts(url: str, w1: OrderKey, w2: OrderKey) -> dict[str, CallCount]:
    """Run W1 on order ``w1`` and W2 on ``w2``, one call at a time, counting each call."""
    oms = ordermill.connect(url, pool_size=1, max_overflow=0)
    calls: dict[str, Callable[[], object]] = {
        "update_payment_status": lambda: oms.update_payment_status(w1.order_id, "paid"),
        "create_shipment": lambda: oms.create_shipment(
            w1.uuid, "UPS", tracking_number(w1.order_id)
        ),
        "update_shipment_status": lambda: oms.update_shipment_status(w1.order_id, "delivered"),
        "add_order_activity_log": lambda: oms.add_order_activity_log(
            w1.order_id, "delivered", True
        ),
        "cancel_order": lambda: oms.cancel_order(w2.uuid, "bench"),
    }
    out = {}
    try:
        for name in CALLS:
            with count_statements(oms.engine) as log, _commits(oms.engine) as commits:
                calls[name]()
            out[name] = CallCount(log.count, commits[0])
    finally:
        oms.close()
    return out


def floor_counts(url: str, w1: OrderKey, w2: OrderKey) -> dict[str, CallCount]:
    client = FloorClient(url, "w1")
    calls: dict[str, Callable[[], object]] = {
        "update_payment_status": lambda: client.update_payment_status(w1.order_id, "paid"),
        "create_shipment": lambda: client.create_shipment(
            w1.uuid, "UPS", tracking_number(w1.order_id)
        ),
        "update_shipment_status": lambda: client.mark_delivered(w1.order_id),
        "add_order_activity_log": lambda: client.add_activity(
            w1.order_id, "delivered", customer_notified=True
        ),
        "cancel_order": lambda: client.cancel_order(w2.uuid, "bench"),
    }
    out = {}
    try:
        for name in CALLS:
            client.log, client.commits = [], 0
            calls[name]()
            out[name] = CallCount(len(client.log), client.commits)
    finally:
        client.close()
    return out
