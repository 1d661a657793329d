"""Each operator, value conversion, grouping and search, against the same orders in Python."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

import ordermill
from ordermill import QueryError
from ordermill.db.query import OPERATORS
from ordermill.domain.records import Order
from tests.query.conftest import FIRST_DAY, Predicate, ids, place, update

JAN_1 = datetime(2024, 1, 1, tzinfo=UTC)

CASES: list[tuple[str, str, Any, Predicate]] = [
    ("payment_status", "=", "paid", lambda o: o.payment_status == "paid"),
    ("payment_status", "!=", "paid", lambda o: o.payment_status != "paid"),
    ("grand_total", "<", "15.50", lambda o: o.grand_total < Decimal("15.50")),
    ("grand_total", "<=", Decimal("15.50"), lambda o: o.grand_total <= Decimal("15.50")),
    ("grand_total", ">", 20, lambda o: o.grand_total > 20),
    ("grand_total", ">=", 20.5, lambda o: o.grand_total >= Decimal("20.5")),
    ("customer_email", "like", "ada%", lambda o: o.customer_email.startswith("ada")),
    ("customer_email", "like", "ADA%", lambda o: False),  # LIKE is case-sensitive on both
    ("customer_email", "ilike", "ADA%", lambda o: o.customer_email.startswith("ada")),
    ("customer_email", "like", "%1_@%", lambda o: o.customer_email[:-12][-2:-1] == "1"),
    ("order_id", "in", [1, 3, 99], lambda o: o.order_id in (1, 3)),
    ("order_id", "not in", (1, 3), lambda o: o.order_id not in (1, 3)),
    ("customer_id", "is null", None, lambda o: o.customer_id is None),
    ("customer_id", "is not null", None, lambda o: o.customer_id is not None),
    ("created_at", ">=", "2024-01-01", lambda o: o.created_at >= JAN_1),
    ("created_at", "<", datetime(2024, 1, 1), lambda o: o.created_at < JAN_1),  # naive: UTC
    ("created_at", ">", date(2024, 1, 1), lambda o: o.created_at > JAN_1),
    ("created_at", "<=", "2024-01-01T12:00:00Z", lambda o: o.created_at <= JAN_1.replace(hour=12)),
    ("created_at", "=", FIRST_DAY.isoformat(), lambda o: o.created_at == FIRST_DAY),
    ("customer_id", "=", "2", lambda o: o.customer_id == 2),
    ("order_number", "=", 10003, lambda o: o.order_number == "10003"),
    ("customer_full_name", "!=", "Ada Lovelace",
     lambda o: o.customer_full_name not in (None, "Ada Lovelace")),  # NULL never compares
    ("grand_total", "in", ["10.5", 12.5],
     lambda o: o.grand_total in (Decimal("10.5"), Decimal("12.5"))),
    ("payment_status", "in", [], lambda o: False),
    ("payment_status", "not in", [], lambda o: True),
]  # fmt: skip


def test_every_operator_is_covered() -> None:
    assert {op for _, op, _, _ in CASES} == set(OPERATORS)


@pytest.mark.parametrize(("column", "op", "value", "predicate"), CASES)
def test_operator_matches_python(
    oms: ordermill.Oms,
    seeded: list[Order],
    column: str,
    op: str,
    value: Any,
    predicate: Predicate,
) -> None:
    query = oms.get_orders_base_query()
    args = (column, op) if op.startswith("is") else (column, op, value)
    found = query.where(*args).execute()

    assert ids(found) == ids([o for o in seeded if predicate(o)])
    assert query.where(*args).count() == len(found)
    assert query.where(*args).exists() == bool(found)


def test_operators_ignore_case_and_spacing(oms: ordermill.Oms, seeded: list[Order]) -> None:
    q = oms.get_orders_base_query()
    assert q.where("customer_id", "IS  NULL").count() == q.where("customer_id", "is null").count()
    assert q.where("grand_total", "<>", 10.5).count() == q.where("grand_total", "!=", 10.5).count()
    assert q.where("order_id", "NOT IN", [1]).count() == len(seeded) - 1


def test_like_escapes_are_literal_on_both_databases(oms: ordermill.Oms) -> None:
    place(oms, 2)
    update(oms, 1, customer_email="under_score%@example.com")
    update(oms, 2, customer_email="underXscoreY@example.com")
    q = oms.get_orders_base_query()

    assert ids(q.where("customer_email", "like", "under_score%").execute()) == [1, 2]
    assert ids(q.where("customer_email", "like", r"under\_score\%%").execute()) == [1]
    assert ids(q.where("customer_email", "ilike", r"UNDER\_SCORE%").execute()) == [1]
    assert ids(q.where("customer_email", "like", "under?score*").execute()) == []  # GLOB chars
    assert ids(q.where("customer_email", "like", r"under[_]score%").execute()) == []
    with pytest.raises(QueryError, match="escape"):
        q.where("customer_email", "like", "trailing\\")


def test_and_where_narrows_and_or_where_widens_everything_before(
    oms: ordermill.Oms, seeded: list[Order]
) -> None:
    q = oms.get_orders_base_query()
    found = (
        q.where("payment_status", "=", "pending")
        .or_where("payment_status", "=", "canceled")
        .and_where("customer_id", "=", 1)
        .execute()
    )

    assert ids(found) == ids(
        [o for o in seeded if o.payment_status in ("pending", "canceled") and o.customer_id == 1]
    )
    assert found  # the data set has such orders, so the test means something


def test_group_with_a_callable(oms: ordermill.Oms, seeded: list[Order]) -> None:
    found = (
        oms.get_orders_base_query()
        .where("payment_status", "=", "paid")
        .and_where(lambda g: g.where("customer_id", "=", 1).or_where("customer_id", "is null"))
        .execute()
    )

    assert ids(found) == ids(
        [o for o in seeded if o.payment_status == "paid" and o.customer_id in (1, None)]
    )


def test_group_with_a_sub_builder(oms: ordermill.Oms, seeded: list[Order]) -> None:
    q = oms.get_orders_base_query()
    cheap_or_guest = q.where("grand_total", "<", 13).or_where("customer_id", "is null")
    found = q.where("shipment_status", "=", "pending").or_where(cheap_or_guest).execute()

    assert ids(found) == ids(
        [
            o
            for o in seeded
            if o.shipment_status == "pending" or o.grand_total < 13 or o.customer_id is None
        ]
    )


def test_nested_groups(oms: ordermill.Oms, seeded: list[Order]) -> None:
    found = (
        oms.get_orders_base_query()
        .where(
            lambda g: g.where("status", "=", "canceled").or_where(
                lambda h: h.where("payment_status", "=", "paid").and_where(
                    "created_at", ">=", "2024-01-01"
                )
            )
        )
        .execute()
    )

    assert ids(found) == ids(
        [
            o
            for o in seeded
            if o.status == "canceled" or (o.payment_status == "paid" and o.created_at >= JAN_1)
        ]
    )


@pytest.mark.parametrize(
    "bad_group",
    [
        lambda g: g,  # no condition
        lambda g: g.where("order_id", "=", 1).order_by("created_at"),
        lambda g: g.where("order_id", "=", 1).limit(0, 1),
        lambda g: g.where("order_id", "=", 1).with_("items"),
        lambda g: g.where("order_id", "=", 1).for_customer(1),
        lambda g: "order_id = 1",
    ],
)
def test_a_group_holds_conditions_only(oms: ordermill.Oms, bad_group: Any) -> None:
    with pytest.raises(QueryError):
        oms.get_orders_base_query().where(bad_group)


def test_search_number_email_and_name_case_insensitively(
    oms: ordermill.Oms, seeded: list[Order]
) -> None:
    q = oms.get_orders_base_query()

    assert ids(q.search("LOVELACE").execute()) == ids(
        [o for o in seeded if o.customer_full_name == "Ada Lovelace"]
    )
    assert ids(q.search("grace2@EXAMPLE").execute()) == ids(
        [o for o in seeded if o.customer_email.startswith("grace2@")]
    )
    assert ids(q.search(seeded[3].order_number).execute()) == [seeded[3].order_id]
    assert q.search("  ").count() == len(seeded)  # blank text adds nothing
    assert q.search("%").count() == 0  # wildcards are literal
    assert q.search("_").count() == 0


def test_search_combines_with_conditions(oms: ordermill.Oms, seeded: list[Order]) -> None:
    found = (
        oms.get_orders_base_query()
        .where("payment_status", "=", "paid")
        .search("ada")
        .order_by("created_at", "DESC")
        .execute()
    )

    assert ids(found) == ids(
        sorted(
            (o for o in seeded if o.payment_status == "paid" and "ada" in o.customer_email),
            key=lambda o: o.created_at,
            reverse=True,
        )
    )


def test_every_method_returns_a_new_builder(oms: ordermill.Oms, seeded: list[Order]) -> None:
    base = oms.get_orders_base_query()
    paid = base.where("payment_status", "=", "paid")
    paid.order_by("created_at", "DESC").limit(0, 1).with_("items").search("ada")

    assert base.count() == len(seeded)
    assert paid.count() == sum(o.payment_status == "paid" for o in seeded)
    assert len(paid.execute()) == paid.count()


def test_first_count_and_exists(oms: ordermill.Oms, seeded: list[Order]) -> None:
    q = oms.get_orders_base_query().where("payment_status", "=", "paid")
    newest = q.order_by("created_at", "DESC")

    first = newest.first()
    assert first is not None
    assert (
        first.order_id
        == max(
            (o for o in seeded if o.payment_status == "paid"), key=lambda o: o.created_at
        ).order_id
    )
    assert newest.limit(1, 5).first() == newest.execute()[1]
    assert q.limit(0, 1).count() == q.count()  # count ignores the window
    assert q.where("order_id", "=", 999).first() is None
    assert not q.where("order_id", "=", 999).exists()  # fmt: skip


def test_several_order_by_calls_add_tie_breakers(oms: ordermill.Oms, seeded: list[Order]) -> None:
    found = (
        oms.get_orders_base_query()
        .order_by("payment_status", "ASC")
        .order_by("created_at", "desc")
        .execute()
    )

    expected = sorted(seeded, key=lambda o: o.created_at, reverse=True)
    expected.sort(key=lambda o: o.payment_status)
    assert ids(found) == ids(expected)


@pytest.mark.parametrize(
    ("column", "op", "value", "message"),
    [
        ("password", "=", "x", "Unknown order column 'password'; allowed columns: order_id"),
        ("order_id", "===", 1, "Unknown operator '==='"),
        ("uuid", "like", "abc%", "does not apply to uuid column 'uuid'"),
        ("grand_total", "like", "1%", "does not apply to money column"),
        ("order_id", "=", "one", "'one' is not a valid value for 'order_id': expected an integer"),
        ("order_id", "=", True, "not a valid value"),
        ("order_id", "=", 2**63, "not a valid value"),
        ("grand_total", ">", "NaN", "not a valid value"),
        ("grand_total", ">", "1e20", "not a valid value"),
        ("created_at", ">=", "2024-13-01", "expected a datetime or an ISO 8601 date"),
        ("uuid", "=", "not-a-uuid", "expected a UUID"),
        ("customer_email", "=", ["a"], "expected a string"),
        ("customer_email", "=", None, "needs a value"),
        ("customer_id", "is null", 3, "takes no value"),
        ("order_id", "in", "1,2", "is not a list of values"),
        ("order_id", "in", list(range(5001)), "at most 5000"),
        ("customer_email", "like", 5, "is not a LIKE pattern"),
    ],
)
def test_bad_arguments_raise_query_error_naming_them(
    oms: ordermill.Oms, column: str, op: str, value: Any, message: str
) -> None:
    with pytest.raises(QueryError, match=None) as caught:
        oms.get_orders_base_query().where(column, op, value)
    assert message in str(caught.value)
    assert caught.value.code == "invalid_query"


def test_unknown_sort_direction_relation_and_window(oms: ordermill.Oms) -> None:
    q = oms.get_orders_base_query()
    with pytest.raises(QueryError, match="Unknown sort direction 'UP'; allowed: ASC, DESC"):
        q.order_by("created_at", "UP")
    with pytest.raises(QueryError, match="already sorted by 'created_at'"):
        q.order_by("created_at").order_by("created_at", "DESC")
    with pytest.raises(QueryError, match="Unknown relation 'payments'; allowed relations: items"):
        q.with_("items", "payments")
    with pytest.raises(QueryError, match="non-negative integer"):
        q.limit(-1, 20)
    with pytest.raises(QueryError, match="non-negative integer"):
        q.limit(0, "20")  # type: ignore[arg-type]
