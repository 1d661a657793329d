"""Small CLI behaviours users tripped over: each test pins one of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import ordermill
from ordermill.cli import app
from ordermill.cli.common import out
from tests.cli.conftest import Invoke


def test_the_demo_hint_shows_an_order_by_its_external_reference(cli: Invoke) -> None:
    demo = cli("demo", "--orders", "5", "--seed", "0")
    assert demo.exit_code == 0, demo.output
    hint = re.search(r"ordermill orders show (\S+)", demo.stdout)
    assert hint is not None, demo.stdout
    shown = cli("orders", "show", hint.group(1))
    assert shown.exit_code == 0, shown.output
    assert hint.group(1) in shown.stdout
    found = cli("orders", "list", "--search", hint.group(1), "--json")
    assert found.exit_code == 0, found.output
    assert len(json.loads(found.stdout)["items"]) == 1


LINE = [{"sku": "MUG", "qty": 2, "price": "9.90"}]


def test_deliver_without_an_open_shipment_says_so_and_changes_nothing(
    cli: Invoke, oms: ordermill.Oms
) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    result = cli("orders", "deliver", placed.order_number)
    assert result.exit_code == 1, result.output
    assert f"Order {placed.order_number} has no open shipment to deliver" in result.stderr
    assert oms.list_shipments(placed.order_id) == []
    assert oms.get_order(placed.order_id).shipment_status == "pending"


def test_deliver_marks_only_the_open_shipments_and_logs_the_delivery(
    cli: Invoke, oms: ordermill.Oms
) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    [item] = oms.get_order(placed.order_id).items or ()
    shipped = oms.create_shipment(
        placed.order_id, "UPS", "1Z", items=[{"order_item_id": item.order_item_id, "qty": 1}]
    )
    result = cli("orders", "deliver", placed.order_number)
    assert result.exit_code == 0, result.output
    assert f"Shipment {shipped.uuid} delivered." in result.stdout
    [only] = oms.list_shipments(placed.order_id)
    assert only.status == "delivered"
    messages = [a.message for a in oms.get_order(placed.order_id).activities or ()]
    assert any(m.startswith("Order delivered") for m in messages), messages


def test_an_empty_database_url_is_refused_with_exit_2(cli: Invoke) -> None:
    # serve last: before the fix it served ./ordermill.db (and never returned).
    for command in (["orders", "list"], ["migrate"], ["serve"]):
        result = cli(*command, "--database-url", "")
        assert result.exit_code == 2, result.output
        said = " ".join(re.sub("[│╭╮╰╯─]", " ", result.stderr).split())
        assert "'--database-url'" in said
        assert "is empty: give postgresql://... or sqlite:///path.db" in said


def _said(result: Result) -> str:
    """stderr without rich's box and line folds."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", result.stderr).split())


def test_a_refused_import_names_the_option_that_imports_the_others(
    cli: Invoke, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "external_reference,customer_email,item_sku,item_qty,item_price\n"
        "X-1,ada@example.com,MUG,1,9.90\n"
        "X-2,bob@example.com,MUG,one,9.90\n"
    )
    result = cli("import", str(path))
    assert result.exit_code == 2, result.output
    said = _said(result)
    assert "import with --skip-invalid" in said
    assert "line 3: item_qty" in said
    assert "line 3: line 3" not in said


def test_a_bad_created_bound_is_reported_against_its_option(cli: Invoke) -> None:
    result = cli("orders", "list", "--from", "2026-13-01")
    assert result.exit_code == 2
    assert "Invalid value for '--from': '2026-13-01' is not a date" in _said(result)
    assert "created_at" not in result.stderr
    assert cli("orders", "list", "--to", "2026-12-01T10:00:00Z").exit_code == 0


def test_a_malformed_shipment_uuid_is_a_usage_error(cli: Invoke) -> None:
    result = cli("orders", "deliver", "--shipment", "not-a-uuid")
    assert result.exit_code == 2
    assert "'not-a-uuid' is not a shipment uuid" in _said(result)


def test_migrate_says_what_it_did(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    created = runner.invoke(app, ["migrate", "--database-url", url])
    assert created.exit_code == 0, created.output
    assert "Created the schema in database" in created.stdout
    again = runner.invoke(app, ["migrate", "--database-url", url])
    assert "is up to date" in again.stdout
    assert "nothing to do" in again.stdout


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"ordermill {ordermill.__version__}"


def test_status_codes_are_taken_in_any_case(cli: Invoke, oms: ordermill.Oms) -> None:
    placed = oms.place_order(LINE, customer_email="ada@example.com")
    paid = cli("orders", "pay", placed.order_number, "--status", "Paid")
    assert paid.exit_code == 0, paid.output
    assert oms.get_order(placed.order_id).payment_status == "paid"
    listed = cli("orders", "list", "--payment-status", "PAID", "--status", "Processing", "--json")
    assert listed.exit_code == 0, listed.output
    assert [o["order_number"] for o in json.loads(listed.stdout)["items"]] == [placed.order_number]


def test_a_negative_stock_is_refused_with_its_reason_not_taken_for_an_option(
    cli: Invoke, oms: ordermill.Oms
) -> None:
    result = cli("stock", "set", "MUG", "-5")
    assert result.exit_code == 2
    assert "-5 is not a whole number from 0 to" in result.stderr
    assert "No such option" not in result.stderr


def test_the_readme_commands_need_nothing_debian_lacks() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "uuidgen" not in readme
    assert "python3 -c 'import uuid; print(uuid.uuid4())'" in readme


def test_orders_list_shows_a_long_email_whole(
    cli: Invoke, oms: ordermill.Oms, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = "someone.with.a.rather.long.name@subsidiary.example-company.com"
    oms.place_order(LINE, customer_email=email)
    monkeypatch.setattr(out, "width", 160)
    wide = cli("orders", "list")
    assert wide.exit_code == 0, wide.output
    assert email in wide.stdout
    monkeypatch.setattr(out, "width", 80)
    narrow = cli("orders", "list").stdout.splitlines()  # folded over lines, not cut
    start = narrow[0].index("customer")
    assert "".join(line[start:].split("  ")[0] for line in narrow[1:]) == email
