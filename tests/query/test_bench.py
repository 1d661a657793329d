"""The listing benchmark keeps working: one tiny run (its figures are not checked here)."""

from __future__ import annotations

import io

import pytest

from bench import query_bench


@pytest.mark.postgres_only
def test_listing_bench_runs_at_a_tiny_size(db_url: str) -> None:
    out = io.StringIO()

    report = query_bench.run(db_url, orders=200, runs=3, reload=True, out=out)

    assert [r.name for r in report.results] == [
        "first page",
        "first page + items, address",
        "offset page at depth",
        "cursor page at depth",
        "count of the filter",
        "search by email prefix",
    ]
    assert all(len(r.millis) == 3 and len(r.sql_millis) == 3 for r in report.results)
    assert report.results[0].rows == 20
    assert report.results[4].rows == report.matching > 20
    assert report.results[5].rows >= 1  # the searched customer has orders
    text = out.getvalue()
    assert "EXPLAIN" not in text and "Execution Time" in text  # the plans are printed
    assert "| first page | " in text
