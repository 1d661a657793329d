"""The benchmarks still run: each once, at tiny sizes (speed is measured by ``make bench``).

PostgreSQL runs the floor, the HTTP server and W3; SQLite runs the embedded
figures. Beyond "it runs", these pin what keeps the comparison honest: the floor
writes the same rows as ordermill and never sends more statements per call.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bench import run_all
from bench.counts import CALLS, floor_counts, ordermill_counts
from bench.harness import run_clients, split
from bench.lifecycle import (
    WRITTEN_TABLES,
    event_shapes,
    load_lifecycle,
    order_statuses,
    rows_written,
    stock_levels,
    units_ordered,
)
from bench.report import BEGIN, END, Row, render_table, replace_section
from bench.stats import Figure, paired_ratio, percentile

TINY = replace(
    run_all.SMALL,
    name="tiny (tests)",
    per_run=4,
    w2_per_run=4,
    http_per_run=4,
    runs=1,
    sqlite_per_run=3,
    listing_orders=300,
    listing_runs=3,
    products=30,
    clients=(1, 2),
    connections=(2,),
    warmup=1,
)


def test_figures_and_ratios() -> None:
    figure = Figure.of([3.0, 1.0, 2.0])
    assert (figure.median, figure.low, figure.high, figure.runs) == (2.0, 1.0, 3.0, 3)
    assert figure.render(1) == "2.0 (1.0-3.0)"
    # Paired per round: the median of the ratios, not the ratio of the medians.
    assert paired_ratio([10, 30, 20], [20, 30, 10]).values == (0.5, 1.0, 2.0)
    assert percentile(list(range(1, 201)), 99) == 198
    with pytest.raises(ValueError, match="pair them"):
        paired_ratio([1.0], [1.0, 2.0])


def test_the_docs_section_is_replaced_between_its_markers_only(tmp_path: Path) -> None:
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\n## Listing (W3)\n\nnot mine\n")
    replace_section(docs, render_table([Row("W1", "1", "10 (9-11)")]))
    replace_section(docs, "second")
    text = docs.read_text()
    assert text.count(BEGIN) == 1
    assert text.count(END) == 1
    assert "second" in text
    assert "10 (9-11)" not in text
    assert "## Listing (W3)\n\nnot mine\n" in text


@pytest.mark.postgres_only
def test_floor_makes_the_same_writes_with_no_more_statements(db_url: str) -> None:
    keys = load_lifecycle(db_url, 6, products=TINY.products, log=lambda _: None)
    mine, floor = ordermill_counts(db_url, *keys[:2]), floor_counts(db_url, *keys[2:4])
    for call in CALLS:
        assert floor[call].statements <= mine[call].statements, call
        assert floor[call].transactions == mine[call].transactions == 1, call
    # Each pair of orders went through the same calls: the rows written must match.
    assert rows_written(db_url, keys[0:1]) == rows_written(db_url, keys[2:3])
    assert rows_written(db_url, keys[1:2]) == rows_written(db_url, keys[3:4])
    assert set(rows_written(db_url, keys[0:1])) == set(WRITTEN_TABLES)
    # ...and the same events: the catalogue's names, the same payload fields.
    assert event_shapes(db_url, keys[2:3]) == event_shapes(db_url, keys[0:1])
    assert event_shapes(db_url, keys[3:4]) == event_shapes(db_url, keys[1:2])
    assert order_statuses(db_url, keys[0:1]) == Counter({"completed": 1})
    assert order_statuses(db_url, keys[3:4]) == Counter({"canceled": 1})


@pytest.mark.postgres_only
def test_the_postgres_suite_runs_and_restores_stock(db_url: str) -> None:
    pg = run_all.run_postgres(TINY, http=True, url=db_url)
    assert pg.http_error is None
    for p in pg.paired:
        for system in ("ordermill", "floor"):
            [result] = p.results[system]
            assert result.clients == p.clients
            assert result.orders == TINY.per_run
    [http] = pg.http[2]
    assert http.orders == TINY.per_run
    assert len(http.call_latencies) == 4 * TINY.per_run
    listing = run_all.run_listing(replace(TINY, listing_url=db_url))
    assert {r.name for r in listing.results} >= {"first page", "cursor page at depth"}
    table = render_table(run_all.table_rows(pg, None, listing))
    assert "W1 over HTTP" in table
    assert "W3 first page" in table
    assert "SQL per call: cancel_order" in table
    assert "not measured" not in table


def test_the_sqlite_suite_runs() -> None:
    results = run_all.run_sqlite(TINY)
    assert set(results.ops) == {"w1", "w2"}
    assert results.counts["cancel_order"].statements > 0


def test_w2_restores_every_stock_level(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w2.db'}"
    keys = load_lifecycle(url, 4, products=TINY.products, log=lambda _: None)
    before, units = stock_levels(url), units_ordered(url, keys)
    run_clients("ordermill", "w2", url, split(keys[1:], 1), split(keys[:1], 1))
    after = stock_levels(url)
    assert after == {sku: qty + units.get(sku, 0) for sku, qty in before.items()}
    assert order_statuses(url, keys) == Counter({"canceled": 4})
