"""Sales reports: per UTC day, every day listed, canceled orders not sales, currencies apart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import ordermill
from ordermill.db.tables import order


def _place(oms: ordermill.Oms, when: datetime, price: str, currency: str = "USD") -> str:
    placed = oms.place_order(
        [{"sku": "A", "qty": 1, "price": price}], customer_email="a@example.com", currency=currency
    )
    with oms.engine.begin() as c:
        c.execute(order.update().where(order.c.uuid == placed.uuid).values(created_at=when))
    return placed.uuid


def test_sales_per_day_exclude_canceled_orders_and_keep_currencies_apart(
    oms: ordermill.Oms,
) -> None:
    _place(oms, datetime(2026, 3, 1, 23, 59, tzinfo=UTC), "10.00")
    _place(oms, datetime(2026, 3, 2, 0, 1, tzinfo=UTC), "5.50")
    canceled = _place(oms, datetime(2026, 3, 2, 12, 0, tzinfo=UTC), "100.00")
    oms.cancel_order(canceled)
    _place(oms, datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "7.00", currency="EUR")
    _place(oms, datetime(2026, 3, 9, 9, 0, tzinfo=UTC), "1000.00")  # outside
    report = oms.sales_report(date_from=date(2026, 3, 1), date_to=date(2026, 3, 4))
    assert report.orders == 4
    assert report.currency == "USD"
    assert report.sales_by_currency == {"EUR": Decimal("7.00"), "USD": Decimal("15.50")}
    assert [(d.day.day, d.orders, d.sales) for d in report.days] == [
        (1, 1, Decimal("10.00")),
        (2, 2, Decimal("5.50")),
        (3, 1, Decimal(0)),
        (4, 0, Decimal(0)),
    ]
    assert report.days[2].sales_by_currency == {"EUR": Decimal("7.00")}
    assert report.counts_by_status == {"pending": 3, "canceled": 1}
    assert report.counts_by_payment_status == {"pending": 3, "canceled": 1}


def test_an_empty_period_and_bad_periods(oms: ordermill.Oms) -> None:
    empty = oms.sales_report(date_from=date(2026, 1, 1), date_to=date(2026, 1, 1))
    assert (empty.orders, empty.currency, len(empty.days)) == (0, None, 1)
    with pytest.raises(ordermill.InvalidInput, match="before date_from"):
        oms.sales_report(date_from=date(2026, 1, 2), date_to=date(2026, 1, 1))
    with pytest.raises(ordermill.InvalidInput, match="at most"):
        oms.sales_report(date_from=date(2000, 1, 1), date_to=date(2026, 1, 1))


def test_the_report_runs_two_queries(oms: ordermill.Oms) -> None:
    from ordermill.testing import count_statements

    _place(oms, datetime(2026, 3, 1, tzinfo=UTC), "1.00")
    with count_statements(oms.engine) as log:
        oms.sales_report(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    assert log.count == 2
