"""Bar charts drawn on the server as SVG geometry: no chart library, nothing from another host.

``bar_chart`` turns a series of (day, value) into positioned bars, axis ticks and labels
in SVG user units; the template only writes the elements. Every bar carries its exact
value (a ``<title>`` and a data attribute), so the numbers can be read and tested.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = ["Bar", "BarChart", "Tick", "bar_chart", "nice_ceiling"]

WIDTH = 720
HEIGHT = 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 76, 8, 14, 36


@dataclass(frozen=True, slots=True)
class Bar:
    day: date
    value: Decimal
    text: str  # the value as shown
    x: float
    y: float
    width: float
    height: float
    label: str | None  # the day under the bar, every few bars


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    total_text: str


def nice_ceiling(value: Decimal, *, integer: bool = False) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value``; with
    ``integer``, a whole number of at least 1 (2.5 is skipped below 10)."""
    if value <= 0 or (integer and value <= 1):
        return Decimal(1)
    exponent = math.floor(math.log10(float(value)))
    scale = Decimal(10) ** exponent
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        candidate = step * scale
        if integer and (candidate < 1 or candidate != candidate.to_integral_value()):
            continue
        if value <= candidate:
            return candidate
    return Decimal(10) * scale  # pragma: no cover - the loop ends at 10 * scale


def bar_chart(
    title: str,
    series: Sequence[tuple[date, Decimal | int]],
    *,
    fmt: Callable[[Decimal], str],
    tick_fmt: Callable[[Decimal], str] | None = None,
    integer: bool = False,
    label_every: int = 7,
    ticks: int = 4,
) -> BarChart:
    """Bars for ``series`` (oldest first), each value written with ``fmt``. The axis has
    ``ticks`` even steps of a round size (whole steps when ``integer``), written with
    ``tick_fmt`` (default ``fmt``); the day labels are every ``label_every`` bars,
    counted from the newest, so that today is always labelled."""
    values = [Decimal(v) for _, v in series]
    step = nice_ceiling(max(values, default=Decimal(0)) / ticks, integer=integer)
    top = step * ticks
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    baseline = float(_TOP + plot_h)
    slot = plot_w / max(len(series), 1)
    gap = min(4.0, slot * 0.2)
    bars = []
    last = len(series) - 1
    for i, ((day, _), value) in enumerate(zip(series, values, strict=True)):
        # A negative value (a day of net sales that refunded more than it sold) draws no
        # bar; its exact value is still on the bar's title and data attribute.
        height = max(float(value / top) * plot_h, 0.0)
        # A day with a value gets at least a sliver, so a small one is not mistaken for none.
        if value > 0:
            height = max(height, 1.5)
        labelled = (last - i) % label_every == 0
        bars.append(
            Bar(
                day=day,
                value=value,
                text=fmt(value),
                x=round(_LEFT + i * slot + gap / 2, 2),
                y=round(baseline - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
                label=day.strftime("%b %d") if labelled else None,
            )
        )
    tick_marks = tuple(
        Tick(y=round(baseline - plot_h * k / ticks, 2), text=(tick_fmt or fmt)(step * k))
        for k in range(ticks + 1)
    )
    return BarChart(
        title=title,
        bars=tuple(bars),
        ticks=tick_marks,
        width=WIDTH,
        height=HEIGHT,
        plot_left=_LEFT,
        plot_right=WIDTH - _RIGHT,
        baseline=baseline,
        total_text=fmt(sum(values, Decimal(0))),
    )
