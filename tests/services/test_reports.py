"""Sales reports: per UTC day, every day listed, canceled orders not sales, currencies apart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import ordermill
from ordermill.db.tables import order, payment


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


def _d(*amounts: int) -> tuple[Decimal, ...]:
    return tuple(Decimal(a) for a in amounts)


def _pay(
    oms: ordermill.Oms, uuid: str, kind: str, amount: str, when: datetime, status: str = "succeeded"
) -> None:
    paid = oms.record_payment(uuid, kind, amount, status=status)
    with oms.engine.begin() as c:
        c.execute(payment.update().where(payment.c.payment_id == paid.payment_id).values(
            created_at=when))  # fmt: skip


def test_a_refund_lowers_the_sales_of_the_day_it_was_recorded(oms: ordermill.Oms) -> None:
    monday = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    sold = _place(oms, monday, "100.00")
    _pay(oms, sold, "sale", "100.00", monday)
    _pay(oms, sold, "refund", "30.00", datetime(2026, 3, 9, 15, 0, tzinfo=UTC))
    _pay(oms, sold, "refund", "5.00", datetime(2026, 3, 9, 16, 0, tzinfo=UTC), status="failed")

    report = oms.sales_report(date_from=date(2026, 3, 2), date_to=date(2026, 3, 9))
    first, last = report.days[0], report.days[-1]
    assert (first.gross, first.refunds, first.sales) == _d(100, 0, 100)
    assert (last.orders, last.gross, last.refunds, last.sales) == (0, *_d(0, 30, -30))
    assert last.refunds_by_currency == {"USD": Decimal(30)}
    assert last.sales_by_currency == {"USD": Decimal(-30)}
    assert report.gross_by_currency == {"USD": Decimal(100)}
    assert report.refunds_by_currency == {"USD": Decimal(30)}
    assert report.sales_by_currency == {"USD": Decimal(70)}
    # The week the order was placed keeps its sale; the next week has the refund alone.
    placed_week = oms.sales_report(date_from=date(2026, 3, 2), date_to=date(2026, 3, 8))
    assert placed_week.sales_by_currency == {"USD": Decimal(100)}
    next_week = oms.sales_report(date_from=date(2026, 3, 9), date_to=date(2026, 3, 15))
    assert (next_week.orders, next_week.currency) == (0, "USD")
    assert next_week.sales_by_currency == {"USD": Decimal(-30)}
    assert next_week.gross_by_currency == {}


def test_a_canceled_order_counts_what_was_paid_and_its_refund_once(oms: ordermill.Oms) -> None:
    day = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    unpaid = _place(oms, day, "40.00")
    oms.cancel_order(unpaid)
    paid = _place(oms, day, "60.00")
    _pay(oms, paid, "sale", "60.00", day)
    oms.cancel_and_refund(paid, "changed their mind")
    with oms.engine.begin() as c:  # its refund two days after the order
        c.execute(payment.update().where(payment.c.kind == "refund").values(
            created_at=datetime(2026, 4, 3, 9, 0, tzinfo=UTC)))  # fmt: skip
    euros = _place(oms, day, "8.00", currency="EUR")
    _pay(oms, euros, "sale", "8.00", day)
    _pay(oms, euros, "refund", "2.50", datetime(2026, 4, 2, 9, 0, tzinfo=UTC))

    report = oms.sales_report(date_from=date(2026, 4, 1), date_to=date(2026, 4, 3))
    assert report.orders == 3 and report.currency == "USD"
    assert [(d.gross, d.refunds, d.sales) for d in report.days] == [
        _d(60, 0, 60),  # the canceled unpaid order is no sale
        _d(0, 0, 0),  # EUR apart
        _d(0, 60, -60),
    ]
    assert report.days[1].sales_by_currency == {"EUR": Decimal("-2.50")}
    assert report.sales_by_currency == {"EUR": Decimal("5.50"), "USD": Decimal(0)}
    assert report.refunds_by_currency == {"EUR": Decimal("2.50"), "USD": Decimal(60)}


@pytest.mark.postgres_only
def test_the_report_query_is_index_served_on_a_year_of_orders(oms: ordermill.Oms) -> None:
    """30 days out of a year of 36,500 orders and 3,650 refunds: no table is read whole."""
    with oms.engine.begin() as c:
        c.exec_driver_sql(_YEAR_OF_ORDERS)
        c.exec_driver_sql('ANALYZE "order"; ANALYZE order_payment')
        start = datetime(2026, 6, 1, tzinfo=UTC)
        end = datetime(2026, 7, 1, tzinfo=UTC)
        from ordermill.db.reports import money_query, status_query

        for stmt in (money_query(c, start, end, canceled_status="canceled"),
                     status_query(start, end)):  # fmt: skip
            compiled = stmt.compile(c, compile_kwargs={"literal_binds": True})
            plan = "\n".join(r[0] for r in c.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "Seq Scan" not in plan, plan
            if "order_payment" in str(compiled):
                assert "ix_order_payment_refund_created" in plan, plan


_YEAR_OF_ORDERS = """
INSERT INTO "order" (uuid, order_number, customer_email, currency, sub_total, tax_amount,
    shipping_fee, discount_amount, grand_total, payment_status, shipment_status, status,
    created_at, updated_at, amount_authorized, amount_captured)
SELECT gen_random_uuid(), 'B' || n, 'b' || n || '@example.com', 'USD', 10, 0, 0, 0, 10,
    'paid', 'pending', 'processing', ts, ts, 10, 10
FROM generate_series(1, 36500) AS n,
    LATERAL (SELECT TIMESTAMPTZ '2026-01-01 00:00Z' + n * INTERVAL '864 seconds' AS ts) t;
INSERT INTO order_payment (order_id, kind, status, amount, currency, created_at)
SELECT order_id, kind, 'succeeded', 10, 'USD', created_at + INTERVAL '1 hour'
FROM "order", (VALUES ('sale'), ('refund')) AS k(kind)
WHERE substr(order_number, 1, 1) = 'B' AND (kind = 'sale' OR mod(order_id, 10) = 0);
"""
