"""In-process subscribers: functions the relay calls with each matching CloudEvent.

::

    from ordermill.events import subscriber

    @subscriber("ordermill.order.*")
    async def audit(event: dict[str, Any]) -> None: ...

Modules are named with ``ordermill events relay --subscribers mypkg.mymodule`` or
found through the ``ordermill.subscribers`` entry-point group (each entry point names
a module). Each function is its own destination, ``subscriber:<module>.<function>``,
with its own cursor, ordering per order, retries and delivery log (``ordered.py``). A
function that raises is logged with the event id and retried; it never stops the relay
or the other subscribers. Plain functions run in a worker thread.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import traceback
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from ordermill.events.destination import RetrySchedule, matches
from ordermill.events.envelope import Envelope
from ordermill.events.ordered import Attempt, OrderedDestination
from ordermill.events.store import Store

__all__ = ["ENTRY_POINT_GROUP", "SubscriberDestination", "load_subscribers", "subscriber"]

ENTRY_POINT_GROUP = "ordermill.subscribers"
log = logging.getLogger("ordermill.events")
F = TypeVar("F", bound=Callable[..., Any])

# module name -> [(patterns, function)], filled as modules are imported.
_REGISTRY: dict[str, list[tuple[tuple[str, ...], Callable[..., Any]]]] = {}


def subscriber(*patterns: str) -> Callable[[F], F]:
    """Register the function for events whose type matches any glob pattern."""
    if not patterns:
        raise ValueError("subscriber() needs at least one event type pattern")

    def register(function: F) -> F:
        _REGISTRY.setdefault(function.__module__, []).append((patterns, function))
        return function

    return register


def load_subscribers(
    modules: Iterable[str], *, entry_point_group: str = ENTRY_POINT_GROUP
) -> list[tuple[tuple[str, ...], Callable[..., Any]]]:
    """Import the modules (and those of the entry points) and return their subscribers."""
    names = list(modules) + [ep.value for ep in entry_points(group=entry_point_group)]
    found: list[tuple[tuple[str, ...], Callable[..., Any]]] = []
    for name in dict.fromkeys(names):
        importlib.import_module(name)
        found += _REGISTRY.get(name, [])
    return found


class SubscriberDestination(OrderedDestination):
    def __init__(
        self,
        patterns: tuple[str, ...],
        function: Callable[..., Any],
        store: Store,
        schedule: RetrySchedule,
    ) -> None:
        super().__init__(store, schedule, concurrency=8)
        self.patterns = patterns
        self.function = function
        self.name = f"subscriber:{function.__module__}.{function.__qualname__}"

    def accepts(self, event_type: str) -> bool:
        return matches(self.patterns, event_type)

    async def send(self, envelope: Envelope, attempt: int) -> Attempt:
        document = envelope.document()
        try:
            if inspect.iscoroutinefunction(self.function):
                await self.function(document)
            else:
                await asyncio.to_thread(self.function, document)
        except Exception as exc:
            log.warning(
                "subscriber %s failed on event %s (attempt %d): %r",
                self.name,
                envelope.id,
                attempt,
                exc,
            )
            excerpt = "".join(traceback.format_exception(exc))[-1000:]
            return Attempt(False, error=repr(exc)[:1000], response_excerpt=excerpt)
        return Attempt(True)
