"""``ordermill import`` and ``export``: good files, bad rows, re-imports, and a 10,000-order
round trip (with payment ledgers) that must come back byte for byte, on SQLite and
PostgreSQL."""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import ordermill
from bench.transfer_bench import write_orders_file
from ordermill.cli import app
from tests.cli.conftest import Invoke
from tests.conftest import PostgresServer, snapshot


@pytest.fixture
def fresh_db(
    db_url: str,
    backend: str,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_server: PostgresServer | None,
) -> Callable[[], str]:
    """Another empty database of the backend (on PostgreSQL: the test's one, emptied)."""
    counter = itertools.count()

    def make() -> str:
        if backend == "sqlite":
            path = tmp_path / f"fresh-{next(counter)}.db"
            shutil.copyfile(sqlite_template, path)
            return f"sqlite:///{path}"
        assert postgres_server is not None
        postgres_server.empty()
        return db_url

    return make


def _write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def _order(ref: str, **extra: Any) -> dict[str, Any]:
    return {
        "external_reference": ref,
        "customer_email": "ada@example.com",
        "items": [{"sku": "MUG-1", "qty": 2, "price": "9.90"}],
        **extra,
    }


def test_import_a_good_file_then_again_without_duplicates(
    cli: Invoke, oms: ordermill.Oms, tmp_path: Path
) -> None:
    source = _write_jsonl(tmp_path / "orders.jsonl", [_order(f"X-{n}") for n in range(1, 4)])
    first = cli("import", str(source))
    assert first.exit_code == 0, first.output
    assert "Imported 3 orders from orders.jsonl (0 already present, 0 invalid)" in first.stdout
    again = cli("import", str(source))
    assert again.exit_code == 0, again.output
    assert "Imported 0 orders from orders.jsonl (3 already present, 0 invalid)" in again.stdout
    assert oms.get_orders_base_query().count() == 3
    placed = oms.get_order("10001")
    assert placed.external_reference == "X-1"
    assert [a.message for a in placed.activities or ()] == ["Order imported from orders.jsonl"]


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    cli: Invoke, oms: ordermill.Oms, tmp_path: Path
) -> None:
    source = _write_jsonl(
        tmp_path / "orders.jsonl",
        [
            _order("X-1"),
            _order("X-2", items=[{"sku": "MUG-1", "qty": 0, "price": "9.90"}]),
            _order("X-3"),
            "{not json",
            _order("X-5", payment_status="bogus"),
        ],
    )
    before = snapshot(oms.engine)
    result = cli("import", str(source))
    assert result.exit_code == 2
    assert "3 of 5 orders are invalid; nothing was imported" in result.stderr
    assert "line 2: items[0].qty: 0 is not a positive integer" in result.stderr
    assert "line 4: not valid JSON" in result.stderr
    assert "line 5: Invalid payment status 'bogus'" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(oms.engine) == before


