"""Sales reports: orders and net sales per day, counts by status, for a period of UTC days.

Net sales are gross less refunds. Gross: the grand totals of the orders placed that day,
except canceled ones (a canceled order never paid is no sale; one that was paid counts
what was captured for it, and its refund is subtracted like any other). Refunds: the
succeeded refund rows of the payment ledger, on the day each was recorded, so that a
refund next week lowers next week's sales and the day the order was placed keeps them.

Two grouped queries whatever the period's size (``db/reports.py``). Amounts are summed
by the database as exact NUMERIC on PostgreSQL; SQLite sums money as REAL, so its sums
are rounded back here to the 4 decimal places the schema stores.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from ordermill.db.reports import sales_rows
from ordermill.domain.errors import InvalidInput
from ordermill.domain.records import DaySales, SalesReport
from ordermill.orders.context import Context

__all__ = ["CANCELED_ORDER_STATUS", "MAX_REPORT_DAYS", "sales_report"]

# The order status that cancel_order writes; such orders are not sales.
CANCELED_ORDER_STATUS = "canceled"
# A report lists every day of its period: ten years is more than any screen shows.
MAX_REPORT_DAYS = 3660
_PLACES = Decimal("0.0001")
_ZERO = Decimal("0.0000")


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _money(value: object) -> Decimal:
    if value is None:
        return Decimal(0)
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return amount.quantize(_PLACES)


def sales_report(ctx: Context, *, date_from: date, date_to: date) -> SalesReport:
    """Orders created on the days ``date_from`` to ``date_to`` (inclusive, UTC)."""
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidInput(f"{name}: {value!r} is not a date", field=name)
    if date_to < date_from:
        raise InvalidInput(f"date_to {date_to} is before date_from {date_from}", field="date_to")
    span = (date_to - date_from).days + 1
    if span > MAX_REPORT_DAYS:
        raise InvalidInput(
            f"the period {date_from} to {date_to} has {span} days; at most {MAX_REPORT_DAYS}",
            field="date_to",
        )
    start = datetime.combine(date_from, time(0), tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=UTC)
    with ctx.lagging_read() as conn:  # a report may lag (a read replica): see Context
        money_rows, status_rows = sales_rows(
            conn, start, end, canceled_status=CANCELED_ORDER_STATUS
        )

    orders_per_day: Counter[date] = Counter()
    orders_per_currency: Counter[str] = Counter()
    gross: _Sums = defaultdict(dict)
    refunds: _Sums = defaultdict(dict)
    for row in money_rows:
        row_day = _as_date(row.day)
        if row.canceled is None:  # a refunds row
            _add(refunds, row_day, row.currency, _money(row.refunds))
            continue
        orders_per_day[row_day] += row.orders
        orders_per_currency[row.currency] += row.orders
        amount = _money(row.total)
        if amount or not row.canceled:  # a canceled order never paid is no sale
            _add(gross, row_day, row.currency, amount)
    refunded = _totals(refunds)
    currency = (
        min(orders_per_currency, key=lambda code: (-orders_per_currency[code], code))
        if orders_per_currency
        else next(iter(refunded), None)
    )
    days = [_day(date_from + timedelta(days=i), orders_per_day, gross, refunds, currency)
            for i in range(span)]  # fmt: skip
    by_status: Counter[str] = Counter()
    by_payment: Counter[str] = Counter()
    by_shipment: Counter[str] = Counter()
    for row in status_rows:
        by_status[row.status] += row.orders
        by_payment[row.payment_status] += row.orders
        by_shipment[row.shipment_status] += row.orders
    return SalesReport(
        date_from=date_from,
        date_to=date_to,
        orders=sum(orders_per_day.values()),
        currency=currency,
        sales_by_currency=_net(_totals(gross), refunded),
        gross_by_currency=_totals(gross),
        refunds_by_currency=refunded,
        counts_by_status=_ordered(by_status, list(ctx.config.order_status_flow)),
        counts_by_payment_status=_ordered(by_payment, list(ctx.config.payment_statuses)),
        counts_by_shipment_status=_ordered(by_shipment, list(ctx.config.shipment_statuses)),
        days=days,
    )


_Sums = defaultdict[date, dict[str, Decimal]]


def _add(sums: _Sums, day: date, currency: str, amount: Decimal) -> None:
    sums[day][currency] = sums[day].get(currency, Decimal(0)) + amount


def _totals(sums: _Sums) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for per_currency in sums.values():
        for code, amount in per_currency.items():
            totals[code] = totals.get(code, Decimal(0)) + amount
    return dict(sorted(totals.items()))


def _net(gross: dict[str, Decimal], refunds: dict[str, Decimal]) -> dict[str, Decimal]:
    """Gross less refunds for every currency that has either."""
    codes = sorted(gross.keys() | refunds.keys())
    return {c: gross.get(c, _ZERO) - refunds.get(c, _ZERO) for c in codes}


def _day(
    current: date, orders: Counter[date], gross: _Sums, refunds: _Sums, currency: str | None
) -> DaySales:
    day_gross = dict(sorted(gross.get(current, {}).items()))
    day_refunds = dict(sorted(refunds.get(current, {}).items()))
    net = _net(day_gross, day_refunds)
    return DaySales(
        day=current,
        orders=orders.get(current, 0),
        sales=net.get(currency, _ZERO) if currency else Decimal(0),
        sales_by_currency=net,
        gross=day_gross.get(currency, _ZERO) if currency else Decimal(0),
        refunds=day_refunds.get(currency, _ZERO) if currency else Decimal(0),
        gross_by_currency=day_gross,
        refunds_by_currency=day_refunds,
    )


def _ordered(counts: Counter[str], known: list[str]) -> dict[str, int]:
    """Counts in the configuration's order, then unknown codes alphabetically; no zeros."""
    rank = {code: i for i, code in enumerate(known)}
    keys = sorted(counts, key=lambda code: (rank.get(code, len(rank)), code))
    return {code: counts[code] for code in keys if counts[code]}
