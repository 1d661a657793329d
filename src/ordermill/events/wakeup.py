"""Waking the relay when events commit: PostgreSQL LISTEN/NOTIFY, with a poll fallback.

Migration 0004 adds a statement-level trigger on ``event`` that runs
``pg_notify('ordermill_events', '')``; notifications are delivered at commit, and
equal ones collapse to one per transaction. A listener connection turns each into a
wake-up of every destination. Runners also wake every ``poll_interval`` seconds, so a
lost notification (the listener reconnecting) or SQLite (no notifications) costs at
most that much latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.engine import Engine

__all__ = ["CHANNEL", "Wakeup"]

CHANNEL = "ordermill_events"
log = logging.getLogger("ordermill.events")


class Wakeup:
    """A broadcast: ``wait(since)`` returns once a ``notify`` came after ``token()`` was
    ``since`` (at once if one already did), or after ``timeout``. A runner takes its
    token before it reads, so an event committed while it delivers is never waited for."""

    def __init__(self) -> None:
        self._generation = 0
        self._changed = asyncio.Condition()

    def notify(self) -> None:
        self._generation += 1
        asyncio.get_running_loop().create_task(self._notify_waiters())

    async def _notify_waiters(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def token(self) -> int:
        return self._generation

    async def wait(self, since: int, timeout: float) -> None:
        async with self._changed:
            if self._generation != since:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    async def listen(self, engine: Engine) -> None:
        """Forward PostgreSQL notifications until cancelled (nothing to do on SQLite)."""
        if engine.dialect.name != "postgresql":
            return
        import psycopg

        conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.notify()  # anything committed while not listening
                    async for _ in conn.notifies():
                        self.notify()
            except psycopg.Error as exc:
                log.warning("event listener lost its connection (%s); polling until back", exc)
                await asyncio.sleep(1.0)
