"""The dashboard and its server-side SVG charts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import ordermill
from ordermill.admin.chart import bar_chart, nice_ceiling
from ordermill.admin.formatting import format_compact_money, format_money
from tests.admin.conftest import Admin
from tests.admin.seed import backdate, place, seed_small


def bars(html: str, chart: str) -> dict[str, str]:
    section = html[html.index(f'id="{chart}"') :]
    section = section[: section.index("</figure>")]
    return dict(re.findall(r'<g class="bar" data-day="([\d-]+)" data-value="([^"]+)">', section))


def test_dashboard_shows_30_days_of_orders_and_sales(oms: ordermill.Oms, admin: Admin) -> None:
    shop = seed_small(oms)  # four orders today: $95.90, $84.50, $16.90, $54.80
    today = datetime.now(UTC).date()
    old = place(oms, [("TEE-L", 1)])  # $29.40, five days ago
    backdate(oms, old, datetime.now(UTC) - timedelta(days=5))
    ancient = place(oms, [("TEE-L", 1)])  # outside the 30 days
    backdate(oms, ancient, datetime.now(UTC) - timedelta(days=45))
    oms.cancel_order(shop.to_cancel.uuid, reason="test")  # counted, but not a sale

    html = admin.get("/admin/").text
    orders = bars(html, "orders-chart")
    sales = bars(html, "sales-chart")
    assert len(orders) == len(sales) == 30
    assert orders[today.isoformat()] == "4"
    assert orders[(today - timedelta(days=5)).isoformat()] == "1"
    assert Decimal(sales[today.isoformat()]) == Decimal("167.60")
    assert Decimal(sales[(today - timedelta(days=5)).isoformat()]) == Decimal("29.40")
    assert sum(int(v) for v in orders.values()) == 5
    assert '<strong class="stat-value" data-stat="orders">5</strong>' in html
    assert '<strong class="stat-value" data-stat="sales">$197.00</strong>' in html
    assert '<strong class="stat-value" data-stat="canceled">1</strong>' in html
    assert '<strong data-count="canceled">1</strong>' in html
    assert '<strong data-count="closed">0</strong>' in html
    latest = re.findall(r'<a href="/admin/orders/(\d+)"><strong>', html)
    assert latest[:4] == ["10004", "10003", "10002", "10001"]
    assert "<svg" in html and "<script" not in html.split("</head>")[1]


def test_dashboard_sales_are_net_of_refunds_on_the_day_they_were_made(
    oms: ordermill.Oms, admin: Admin
) -> None:
    today = datetime.now(UTC).date()
    old = place(oms, [("TEE-L", 1)])  # $29.40, five days ago, paid then
    backdate(oms, old, datetime.now(UTC) - timedelta(days=5))
    oms.record_payment(old.uuid, "sale", "29.40")
    oms.record_payment(old.uuid, "refund", "10.00")  # today
    new = place(oms, [("TEE-L", 2)])  # $53.90 today

    html = admin.get("/admin/").text
    sales = bars(html, "sales-chart")
    assert Decimal(sales[(today - timedelta(days=5)).isoformat()]) == Decimal("29.40")
    assert new.grand_total == Decimal("53.90")
    assert Decimal(sales[today.isoformat()]) == Decimal("43.90")  # 53.90 - 10.00
    assert '<strong class="stat-value" data-stat="sales">$73.30</strong>' in html
    assert '<span data-stat="gross">$83.30</span> gross' in html
    assert '<span data-stat="refunds">$10.00</span> refunded' in html
    assert "Net sales per day (USD)" in html


def test_a_day_that_refunded_more_than_it_sold_draws_no_bar(
    oms: ordermill.Oms, admin: Admin
) -> None:
    today = datetime.now(UTC).date()
    old = place(oms, [("TEE-L", 1)])
    backdate(oms, old, datetime.now(UTC) - timedelta(days=3))
    oms.record_payment(old.uuid, "sale", "29.40")
    oms.record_payment(old.uuid, "refund", "29.40")

    html = admin.get("/admin/").text
    assert Decimal(bars(html, "sales-chart")[today.isoformat()]) == Decimal("-29.40")
    chart = bar_chart("t", [(today, Decimal(-5)), (today, Decimal(10))], fmt=str)
    assert chart.bars[0].height == 0 and chart.bars[0].y == chart.baseline
    assert '<strong class="stat-value" data-stat="sales">$0.00</strong>' in html


def test_dashboard_of_an_empty_shop(admin: Admin) -> None:
    response = admin.get("/admin/")
    assert response.status_code == 200
    assert "No order yet." in response.text
    assert set(bars(response.text, "orders-chart").values()) == {"0"}


def test_bar_chart_geometry() -> None:
    start = date(2026, 1, 1)
    series = [(start + timedelta(days=i), Decimal(v)) for i, v in enumerate([0, 5, 10, 2])]
    chart = bar_chart("t", series, fmt=str, label_every=2)
    assert [Decimal(t.text) for t in chart.ticks] == [0, Decimal("2.5"), 5, Decimal("7.5"), 10]
    top, baseline = chart.ticks[-1].y, chart.baseline
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0
    assert heights[2] == round(baseline - top, 2)  # the largest bar reaches the top tick
    assert heights[1] == round((baseline - top) / 2, 2)
    assert [bar.label is not None for bar in chart.bars] == [False, True, False, True]
    assert all(bar.y + bar.height == baseline for bar in chart.bars)
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs) and xs[-1] + chart.bars[-1].width <= chart.plot_right


def test_small_values_stay_visible_and_counts_have_whole_ticks() -> None:
    day = date(2026, 1, 1)
    chart = bar_chart("t", [(day, 1000), (day, 1)], fmt=str, integer=True)
    assert chart.bars[1].height >= 1.5
    assert all(float(t.text).is_integer() for t in chart.ticks)
    assert nice_ceiling(Decimal("2.2"), integer=True) == 5
    assert nice_ceiling(Decimal("0.3"), integer=True) == 1
    assert nice_ceiling(Decimal("308.5")) == 500
    assert nice_ceiling(Decimal(0)) == 1


def test_money_formats() -> None:
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("-3"), "EUR") == "-€3.00"
    assert format_money(Decimal("7.005"), "CHF") == "CHF 7.01"
    assert format_compact_money(Decimal(1500)) == "$1.5k"
    assert format_compact_money(Decimal(800)) == "$800"
    assert format_compact_money(Decimal("0.25"), "GBP") == "£0.25"
