"""Paging by offset and by cursor: every order exactly once, also while orders arrive."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

import ordermill
from ordermill import QueryError
from ordermill.db.query import MAX_PAGE_SIZE, OrderQuery
from ordermill.domain.records import Order
from tests.query.conftest import ids, place, update


def walk(query: OrderQuery, size: int, between: object = None) -> list[int]:
    """The ids of every page in turn; ``between`` runs after each page (new orders arrive)."""
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(100):
        page = query.page(size, cursor)
        assert len(page.items) <= size
        seen += ids(page.items)
        if page.next_cursor is None:
            return seen
        assert len(page.items) == size
        if callable(between):
            between()
        cursor = page.next_cursor
    raise AssertionError("paging did not end")


SORTS = [
    [("created_at", "DESC")],
    [("created_at", "ASC")],
    [("payment_status", "ASC"), ("created_at", "DESC")],
    [("grand_total", "DESC")],
    [("order_number", "DESC")],
    [("customer_id", "ASC")],  # nullable: guests (NULL) last
    [("customer_id", "DESC"), ("grand_total", "ASC")],
    [("customer_full_name", "DESC"), ("customer_id", "DESC")],  # two nullable keys
    [("external_reference", "ASC")],  # nullable and mostly NULL
    [("order_id", "DESC")],
]


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: ",".join(f"{c} {d}" for c, d in s))
def test_cursor_pages_concatenate_to_the_full_result(
    oms: ordermill.Oms, seeded: list[Order], sort: list[tuple[str, str]]
) -> None:
    update(oms, 3, external_reference="ext-b")
    update(oms, 8, external_reference="ext-a")
    query = oms.get_orders_base_query()
    for column, direction in sort:
        query = query.order_by(column, direction)

    everything = ids(query.execute())
    assert sorted(everything) == ids(seeded)
    for size in (1, 2, 5, 12, 13):
        assert walk(query, size) == everything


def test_nulls_sort_last_in_both_directions(oms: ordermill.Oms, seeded: list[Order]) -> None:
    q = oms.get_orders_base_query()
    for direction in ("ASC", "DESC"):
        found = q.order_by("customer_id", direction).execute()
        assert [o.customer_id is None for o in found][-2:] == [True, True]
        assert not any(o.customer_id is None for o in found[:-2])


def test_cursor_paging_sees_each_order_once_while_orders_arrive(
    oms: ordermill.Oms, seeded: list[Order]
) -> None:
    query = oms.get_orders_base_query().order_by("created_at", "DESC")
    arrived: list[int] = []

    def new_order() -> None:
        [made] = place(oms, 1, start=20 + len(arrived), created_at=datetime.now(UTC))
        arrived.append(made.order_id)

    seen = walk(query, 5, between=new_order)

    assert arrived  # orders did arrive between pages
    assert sorted(seen) == ids(seeded)  # newer orders belong before page 1, not in later pages
    assert len(seen) == len(set(seen))


def test_offset_paging_oldest_first_sees_each_order_once_while_orders_arrive(
    oms: ordermill.Oms, seeded: list[Order]
) -> None:
    # By offset, a page is stable only when new orders sort after the pages already read
    # (oldest first); newest first needs the cursor (test above).
    query = oms.get_orders_base_query().order_by("created_at", "ASC")
    seen: list[int] = []
    offset = 0
    while True:
        page = query.limit(offset, 5).execute()
        seen += ids(page)
        if len(page) < 5:
            break
        offset += 5
        place(oms, 1, start=30 + offset, created_at=datetime.now(UTC))

    originals = ids(seeded)
    assert [i for i in seen if i in originals] == ids(sorted(seeded, key=lambda o: o.created_at))


def test_filtered_cursor_pages_keep_the_filter(oms: ordermill.Oms, seeded: list[Order]) -> None:
    query = (
        oms.get_orders_base_query()
        .where("payment_status", "=", "paid")
        .and_where("shipment_status", "=", "pending")
        .order_by("created_at", "DESC")
    )

    assert walk(query, 2) == ids(query.execute())
    assert len(walk(query, 2)) == 5


def test_last_page_has_no_cursor(oms: ordermill.Oms, seeded: list[Order]) -> None:
    q = oms.get_orders_base_query()
    assert q.page(12).next_cursor is None
    assert q.page(11).next_cursor is not None
    assert q.where("order_id", "=", 999).page(5).items == []


def test_cursor_after_an_order_starts_the_next_page(
    oms: ordermill.Oms, seeded: list[Order]
) -> None:
    q = oms.get_orders_base_query().order_by("grand_total", "DESC")
    everything = q.execute()

    page = q.page(3, q.cursor_after(everything[4]))

    assert page.items == everything[5:8]


def _tamper(cursor: str) -> str:
    body, _, mac = cursor.partition(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    changed = raw.replace(b"1", b"2", 1)
    return base64.urlsafe_b64encode(changed).rstrip(b"=").decode() + "." + mac


def test_malformed_tampered_or_foreign_cursors_are_refused(
    oms: ordermill.Oms, seeded: list[Order]
) -> None:
    q = oms.get_orders_base_query().order_by("created_at", "DESC")
    cursor = q.page(3).next_cursor
    assert cursor is not None
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

    bad = [
        "",
        "garbage",
        "a.b",
        cursor + "x",
        cursor[:-2],
        cursor.replace(".", ""),
        _tamper(cursor),
        '\'; DROP TABLE "order"; --',
        "x" * 10_000,
    ]
    for candidate in bad:
        with pytest.raises(QueryError, match="Invalid cursor"):
            q.page(3, candidate)
    other_queries = [
        q.where("payment_status", "=", "paid"),
        oms.get_orders_base_query().order_by("created_at", "ASC"),
        oms.get_orders_base_query().order_by("grand_total", "DESC"),
        q.for_customer(1),
    ]
    for other in other_queries:
        with pytest.raises(QueryError, match="different query"):
            other.page(3, cursor)
    assert q.page(3, cursor).items  # the untouched cursor still works


def test_cursors_survive_a_new_builder_and_a_new_process(
    oms: ordermill.Oms, seeded: list[Order], db_url: str
) -> None:
    def query(o: ordermill.Oms) -> OrderQuery:
        return (
            o.get_orders_base_query()
            .where("created_at", ">=", "2023-12-26")
            .order_by("created_at", "DESC")
        )

    cursor = query(oms).page(4).next_cursor
    other = ordermill.connect(db_url)
    try:
        assert cursor is not None
        assert query(other).page(4, cursor).items == query(oms).limit(4, 4).execute()
    finally:
        other.close()


def test_page_arguments_are_checked(oms: ordermill.Oms) -> None:
    q = oms.get_orders_base_query()
    for size in (0, -1, MAX_PAGE_SIZE + 1, "20", True, 2.5):
        with pytest.raises(QueryError, match="Page size"):
            q.page(size)  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="limit"):
        q.limit(0, 10).page(10)
