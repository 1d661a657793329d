"""Figures from repeated runs: median, min and max, and ratios measured in pairs.

Absolute times on a shared machine drift, so a ratio is taken within each
round (ordermill and the floor run back to back) and the median of those
per-round ratios is reported, not the ratio of two medians taken minutes apart.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Figure", "paired_ratio", "percentile"]


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured quantity over several runs."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Figure:
        if not values:
            raise ValueError("a figure needs at least one value")
        return cls(tuple(values))

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def runs(self) -> int:
        return len(self.values)

    def render(self, digits: int = 0) -> str:
        """``median (min-max)``, the form every cell of the table uses."""
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}-{self.high:,.{digits}f})"


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> Figure:
    """The per-round ratios numerator/denominator (rounds paired by position)."""
    if len(numerators) != len(denominators):
        raise ValueError(f"{len(numerators)} runs against {len(denominators)}: pair them by round")
    return Figure.of([n / d for n, d in zip(numerators, denominators, strict=True)])


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (p99 of 200 samples is the 198th smallest)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * pct // 100)))
    return ordered[int(rank) - 1]
