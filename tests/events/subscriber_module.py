"""Subscribers for tests/events/test_subscribers.py: they record what they are given."""

from __future__ import annotations

from typing import Any

from ordermill.events import subscriber

seen: list[dict[str, Any]] = []
failures_left = [1]


@subscriber("ordermill.order.placed")
def on_placed(event: dict[str, Any]) -> None:
    if failures_left[0] > 0:
        failures_left[0] -= 1
        raise RuntimeError("the first call fails")
    seen.append(event)
