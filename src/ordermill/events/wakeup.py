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

from ordermill.db import relay as db
from ordermill.db.relay import CHANNEL

__all__ = ["CHANNEL", "Wakeup"]

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
        while True:
            try:
                async for _ in db.notifications(engine):
                    # The first comes when listening starts: anything committed while
                    # not listening is then read.
                    self.notify()
            except db.ListenerLost as exc:
                log.warning("event listener lost its connection (%s); polling until back", exc)
                await asyncio.sleep(1.0)
