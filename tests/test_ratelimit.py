"""The per-address token bucket that limits the guest tracking page."""

from __future__ import annotations

import pytest

from ordermill.domain.ratelimit import TokenBuckets


def test_a_bucket_refills_at_its_rate_and_says_how_long_to_wait() -> None:
    now = [100.0]
    buckets = TokenBuckets(capacity=2, per_second=0.5, clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0, 0]
    assert buckets.take("a") == 2  # one token back in 2 seconds
    assert buckets.take("b") == 0  # another address has its own bucket
    now[0] += 1
    assert buckets.take("a") == 1
    now[0] += 1
    assert buckets.take("a") == 0
    now[0] += 1000
    assert [buckets.take("a"), buckets.take("a"), buckets.take("a")] == [0, 0, 2]


def test_memory_is_bounded_and_busy_addresses_are_kept_over_idle_ones() -> None:
    now = [0.0]
    buckets = TokenBuckets(capacity=1, per_second=0.01, max_addresses=3, clock=lambda: now[0])
    assert buckets.take("busy") == 0  # empty now, for 100 seconds
    now[0] += 200
    buckets.take("idle-1")
    buckets.take("idle-2")
    now[0] += 200  # the idle ones (and "busy") have refilled: dropped first when full
    assert buckets.take("new") == 0
    assert len(buckets._buckets) <= 3


@pytest.mark.parametrize("options", [{"capacity": 0}, {"per_second": 0}, {"max_addresses": 0}])
def test_nonsense_limits_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TokenBuckets(**options)  # type: ignore[arg-type]
