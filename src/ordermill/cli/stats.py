"""``ordermill stats``: counts by status and sales per day for a period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from ordermill.cli.common import (
    DEFAULT_URL,
    ConfigOption,
    DatabaseUrl,
    JsonOption,
    money,
    open_oms,
    out,
    print_json,
    status_text,
)
from ordermill.domain.errors import InvalidInput
from ordermill.domain.status import StatusKind

__all__ = ["register"]


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def stats(
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (UTC).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today).")
    ] = None,
    days: Annotated[
        int, typer.Option("--days", help="Without --from: the last N days.", min=1)
    ] = 30,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Orders by order, payment and shipment status, and orders and net sales per day.

    Net sales are gross (grand totals of the orders that are not canceled; a canceled
    order counts what was captured for it) less refunds, each refund on the day it was
    recorded. Per day in the period's main currency (others are totalled separately,
    never converted).
    """
    last = _day(date_to, "--to") or datetime.now(UTC).date()
    first = _day(date_from, "--from") or last - timedelta(days=days - 1)
    with open_oms(database_url, config) as oms:
        report = oms.sales_report(date_from=first, date_to=last)
        resolved = oms.config
    if as_json:
        print_json(report)
        return
    currency = report.currency or ""
    totals = ", ".join(money(v, c) for c, v in report.sales_by_currency.items()) or "none"
    out.print(f"{report.orders} orders from {first} to {last}; net sales: {totals}")
    for code in report.sales_by_currency:
        gross = report.gross_by_currency.get(code, Decimal(0))
        refunds = report.refunds_by_currency.get(code, Decimal(0))
        out.print(f"  {code}: gross {money(gross)} - refunds {money(refunds)}")
    counts = Table(title="Orders by status", title_justify="left")
    for column in ("order status", "n", "payment status", "n ", "shipment status", " n"):
        counts.add_column(column, justify="right" if column.strip() == "n" else "left")
    kinds: tuple[tuple[StatusKind, dict[str, int]], ...] = (
        ("order", report.counts_by_status),
        ("payment", report.counts_by_payment_status),
        ("shipment", report.counts_by_shipment_status),
    )
    groups = [
        [(status_text(resolved, kind, code), str(n)) for code, n in values.items()]
        for kind, values in kinds
    ]
    for i in range(max((len(g) for g in groups), default=0)):
        cells: list[object] = []
        for group in groups:
            cells.extend(group[i] if i < len(group) else ("", ""))
        counts.add_row(*cells)  # type: ignore[arg-type]
    out.print(counts)
    per_day = Table(title=f"Per day (in {currency or '-'})", title_justify="left")
    per_day.add_column("day")
    per_day.add_column("orders", justify="right")
    for column in ("gross", "refunds", "net sales"):
        per_day.add_column(column, justify="right")
    for day in report.days:
        moved = day.orders or day.refunds
        per_day.add_row(
            day.day.isoformat(),
            str(day.orders),
            *((money(day.gross), money(day.refunds), money(day.sales)) if moved else ()),
        )
    out.print(per_day)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Report")(stats)
