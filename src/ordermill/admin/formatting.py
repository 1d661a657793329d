"""How values read on the admin pages: money, dates, status badges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from ordermill.domain.config import Config
from ordermill.domain.status import StatusKind, display

__all__ = [
    "Badge",
    "badge",
    "format_compact_money",
    "format_date",
    "format_datetime",
    "format_money",
]

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
_CENT = Decimal("0.01")
# Badge variants the stylesheet knows; a configured badge outside these shows as default.
_VARIANTS = frozenset({"default", "success", "warning", "destructive", "outline", "info"})


def format_money(amount: Decimal | int | None, currency: str = "USD") -> str:
    """``$1,234.50``; currencies without a symbol here read ``CHF 1,234.50``."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)
    return _with_symbol(f"{abs(value):,.2f}", currency, negative=value < 0)


def format_compact_money(amount: Decimal, currency: str = "USD") -> str:
    """An axis label: ``$800``, ``$1.5k``, ``$2M``; cents only below one unit."""
    value = Decimal(amount)
    for limit, suffix in ((Decimal(10**6), "M"), (Decimal(1000), "k")):
        if abs(value) >= limit:
            scaled = (value / limit).quantize(Decimal("0.1")).normalize()
            return _with_symbol(f"{scaled:f}{suffix}", currency, negative=False)
    if value != value.to_integral_value():
        return format_money(value, currency)
    return _with_symbol(f"{value:,.0f}", currency, negative=False)


def _with_symbol(text: str, currency: str, *, negative: bool) -> str:
    symbol = _SYMBOLS.get(currency.upper())
    sign = "-" if negative else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency.upper()} {text}"


def format_datetime(moment: datetime | None) -> str:
    """``2026-11-25 09:46 UTC``: staff in different places read the same instant."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = (day if day.tzinfo else day.replace(tzinfo=UTC)).astimezone(UTC).date()
    return day.isoformat()


@dataclass(frozen=True, slots=True)
class Badge:
    """A status as shown: its name (always as text, never colour alone), its code and a
    stylesheet variant."""

    code: str
    name: str
    variant: str


def badge(config: Config, kind: StatusKind, code: str) -> Badge:
    name, variant = display(config, kind, code)
    return Badge(code=code, name=name, variant=variant if variant in _VARIANTS else "default")
