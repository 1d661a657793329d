"""What the relay delivers to: one ``Destination`` per cursor.

A destination receives batches of envelopes in delivery order and returns only once
all of them are safely delivered (acknowledged by NATS, answered 2xx by a webhook,
returned from by a subscriber); only then does the relay move its cursor. Raising
``DeliveryFailed`` makes the relay keep the cursor, record the error and offer the
same batch again after a backoff, so delivery is at least once.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ordermill.events.envelope import Envelope
from ordermill.events.store import Start

__all__ = [
    "DeliveryFailed",
    "Destination",
    "DestinationRetired",
    "RetrySchedule",
    "matches",
]


class DeliveryFailed(Exception):
    """The batch was not (entirely) delivered; the relay offers it again later."""


class DestinationRetired(Exception):
    """The destination stops for good (a webhook endpoint disabled); the message says why."""


def matches(patterns: Sequence[str], event_type: str) -> bool:
    """Glob patterns over CloudEvent types: ``ordermill.order.*``, ``*``."""
    return any(fnmatch.fnmatchcase(event_type, p) for p in patterns)


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Exponential backoff with full jitter: attempt n waits a uniform time in
    ``[0, min(cap, base * 2**(n-1))]`` (spreads retries of many relays and endpoints).
    A destination whose head event has failed for longer than ``window`` is retired."""

    base: float = 5.0
    cap: float = 3600.0
    window: float = 36 * 3600.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.base * 2 ** min(attempt - 1, 40)))


class Destination:
    """Base class; subclasses implement ``deliver`` (and ``open``/``close`` if needed)."""

    name: str = ""
    start: Start = "beginning"
    batch_size: int = 1000

    def accepts(self, event_type: str) -> bool:
        return True

    async def open(self) -> None:
        """Connect (called before the first batch, and again after a failure)."""

    async def deliver(self, batch: list[Envelope]) -> list[dict[str, Any]]:
        """Deliver every envelope, or raise; returns delivery-log rows to store with the
        cursor move."""
        raise NotImplementedError

    async def close(self) -> None:
        """Let go of connections."""
