"""``ordermill events relay``: deliver committed outbox events, at least once, to every
destination (NATS JetStream, webhook endpoints, in-process subscribers).

Each destination has its own cursor (``relay_cursor``) and its own asyncio task:

1. take the destination's lease (``lease.py``), or wait as a standby;
2. read the next committed events after the cursor, in position order (``store.py``);
3. deliver them (the destination returns only once they are all acknowledged);
4. move the cursor, conditionally on where it was, with the delivery log.

A crash between 3 and 4 only repeats deliveries, with the same CloudEvent ids. A
destination that is down fails only its own task: its backlog grows, the others go on.
The task sleeps until a NOTIFY (``wakeup.py``) or the poll interval when caught up,
except while committed rows wait above the horizon: the horizon is server-wide, so a
transaction of any database can hold it back, and its end fires no NOTIFY. Then the
task re-checks soon (``recheck_first``, doubling up to ``recheck_cap``) instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from ordermill.events.destination import DeliveryFailed, Destination, DestinationRetired
from ordermill.events.envelope import DEFAULT_SOURCE, Envelope, OutboxEvent
from ordermill.events.lease import Lease, lease_for
from ordermill.events.store import Position, Store
from ordermill.events.wakeup import Wakeup
from ordermill.ops.metrics import DELIVERIES, DELIVERY_FAILURES

__all__ = ["Relay", "RelaySettings"]

log = logging.getLogger("ordermill.events")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RelaySettings:
    source: str = DEFAULT_SOURCE
    poll_interval: float = 1.0
    # Re-check delays while rows wait above the horizon (see the module docstring).
    recheck_first: float = 0.01
    recheck_cap: float = 0.1
    # Once caught up, a wake-up waits this long before reading, so that a steady trickle
    # of commits is read (and costs the database) a batch at a time, not one by one.
    gather_delay: float = 0.01
    once: bool = False  # stop when every destination is caught up (or failing)
    once_lease_wait: float = 15.0
    failure_backoff_cap: float = 30.0  # NATS and other batch destinations
    sweep_interval: float = 5.0
    delivery_retention: timedelta = timedelta(days=30)


def _test_hook(name: str) -> str | None:
    """Test-only switches (read only when ORDERMILL_ENV=test), as in ``db/locks.py``."""
    if os.environ.get("ORDERMILL_ENV") != "test":
        return None
    return os.environ.get(f"ORDERMILL_TEST_RELAY_{name}")


class Relay:
    """The relay of one database; ``run`` until cancelled (or caught up with ``once``)."""

    def __init__(
        self,
        engine: Engine,
        destinations: Iterable[Destination] = (),
        settings: RelaySettings | None = None,
        *,
        lease: Lease | None = None,
    ) -> None:
        self.engine = engine
        self.store = Store(engine)
        self.settings = settings or RelaySettings()
        self.lease = lease or lease_for(engine)
        self.wake = Wakeup()
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._initial = list(destinations)
        self._delivered_batches = 0
        self.failed: set[str] = set()

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    def start(self, destination: Destination) -> None:
        """Run a destination's task (replacing none: one task per name)."""
        if destination.name not in self.tasks or self.tasks[destination.name].done():
            self.tasks[destination.name] = asyncio.create_task(
                self._run(destination), name=destination.name
            )

    def stop(self, name: str) -> None:
        task = self.tasks.pop(name, None)
        if task is not None:
            task.cancel()

    async def run(self, extra: Callable[[Relay], Any] | None = None) -> None:
        """Start every destination and the housekeeping; returns with ``once`` when all
        destinations are caught up, else runs until cancelled."""
        listener = asyncio.create_task(self.wake.listen(self.engine))
        housekeeping = asyncio.create_task(self._housekeeping())
        try:
            for destination in self._initial:
                self.start(destination)
            if extra is not None:
                await extra(self)
            while self.tasks:
                await asyncio.gather(*list(self.tasks.values()), return_exceptions=True)
                self.tasks = {n: t for n, t in self.tasks.items() if not t.done()}
                if self.settings.once or not self.tasks:
                    break
        finally:
            for task in [listener, housekeeping, *self.tasks.values()]:
                task.cancel()
            await asyncio.gather(
                listener, housekeeping, *self.tasks.values(), return_exceptions=True
            )
            await self._db(self.lease.close)

    async def _run(self, dest: Destination) -> None:
        failures = 0
        opened = False
        waited = 0.0
        recheck = self.settings.recheck_first
        try:
            while True:
                token = self.wake.token()
                if not await self._db(self.lease.acquire, dest.name):
                    # With --once, a lease still held (by a relay that just died, until
                    # the database notices) is waited for, then reported as not caught up.
                    if self.settings.once and waited >= self.settings.once_lease_wait:
                        self.failed.add(dest.name)
                        return
                    waited += self.settings.poll_interval
                    await self.wake.wait(token, self.settings.poll_interval)
                    continue
                try:
                    if not opened:
                        await dest.open()
                        opened = True
                    caught_up = await self._step(dest)  # at this position
                except DestinationRetired:
                    raise
                except Exception as exc:  # any failure of one destination stays its own
                    failures += 1
                    opened = await self._failed(dest, exc, failures)
                    if self.settings.once:
                        self.failed.add(dest.name)
                        return
                    continue
                failures = 0
                if caught_up is None:
                    recheck = self.settings.recheck_first
                    continue
                # Rows still above the horizon (their transaction, or an older one,
                # is running) are not delivered yet: --once waits for them, and no
                # NOTIFY says when the transaction holding the horizon back ends.
                if not await self._db(self.store.waiting, caught_up):
                    if self.settings.once:
                        return
                    recheck = self.settings.recheck_first
                    await self.wake.wait(token, self.settings.poll_interval)
                else:
                    await self.wake.wait(token, min(recheck, self.settings.poll_interval))
                    recheck = min(recheck * 2, self.settings.recheck_cap)
                await asyncio.sleep(self.settings.gather_delay)
        except DestinationRetired as exc:
            log.warning("destination %s stopped: %s", dest.name, exc)
        finally:
            await self._db(self.lease.release, dest.name)
            await dest.close()

    async def _failed(self, dest: Destination, exc: Exception, failures: int) -> bool:
        """Record the failure and sleep a backoff; returns False (reconnect next time)."""
        DELIVERY_FAILURES.labels(dest.name).inc()
        if isinstance(exc, DeliveryFailed):
            log.warning("delivery to %s failed (%s); retrying", dest.name, exc)
        else:
            log.exception("delivery to %s failed unexpectedly; retrying", dest.name)
        await self._db(self.store.record_failure, dest.name, f"{exc}" or repr(exc))
        with contextlib.suppress(Exception):
            await dest.close()
        cap = min(self.settings.failure_backoff_cap, 0.2 * 2 ** min(failures, 20))
        await asyncio.sleep(random.uniform(cap / 2, cap))
        return False

    async def _step(self, dest: Destination) -> Position | None:
        """One batch: read, deliver, move the cursor. The cursor when caught up (the batch
        was not full), else None."""
        cursor = await self._db(self.store.cursor, dest.name, dest.start)
        events = await self._db(self.store.read_batch, cursor, dest.batch_size)
        if not events:
            return cursor
        batch = [Envelope.of(e, self.settings.source) for e in events if dest.accepts(e.type)]
        if _test_hook("ADVANCE_FIRST") == "1":  # the deliberately broken order, for tests
            await self._advance(dest, cursor, events, [])
            self._crash_point()
            await dest.deliver(batch)
            return None
        rows = await dest.deliver(batch) if batch else []
        self._crash_point()
        await self._advance(dest, cursor, events, rows)
        if batch:
            DELIVERIES.labels(dest.name).inc(len(batch))
        return events[-1].position if len(events) < dest.batch_size else None

    async def _advance(
        self, dest: Destination, cursor: Position, events: list[OutboxEvent], rows: list[Any]
    ) -> None:
        if not await self._db(self.lease.alive):
            raise DeliveryFailed("lost the lease; another relay may deliver now")
        if not await self._db(self.store.advance, dest.name, cursor, events[-1].position, rows):
            raise DeliveryFailed("the cursor moved under this relay (another relay holds it)")

    def _crash_point(self) -> None:
        """Delivered but not yet recorded: where a crash repeats deliveries."""
        self._delivered_batches += 1
        crash_after = _test_hook("CRASH_AFTER_BATCHES")
        if crash_after and self._delivered_batches >= int(crash_after):
            os.kill(os.getpid(), signal.SIGKILL)

    async def _housekeeping(self) -> None:
        """Keep ``event.dispatched_at`` up to date and prune the delivery log."""
        pruned_at = 0.0
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.settings.sweep_interval)
            try:
                while await self._db(self.store.sweep_dispatched) > 0:
                    pass
                if loop.time() - pruned_at > 3600:
                    await self._db(self.store.prune_deliveries, self.settings.delivery_retention)
                    pruned_at = loop.time()
            except Exception:
                log.exception("relay housekeeping failed; retrying later")
