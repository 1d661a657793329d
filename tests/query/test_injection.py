"""Hostile input never becomes SQL: values are matched literally, anything else is refused.

Every statement a query sends is captured; with a hostile value it must be the
very same text as with a harmless one (so no payload can be in it), and a
refused argument must raise ``QueryError`` before any statement is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import ordermill
from ordermill import QueryError
from ordermill.db.query import OrderFilters, OrderQuery
from ordermill.testing import count_statements
from tests.query.conftest import all_orders, ids, place, update

PAYLOADS: list[str] = [
    "'",
    '"',
    "`",
    "\\",
    "';",
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "1 OR 1=1",
    "admin'--",
    '1; DROP TABLE "order"; --',
    '\'; DELETE FROM "order"; --',
    '\'); UPDATE "order" SET grand_total = 0; --',
    "1' UNION SELECT * FROM api_token --",
    "' UNION ALL SELECT token_hash, NULL, NULL FROM api_token --",
    "/* comment */",
    "*/ OR 1=1 /*",
    "-- ",
    "#",
    "%",
    "_",
    "%%",
    "\\%",
    "' AND pg_sleep(3) IS NULL --",
    "'; SELECT pg_sleep(3); --",
    "1 AND randomblob(1000000000)",
    "' || (SELECT sqlite_version()) || '",
    "CASE WHEN 1=1 THEN pg_sleep(3) END",
    "ORDER BY CASE WHEN (SELECT 1)=1 THEN order_id ELSE created_at END",
    'created_at; DROP TABLE "order"',
    "created_at DESC, (SELECT 1)",
    "$1",
    "$$ OR 1=1 $$",
    "E'\\x27'",
    "%(param_1)s",
    ":param_1",
    "?",
    "{0}",
    "\x00",
    "a\x00b",
    '\'\x00; DROP TABLE "order"; --',
    "\uff53\uff45\uff4c\uff45\uff43\uff54 \uff0a \uff46\uff52\uff4f\uff4d",  # fullwidth
    "\u02bc OR 1=1 --",  # modifier-letter apostrophe
    "\u2019 OR \u2019\u2019=\u2019",
    "\ud800",  # a lone surrogate: no valid encoding
    '\n; DROP TABLE "order";\n',
    "\t",
    "NULL",
    "true",
    "0x27",
    "\r\n--",
    "x" * 10_240,
    "'" * 10_240,
    "'; " + "A" * 10_000 + " --",
    '{"$gt": ""}',
    "[1, 2]",
]
assert len(PAYLOADS) >= 40

NOT_SCALARS: list[Any] = [["a"], {"a": 1}, ("x",), {"x"}, b"bytes", object()]

STORABLE = 255  # customer_full_name is VARCHAR(255)


def refused_as_text(payload: str) -> bool:
    """NUL and unencodable text are refused identically on both databases."""
    return "\x00" in payload or "\ud800" in payload


def statements(oms: ordermill.Oms, run: Callable[[], object]) -> list[str]:
    with count_statements(oms.engine) as log:
        run()
    return log.statements


def assert_same_sql(oms: ordermill.Oms, payload: str, baseline: list[str], got: list[str]) -> None:
    assert got == baseline
    if len(payload) >= 3 and not any(payload in s for s in baseline):
        assert not any(payload in s for s in got)


@pytest.fixture
def two(oms: ordermill.Oms) -> list[int]:
    return ids(place(oms, 2))


def test_payload_values_are_matched_literally(oms: ordermill.Oms, two: list[int]) -> None:
    q = oms.get_orders_base_query()
    eq_sql = statements(oms, q.where("customer_full_name", "=", "harmless").execute)
    in_sql = statements(oms, q.where_in("customer_full_name", ["harmless", "x"]).execute)
    search_sql = statements(oms, q.search("harmless").execute)
    like_sql = statements(oms, q.where("customer_full_name", "like", "harmless").execute)

    for payload in PAYLOADS:
        if refused_as_text(payload):
            calls: list[Callable[[str], object]] = [
                lambda p: q.where("customer_full_name", "=", p),
                lambda p: q.where_in("customer_full_name", [p]),
                lambda p: q.search(p),
                lambda p: q.where("customer_email", "like", p),
            ]
            for call in calls:
                with count_statements(oms.engine) as log, pytest.raises(QueryError) as caught:
                    call(payload)
                assert log.statements == []
                assert len(str(caught.value)) < 300
            continue
        stored = len(payload) <= STORABLE
        if stored:
            update(oms, two[0], customer_full_name=payload)

        eq = q.where("customer_full_name", "=", payload)
        assert ids(eq.execute()) == ([two[0]] if stored else []), payload
        assert_same_sql(oms, payload, eq_sql, statements(oms, eq.execute))

        in_ = q.where_in("customer_full_name", [payload, "x"])
        assert ids(in_.execute()) == ([two[0]] if stored else [])
        assert_same_sql(oms, payload, in_sql, statements(oms, in_.execute))

        found = ids(q.search(payload).execute())
        if payload.strip():
            expected = [
                o.order_id
                for o in all_orders(oms)
                if any(
                    payload.strip().lower() in (v or "").lower()
                    for v in (o.order_number, o.customer_email, o.customer_full_name)
                )
            ]
            assert found == expected, payload
            assert_same_sql(oms, payload, search_sql, statements(oms, q.search(payload).execute))
        else:
            assert found == two

        if payload.endswith("\\") and not payload.endswith("\\\\"):
            with pytest.raises(QueryError, match="escape"):
                q.where("customer_full_name", "like", payload)
        else:
            like = q.where("customer_full_name", "like", payload)
            like.execute()
            assert statements(oms, like.execute) == like_sql

    assert len(all_orders(oms)) == 2  # nothing was dropped, deleted or changed


@pytest.mark.parametrize("value", NOT_SCALARS, ids=lambda v: type(v).__name__)
def test_non_scalar_values_are_refused(oms: ordermill.Oms, value: Any) -> None:
    with count_statements(oms.engine) as log, pytest.raises(QueryError):
        oms.get_orders_base_query().where("customer_email", "=", value).execute()
    assert log.statements == []


def identifier_uses(q: OrderQuery, payload: Any) -> list[Callable[[], object]]:
    """Every place a caller names something rather than passing a value."""
    return [
        lambda: q.where(payload, "=", "x").execute(),
        lambda: q.and_where(payload, "is null").execute(),
        lambda: q.or_where(payload, "like", "x").execute(),
        lambda: q.where_in(payload, ["x"]).execute(),
        lambda: q.where("customer_email", payload, "x").execute(),
        lambda: q.order_by(payload).execute(),
        lambda: q.order_by("created_at", payload).execute(),
        lambda: q.with_(payload).execute(),
        lambda: q.page(5, payload),
        lambda: OrderFilters(sort=payload).apply(q).execute(),
        lambda: q.limit(payload, 5).execute(),
    ]


@pytest.mark.parametrize("payload", [*PAYLOADS, *NOT_SCALARS], ids=range(len(PAYLOADS) + 6))
def test_payloads_naming_columns_operators_directions_or_relations_are_refused(
    oms: ordermill.Oms, payload: Any
) -> None:
    q = oms.get_orders_base_query()
    for use in identifier_uses(q, payload):
        with count_statements(oms.engine) as log, pytest.raises(QueryError) as caught:
            use()
        assert log.statements == [], "refused before any SQL was sent"
        assert len(str(caught.value)) < 1_000  # long payloads are cut in messages


def test_query_error_names_the_column_and_lists_the_allowed_ones(oms: ordermill.Oms) -> None:
    with pytest.raises(QueryError) as caught:
        oms.get_orders_base_query().where("token_hash", "=", "x")

    message = str(caught.value)
    assert "'token_hash'" in message
    assert "order_id, uuid, order_number, customer_id" in message
    assert caught.value.details["column"] == "'token_hash'"
    assert "grand_total" in caught.value.details["allowed"]
