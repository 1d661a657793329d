"""The dashboard: the last 30 days of orders and net sales (gross less refunds), counts by
status, the newest orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ordermill.admin.chart import bar_chart
from ordermill.admin.formatting import badge, format_compact_money, format_money
from ordermill.admin.web import AdminUser, admin_of, render
from ordermill.db.query import OrderFilters
from ordermill.domain.records import SalesReport
from ordermill.oms import Oms

__all__ = ["DAYS", "LATEST", "dashboard_context", "router"]

router = APIRouter()

DAYS = 30
LATEST = 8


def dashboard_context(oms: Oms, *, today: date | None = None) -> dict[str, Any]:
    """Everything the dashboard shows, for the ``DAYS`` UTC days ending ``today``."""
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=DAYS - 1)
    report: SalesReport = oms.sales_report(date_from=first, date_to=last)
    currency = report.currency or "USD"
    series_sales = [(day.day, day.sales) for day in report.days]
    series_orders = [(day.day, day.orders) for day in report.days]
    sales_chart = bar_chart(
        f"Net sales per day ({currency})",
        series_sales,
        fmt=lambda value: format_money(value, currency),
        tick_fmt=lambda value: format_compact_money(value, currency),
    )
    orders_chart = bar_chart(
        "Orders per day",
        series_orders,
        fmt=lambda value: f"{value:,.0f}",
        integer=True,
    )
    latest = OrderFilters().apply(oms.get_orders_base_query()).page(LATEST).items
    config = oms.config
    # Every configured status in flow order (zeros too, so the list keeps its shape),
    # then any status the data has that the configuration no longer knows.
    codes = [*config.order_status_flow]
    codes += [code for code in report.counts_by_status if code not in config.order_statuses]
    status_counts = [
        (badge(config, "order", code), report.counts_by_status.get(code, 0)) for code in codes
    ]
    return {
        "report": report,
        "currency": currency,
        "sales_total": report.sales_by_currency.get(currency, Decimal(0)),
        "gross_total": report.gross_by_currency.get(currency, Decimal(0)),
        "refunds_total": report.refunds_by_currency.get(currency, Decimal(0)),
        "other_currencies": {
            code: amount for code, amount in report.sales_by_currency.items() if code != currency
        },
        "canceled": report.counts_by_status.get("canceled", 0),
        "sales_chart": sales_chart,
        "orders_chart": orders_chart,
        "status_counts": status_counts,
        "latest": latest,
        "first": first,
        "last": last,
    }


@router.get("/", name="dashboard")
def dashboard(request: Request, _: AdminUser) -> Response:
    context = dashboard_context(admin_of(request).oms)
    context.update({"title": "Dashboard", "nav": "dashboard"})
    return render(request, "dashboard.html", context)
