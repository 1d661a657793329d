"""The builder's statements are planned for their values, never by a generic plan."""

from __future__ import annotations

import pytest

import ordermill
from ordermill.domain.records import Order


@pytest.mark.postgres_only
def test_listing_statements_are_never_prepared(oms: ordermill.Oms, seeded: list[Order]) -> None:
    # psycopg prepares a statement after five runs; PostgreSQL may then plan it
    # generically, which for a search walks the created_at index (see builder.py).
    searched = oms.get_orders_base_query().search("ada").order_by("created_at", "DESC")
    with oms.engine.connect() as c:
        for _ in range(12):
            searched.with_("items").page(5, conn=c)
            searched.count(conn=c)
            searched.exists(conn=c)
        prepared = c.exec_driver_sql("SELECT statement FROM pg_prepared_statements").all()
        assert prepared == []
        assert c.connection.driver_connection.prepare_threshold == 5  # type: ignore[union-attr]
