"""``OrderFilters``: the listing filters shared by the REST API, the CLI and the admin grid."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import ordermill
from ordermill import InvalidStatus, QueryError
from ordermill.db.query import OrderFilters, parse_sort
from ordermill.domain.records import Order
from tests.query.conftest import FIRST_DAY, ids


def newest_first(orders: list[Order]) -> list[int]:
    return ids(sorted(orders, key=lambda o: (o.created_at, o.order_id), reverse=True))


def test_no_filters_lists_everything_newest_first(oms: ordermill.Oms, seeded: list[Order]) -> None:
    found = OrderFilters().apply(oms.get_orders_base_query()).execute()
    assert ids(found) == newest_first(seeded)


def test_status_filters(oms: ordermill.Oms, seeded: list[Order]) -> None:
    q = oms.get_orders_base_query()
    paid_pending = OrderFilters(payment_status="paid", shipment_status="pending").apply(q)
    assert ids(paid_pending.execute()) == newest_first(
        [o for o in seeded if o.payment_status == "paid" and o.shipment_status == "pending"]
    )
    either = OrderFilters(status=["canceled", "pending"]).apply(q)
    assert ids(either.execute()) == newest_first(
        [o for o in seeded if o.status in ("canceled", "pending")]
    )
    assert OrderFilters(payment_status="", status=None).apply(q).count() == len(seeded)


def test_an_unknown_status_is_refused_naming_it_when_the_config_is_given(
    oms: ordermill.Oms, seeded: list[Order]
) -> None:
    q = oms.get_orders_base_query()
    with pytest.raises(InvalidStatus, match="Invalid shipment status 'shiped'") as caught:
        OrderFilters(shipment_status=["pending", "shiped"]).apply(q, config=oms.config)
    assert caught.value.code == "invalid_status"
    assert "shipped" in caught.value.details["allowed"]
    with pytest.raises(InvalidStatus, match="Invalid order status 'false'"):
        OrderFilters(status="false").apply(q, config=oms.config)
    known = OrderFilters(payment_status="paid").apply(q, config=oms.config)
    assert known.count() == len([o for o in seeded if o.payment_status == "paid"])


def test_customer_and_search(oms: ordermill.Oms, seeded: list[Order]) -> None:
    q = oms.get_orders_base_query()
    assert ids(OrderFilters(customer_id=3).apply(q).execute()) == newest_first(
        [o for o in seeded if o.customer_id == 3]
    )
    assert ids(OrderFilters(q="turing").apply(q).execute()) == newest_first(
        [o for o in seeded if o.customer_full_name == "Alan Turing"]
    )


@pytest.mark.parametrize(
    ("created_from", "created_to", "first_day", "last_day"),
    [
        ("2024-01-01", None, 7, 11),
        (None, "2023-12-27", 0, 2),  # a date-only upper bound includes that whole day
        (date(2023, 12, 26), date(2023, 12, 27), 1, 2),
        ("2023-12-26T12:00:00+00:00", "2023-12-28T12:00:00Z", 1, 3),  # datetimes: inclusive
        (datetime(2023, 12, 26, 12, 0, 1, tzinfo=UTC), "2023-12-28T11:59:59", 2, 2),
    ],
)
def test_created_range(
    oms: ordermill.Oms,
    seeded: list[Order],
    created_from: object,
    created_to: object,
    first_day: int,
    last_day: int,
) -> None:
    filters = OrderFilters(created_from=created_from, created_to=created_to)  # type: ignore[arg-type]
    found = filters.apply(oms.get_orders_base_query()).execute()

    days = sorted((o.created_at - FIRST_DAY).days for o in found)
    assert days == list(range(first_day, last_day + 1))


def test_sort(oms: ordermill.Oms, seeded: list[Order]) -> None:
    q = oms.get_orders_base_query()
    by_total = OrderFilters(sort="grand_total").apply(q).execute()
    assert ids(by_total) == ids(sorted(seeded, key=lambda o: (o.grand_total, o.order_id)))
    mixed = OrderFilters(sort="payment_status, -created_at").apply(q).execute()
    expected = sorted(seeded, key=lambda o: o.created_at, reverse=True)
    expected.sort(key=lambda o: o.payment_status)
    assert ids(mixed) == ids(expected)
    assert parse_sort("-created_at,+order_number") == [
        ("created_at", "DESC"),
        ("order_number", "ASC"),
    ]


def test_filters_narrow_a_query_that_already_has_or_conditions(
    oms: ordermill.Oms, seeded: list[Order]
) -> None:
    base = oms.get_orders_base_query().where("customer_id", "=", 1).or_where("customer_id", "=", 2)
    found = OrderFilters(payment_status="paid").apply(base).execute()

    assert ids(found) == newest_first(
        [o for o in seeded if o.customer_id in (1, 2) and o.payment_status == "paid"]
    )


def test_filters_page_by_cursor(oms: ordermill.Oms, seeded: list[Order]) -> None:
    filters = OrderFilters(payment_status="paid")
    first = filters.apply(oms.get_orders_base_query()).page(3)
    assert first.next_cursor is not None
    # The next request rebuilds the same filters on a new builder, as an API would.
    second = filters.apply(oms.get_orders_base_query()).page(3, first.next_cursor)

    assert (
        ids(first.items + second.items)
        == newest_first([o for o in seeded if o.payment_status == "paid"])[:6]
    )


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (OrderFilters(sort="password"), "Unknown order column 'password'"),
        (OrderFilters(sort="-created_at;DROP TABLE x"), "Unknown order column"),
        (OrderFilters(sort=" , "), "names no column"),
        (OrderFilters(created_from="yesterday"), "not a valid value for 'created_at'"),
        (OrderFilters(created_to="2024-02-30"), "not a valid date"),
        (OrderFilters(customer_id="x"), "expected an integer"),  # type: ignore[arg-type]
        (OrderFilters(payment_status=["paid", None]), "not a valid value"),  # type: ignore[list-item]
        (OrderFilters(q="a\x00"), "NUL"),
    ],
)
def test_bad_filters_raise_query_error(
    oms: ordermill.Oms, filters: OrderFilters, message: str
) -> None:
    with pytest.raises(QueryError) as caught:
        filters.apply(oms.get_orders_base_query())
    assert message in str(caught.value)
