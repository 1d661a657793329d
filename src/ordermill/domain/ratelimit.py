"""A token bucket per client address, in process: what limits the public tracking page.

Each address has a bucket of ``capacity`` requests that refills at ``per_second``; a
request takes one, and is refused while the bucket is empty, with the seconds until
one is back (``Retry-After``). The buckets live in the memory of one process: with N
worker processes an address may make up to N times the limit, and a restart forgets
them. That bounds guessing and scraping well enough for a page whose tokens have 256
random bits; a deployment that wants one shared limit sets it at its proxy.

At most ``max_addresses`` buckets are kept; when full, the ones that have refilled
completely (they hold no state worth keeping) are dropped first, then the oldest.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["TokenBuckets"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``take(address)``: 0 when the request may go on, else the seconds to wait (>= 1)."""

    def __init__(
        self,
        *,
        capacity: int = 30,
        per_second: float = 0.5,
        max_addresses: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1 or per_second <= 0 or max_addresses < 1:
            raise ValueError("capacity, per_second and max_addresses must be positive")
        self.capacity = capacity
        self.per_second = per_second
        self.max_addresses = max_addresses
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, address: str) -> int:
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(address)
            if bucket is None:
                self._make_room(now)
                bucket = self._buckets[address] = _Bucket(float(self.capacity), now)
            else:
                self._buckets.move_to_end(address)
                bucket.tokens = min(
                    self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second
                )
                bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / self.per_second))

    def _make_room(self, now: float) -> None:
        if len(self._buckets) < self.max_addresses:
            return
        full = [
            address
            for address, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.per_second >= self.capacity
        ]
        for address in full:
            del self._buckets[address]
        while len(self._buckets) >= self.max_addresses:
            self._buckets.popitem(last=False)