def test_skip_invalid_imports_the_good_rows(
    cli: Invoke, oms: ordermill.Oms, tmp_path: Path
) -> None:
    source = _write_jsonl(
        tmp_path / "orders.jsonl",
        [_order("X-1"), _order("X-2", customer_email="nobody"), _order("X-3")],
    )
    result = cli("import", str(source), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "skipped line 2: customer_email: 'nobody' is not an email address" in result.stderr
    assert "Imported 2 orders" in result.stdout
    refs = [
        o.external_reference for o in oms.get_orders_base_query().order_by("order_id").execute()
    ]
    assert refs == ["X-1", "X-3"]


def test_take_stock_takes_managed_stock(cli: Invoke, oms: ordermill.Oms, tmp_path: Path) -> None:
    oms.set_stock("MUG-1", 5)
    source = _write_jsonl(tmp_path / "orders.jsonl", [_order("X-1"), _order("X-2")])
    assert cli("import", str(source)).exit_code == 0
    assert oms.get_stock("MUG-1").qty == 5
    more = _write_jsonl(tmp_path / "more.jsonl", [_order("Y-1"), _order("Y-2"), _order("Y-3")])
    refused = cli("import", str(more), "--take-stock")
    assert refused.exit_code == 1
    assert "Insufficient stock for MUG-1: 6 requested, 5 in stock" in refused.stderr
    partial = cli("import", str(more), "--take-stock", "--skip-invalid")
    assert partial.exit_code == 0, partial.output
    assert "skipped line 3: insufficient stock for MUG-1: 2 requested, 1 left" in partial.stderr
    assert oms.get_stock("MUG-1").qty == 1


def _files_without_an_email(tmp_path: Path) -> list[tuple[Path, int]]:
    """Each way a file can leave customer_email out, with the line of the order."""
    no_key = _order("X-1")
    del no_key["customer_email"]
    csv_file = tmp_path / "empty-cell.csv"
    csv_file.write_text(
        "external_reference,customer_email,item_sku,item_qty,item_price\nX-1,,MUG-1,2,9.90\n"
    )
    return [
        (_write_jsonl(tmp_path / "no-key.jsonl", [no_key]), 1),
        (_write_jsonl(tmp_path / "null.jsonl", [_order("X-1", customer_email=None)]), 1),
        (csv_file, 2),
    ]


@pytest.mark.parametrize("skip_invalid", [False, True], ids=["all-or-nothing", "skip-invalid"])
def test_a_missing_customer_email_is_one_bad_row_however_it_is_missing(
    cli: Invoke, oms: ordermill.Oms, tmp_path: Path, skip_invalid: bool
) -> None:
    before = snapshot(oms.engine)
    for source, line in _files_without_an_email(tmp_path):
        result = cli("import", str(source), *(["--skip-invalid"] if skip_invalid else []))
        assert result.exit_code == (0 if skip_invalid else 2), (source.name, result.output)
        assert f"line {line}: customer_email is required" in result.stderr, source.name
        assert "Traceback" not in result.output
    assert snapshot(oms.engine) == before


def test_an_address_field_past_its_limit_is_a_bad_row(
    cli: Invoke, oms: ordermill.Oms, tmp_path: Path
) -> None:
    long_postcode = _order("X-1", shipping_address={"postcode": "9" * 33})
    source = _write_jsonl(tmp_path / "orders.jsonl", [long_postcode])
    result = cli("import", str(source))
    assert result.exit_code == 2
    assert "line 1: shipping_address.postcode is longer than 32 characters" in result.stderr


def test_a_truncated_gz_file_is_reported_with_its_line_and_nothing_is_imported(
    cli: Invoke, oms: ordermill.Oms, tmp_path: Path
) -> None:
    whole = tmp_path / "whole.jsonl.gz"
    with gzip.open(whole, "wt") as f:
        f.writelines(json.dumps(_order(f"X-{n}")) + "\n" for n in range(1, 2001))
    before = snapshot(oms.engine)
    for name, file_format in (("orders.jsonl.gz", "jsonl"), ("orders.csv.gz", "csv")):
        source = tmp_path / name
        if file_format == "csv":
            content = gzip.compress(
                b"external_reference,customer_email,item_sku,item_qty,item_price\n"
                + b"".join(b"X-%d,a@example.com,MUG-1,1,1.00\n" % n for n in range(1, 2001))
            )
        else:
            content = whole.read_bytes()
        source.write_bytes(content[: len(content) // 2])
        # Small batches: several are written before the reader meets the end.
        result = cli("import", str(source), "--batch-size", "100")
        assert result.exit_code == 2, result.output
        assert f"{name}: the compressed file is truncated (line " in result.stderr
        assert "Aborted" not in result.output
        assert snapshot(oms.engine) == before


def test_csv_with_a_bad_header_exits_2(cli: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_text("external_reference,customer_email,item_sku,item_qty,colour\n")
    result = cli("import", str(source))
    assert result.exit_code == 2
    assert "unknown columns ['colour']" in result.stderr
    assert "missing columns ['item_price']" in result.stderr


def test_a_missing_file_is_a_usage_error(cli: Invoke, tmp_path: Path) -> None:
    assert cli("import", str(tmp_path / "nope.jsonl")).exit_code == 2


def test_export_to_stdout_with_filters(cli: Invoke, oms: ordermill.Oms, tmp_path: Path) -> None:
    source = _write_jsonl(
        tmp_path / "orders.jsonl",
        [_order("X-1"), _order("X-2", payment_status="paid"), _order("X-3")],
    )
    assert cli("import", str(source)).exit_code == 0
    result = cli("export", "-", "--payment-status", "paid")
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert json.loads(line)["external_reference"] == "X-2"
    assert "Exported 1 orders" in result.stderr


def test_export_gz_and_csv_files(cli: Invoke, tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "orders.jsonl", [_order("X-1"), _order("X-2")])
    assert cli("import", str(source)).exit_code == 0
    assert cli("export", str(tmp_path / "out.jsonl.gz")).exit_code == 0
    with gzip.open(tmp_path / "out.jsonl.gz", "rt") as f:
        assert [json.loads(line)["external_reference"] for line in f] == ["X-1", "X-2"]
    assert cli("export", str(tmp_path / "out.csv")).exit_code == 0
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert rows[0].startswith("external_reference,uuid,order_number")
    assert len(rows) == 3


def test_ten_thousand_orders_round_trip_identically(
    runner: CliRunner, db_url: str, fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    def run(url: str, *args: str) -> Result:
        result = runner.invoke(app, [*args, "--database-url", url])
        assert result.exit_code == 0, result.output
        return result

    generated = tmp_path / "generated.jsonl"
    write_orders_file(generated, 10_000, seed=1, payments=True)
    assert "Imported 10,000 orders" in run(db_url, "import", str(generated)).stdout
    first_jsonl, first_csv = tmp_path / "first.jsonl", tmp_path / "first.csv"
    run(db_url, "export", str(first_jsonl))
    run(db_url, "export", str(first_csv))

    through_jsonl = fresh_db()
    run(through_jsonl, "import", str(first_jsonl))
    again_jsonl = tmp_path / "again.jsonl"
    run(through_jsonl, "export", str(again_jsonl))
    assert again_jsonl.read_bytes() == first_jsonl.read_bytes()

    through_csv = fresh_db()
    run(through_csv, "import", str(first_csv))
    again_csv, csv_as_jsonl = tmp_path / "again.csv", tmp_path / "csv.jsonl"
    run(through_csv, "export", str(again_csv))
    run(through_csv, "export", str(csv_as_jsonl))
    assert again_csv.read_bytes() == first_csv.read_bytes()
    assert csv_as_jsonl.read_bytes() == first_jsonl.read_bytes()
    lines = first_jsonl.read_text().splitlines()
    assert len(lines) == 10_000
    statuses = {json.loads(line)["status"] for line in lines}
    assert statuses == {"pending", "processing", "completed", "canceled"}
    kinds = {p["kind"] for line in lines for p in json.loads(line)["payments"]}
    assert kinds == {"sale", "refund", "authorization", "void"}  # the ledgers came back
