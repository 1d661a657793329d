"""Deliveries one event at a time (webhooks, subscribers), in order per order, with retries.

Ordering: the events of one order are delivered one after the other, in position
order; events of different orders in the same batch go concurrently (up to
``concurrency`` in flight), so one slow order does not serialise a whole endpoint.
An event that fails is retried in place with exponential backoff and full jitter
(``RetrySchedule``); the later events of its order wait behind it, and the cursor
does not move past the batch until every event of it is delivered (head of line per
destination across batches). When the head has failed for the whole retry window
the destination is retired (a webhook endpoint is disabled, with the reason).

Every attempt is a row of ``webhook_delivery``: successes are stored with the cursor
move, failures at once (so ``webhooks deliveries`` shows an endpoint that is failing).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ordermill.db.tables import utcnow
from ordermill.events.destination import Destination, DestinationRetired, RetrySchedule
from ordermill.events.envelope import Envelope
from ordermill.events.store import Store
from ordermill.ops.metrics import DELIVERY_FAILURES

__all__ = ["Attempt", "OrderedDestination"]


@dataclass(frozen=True, slots=True)
class Attempt:
    ok: bool
    status_code: int | None = None
    response_excerpt: str | None = None
    error: str | None = None


class OrderedDestination(Destination):
    """Subclasses implement ``send``; ``endpoint_id`` is set for webhooks."""

    endpoint_id: int | None = None
    batch_size = 500

    def __init__(self, store: Store, schedule: RetrySchedule, concurrency: int = 32) -> None:
        self.store = store
        self.schedule = schedule
        self.concurrency = concurrency

    async def send(self, envelope: Envelope, attempt: int) -> Attempt:
        raise NotImplementedError

    async def retire(self, reason: str) -> None:
        """The retry window has passed: stop (a webhook disables its endpoint)."""
        raise DestinationRetired(reason)

    async def deliver(self, batch: list[Envelope]) -> list[dict[str, Any]]:
        chains: dict[object, list[Envelope]] = defaultdict(list)
        for envelope in batch:
            key = envelope.event.order_id
            chains[key if key is not None else ("event", envelope.event.event_id)].append(envelope)
        rows: list[dict[str, Any]] = []
        gate = asyncio.Semaphore(self.concurrency)
        async with asyncio.TaskGroup() as group:
            for chain in chains.values():
                group.create_task(self._chain(chain, gate, rows))
        return rows

    async def _chain(
        self, chain: list[Envelope], gate: asyncio.Semaphore, rows: list[dict[str, Any]]
    ) -> None:
        for envelope in chain:
            await self._until_delivered(envelope, gate, rows)

    async def _until_delivered(
        self, envelope: Envelope, gate: asyncio.Semaphore, rows: list[dict[str, Any]]
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            async with gate:
                started = time.perf_counter()
                result = await self.send(envelope, attempt)
                latency = (time.perf_counter() - started) * 1000
            row = self._row(envelope, attempt, result, latency)
            if result.ok:
                rows.append(row)
                return
            error = result.error or f"HTTP {result.status_code}"
            DELIVERY_FAILURES.labels(self.name).inc()
            since = await asyncio.to_thread(
                self.store.record_failure, self.name, f"event {envelope.id}: {error}", [row]
            )
            failing = (datetime.now(UTC) - since).total_seconds()
            if failing >= self.schedule.window:
                await self.retire(f"failing since {since:%Y-%m-%d %H:%M:%S} UTC: {error}"[:255])
            await asyncio.sleep(self.schedule.delay(attempt))

    def _row(
        self, envelope: Envelope, attempt: int, result: Attempt, latency: float
    ) -> dict[str, Any]:
        return {
            "destination": self.name,
            "endpoint_id": self.endpoint_id,
            "event_id": envelope.event.event_id,
            "event_uuid": envelope.id,
            "attempt": attempt,
            "status_code": result.status_code,
            "latency_ms": round(latency, 3),
            "response_excerpt": result.response_excerpt,
            "error": result.error,
            "attempted_at": utcnow(),
        }
