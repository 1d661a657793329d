"""Every command through Typer's test runner, on SQLite and PostgreSQL: output, JSON, exit codes."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import ordermill
from ordermill.cli.errors import EXIT_CODES, exit_code
from tests.cli.conftest import Invoke

DEMO_ORDERS = 60


@pytest.fixture
def demo(cli: Invoke, oms: ordermill.Oms) -> str:
    """Demo data; returns the number of an order whose payment and shipment are pending."""
    result = cli("demo", "--orders", str(DEMO_ORDERS), "--seed", "0")
    assert result.exit_code == 0, result.output
    pending = (
        oms.get_orders_base_query()
        .where("payment_status", "=", "pending")
        .and_where("status", "=", "pending")
        .first()
    )
    assert pending is not None
    return pending.order_number


def _json(text: str) -> Any:
    return json.loads(text)


def test_migrate_is_safe_to_repeat(cli: Invoke) -> None:
    for _ in range(2):
        result = cli("migrate")
        assert result.exit_code == 0, result.output
        assert "is up to date" in result.stdout


def test_demo_creates_orders_once_and_leaves_them_on_a_second_run(
    cli: Invoke, oms: ordermill.Oms
) -> None:
    first = cli("demo", "--orders", "40", "--seed", "3")
    assert first.exit_code == 0, first.output
    assert "Created 40 orders" in first.stdout
    second = cli("demo", "--orders", "40", "--seed", "3")
    assert second.exit_code == 0
    assert "already has the demo data" in second.stdout
    assert oms.get_orders_base_query().count() == 40


def test_demo_refuses_a_database_with_other_orders(cli: Invoke, oms: ordermill.Oms) -> None:
    oms.place_order([{"sku": "A", "qty": 1, "price": "1.00"}], customer_email="a@example.com")
    result = cli("demo", "--orders", "5")
    assert result.exit_code == 1
    assert "already has 1 orders" in result.stderr
    assert "Traceback" not in result.output


def test_orders_list_table_and_json_pages(cli: Invoke, demo: str) -> None:
    table = cli("orders", "list", "--limit", "5")
    assert table.exit_code == 0, table.output
    assert "10060" in table.stdout and "--cursor" in table.stdout
    page = _json(cli("orders", "list", "--limit", "3", "--json").stdout)
    assert [o["order_number"] for o in page["items"]] == ["10060", "10059", "10058"]
    cursor = page["next_cursor"]
    after = _json(cli("orders", "list", "--limit", "3", "--json", "--cursor", cursor).stdout)
    assert [o["order_number"] for o in after["items"]] == ["10057", "10056", "10055"]


def test_orders_list_filters_like_the_rest_listing(cli: Invoke, demo: str) -> None:
    args = ["orders", "list", "--json", "--limit", "100"]
    paid_pending = _json(
        cli(*args, "--payment-status", "paid", "--shipment-status", "pending").stdout
    )["items"]
    assert paid_pending
    assert {(o["payment_status"], o["shipment_status"]) for o in paid_pending} == {
        ("paid", "pending")
    }
    either = _json(cli(*args, "--status", "canceled", "--status", "closed").stdout)["items"]
    assert {o["status"] for o in either} == {"canceled", "closed"}
    oldest = _json(cli(*args, "--sort", "order_number", "--limit", "1").stdout)["items"]
    assert oldest[0]["order_number"] == "10001"
    found = _json(cli(*args, "-q", "10003").stdout)["items"]
    assert [o["order_number"] for o in found] == ["10003"]


def test_a_note_that_is_not_valid_unicode_is_refused_without_a_traceback(
    cli: Invoke, demo: str
) -> None:
    # A shell argument that is not UTF-8 reaches Python as an unpaired surrogate.
    result = cli("orders", "note", "10001", "caf\udce9")
    assert result.exit_code == 2
    assert "not valid Unicode" in result.stderr and "Traceback" not in result.output


def test_orders_list_rejects_an_unknown_status_naming_it(cli: Invoke, demo: str) -> None:
    result = cli("orders", "list", "--payment-status", "payed")
    assert result.exit_code != 0
    assert "payed" in result.stderr and "Traceback" not in result.output


def test_orders_list_rejects_an_unknown_sort_with_exit_2(cli: Invoke, demo: str) -> None:
    result = cli("orders", "list", "--sort", "password")
    assert result.exit_code == 2
    assert "error:" in result.stderr and "Traceback" not in result.output


def test_orders_show_prints_items_totals_shipments_and_history(cli: Invoke, demo: str) -> None:
    result = cli("orders", "show", "10003")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for expected in ("Order 10003", "Items", "Grand total", "Shipments", "Activity",
                     "Status history", "Order created", "Ship to:"):  # fmt: skip
        assert expected in text
    detail = _json(cli("orders", "show", "10003", "--json").stdout)
    assert detail["order_number"] == "10003"
    assert detail["items"] and detail["history"] and detail["activities"]
    by_uuid = _json(cli("orders", "show", detail["uuid"], "--json").stdout)
    assert by_uuid["order_id"] == detail["order_id"]


def test_unknown_order_exits_1_with_the_message(cli: Invoke, demo: str) -> None:
    result = cli("orders", "show", "99999")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: Order not found: 99999"


def test_pay_ship_deliver_note_print_the_resulting_statuses(
    cli: Invoke, demo: str, oms: ordermill.Oms
) -> None:
    paid = cli("orders", "pay", demo)
    assert paid.exit_code == 0, paid.output
    assert f"Order {demo}: Processing (payment Paid, shipment Pending)" in paid.stdout
    order = oms.get_order(demo)
    first = (order.items or ())[0]
    shipped = cli(
        "orders", "ship", demo, "--carrier", "UPS", "--tracking", "1Z999",
        "--item", f"{first.order_item_id}:1",
    )  # fmt: skip
    assert shipped.exit_code == 0, shipped.output
    assert "Shipment " in shipped.stdout
    shipment = oms.list_shipments(demo)[0]
    assert (shipment.carrier, shipment.tracking_number) == ("UPS", "1Z999")
    delivered = cli("orders", "deliver", demo)
    assert delivered.exit_code == 0, delivered.output
    assert "Completed" in delivered.stdout
    assert oms.get_order(demo).shipment_status == "delivered"
    noted = cli("orders", "note", demo, "Left with the neighbour", "--customer-visible")
    assert noted.exit_code == 0, noted.output
    assert "visible to the customer" in noted.stdout
    activities = oms.get_order(demo, customer_visible_only=True).activities or ()
    assert any(a.message == "Left with the neighbour" for a in activities)


def test_pay_with_another_status_and_an_unknown_one(cli: Invoke, demo: str) -> None:
    failed = cli("orders", "pay", demo, "--status", "failed")
    assert failed.exit_code == 0, failed.output
    assert "payment Failed" in failed.stdout
    bad = cli("orders", "pay", demo, "--status", "bogus")
    assert bad.exit_code == 2
    assert "Invalid payment status 'bogus'" in bad.stderr


def test_deliver_one_shipment_by_uuid(cli: Invoke, demo: str, oms: ordermill.Oms) -> None:
    oms.update_payment_status(demo, "paid")
    shipment = oms.create_shipment(demo, "DHL", "JD1")
    result = cli("orders", "deliver", "--shipment", shipment.uuid)
    assert result.exit_code == 0, result.output
    assert f"Shipment {shipment.uuid} delivered." in result.stdout
    assert oms.get_shipment(shipment.uuid).status == "delivered"


def test_deliver_needs_an_order_or_a_shipment(cli: Invoke, demo: str) -> None:
    assert cli("orders", "deliver").exit_code == 2


def test_ship_rejects_a_malformed_item_with_exit_2(cli: Invoke, demo: str) -> None:
    result = cli("orders", "ship", demo, "--item", "twelve")
    assert result.exit_code == 2
    assert "expected ITEM_ID:QTY" in result.stderr


def test_cancel_prints_canceled_and_a_refused_cancel_exits_1(cli: Invoke, demo: str) -> None:
    result = cli("orders", "cancel", demo, "--reason", "Customer changed their mind")
    assert result.exit_code == 0, result.output
    assert "Canceled" in result.stdout
    completed = cli("orders", "list", "--status", "completed", "--json", "--limit", "1")
    number = _json(completed.stdout)["items"][0]["order_number"]
    refused = cli("orders", "cancel", number)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: ")
    assert "Traceback" not in refused.output


def test_stock_set_and_get(cli: Invoke) -> None:
    result = cli("stock", "set", "MUG-1", "12")
    assert result.exit_code == 0, result.output
    assert "MUG-1: 12 in stock, managed" in result.stdout
    level = _json(cli("stock", "get", "MUG-1", "--json").stdout)
    assert level == {"sku": "MUG-1", "qty": 12, "manage_stock": True}
    unmanaged = _json(cli("stock", "set", "GIFT", "0", "--unmanaged", "--json").stdout)
    assert unmanaged["manage_stock"] is False


def test_stock_errors(cli: Invoke) -> None:
    missing = cli("stock", "get", "NOPE")
    assert missing.exit_code == 1
    assert "No stock record for SKU 'NOPE'" in missing.stderr
    negative = cli("stock", "set", "MUG-1", "--", "-1")
    assert negative.exit_code == 2


def test_tokens_create_prints_the_secret_alone_on_the_last_line(
    cli: Invoke, oms: ordermill.Oms
) -> None:
    result = cli("tokens", "create", "--role", "admin", "--label", "back office")
    assert result.exit_code == 0, result.output
    secret = result.stdout.splitlines()[-1]
    principal = oms.authenticate(secret)
    assert principal is not None and principal.is_admin
    customer = cli("tokens", "create", "--role", "customer", "--customer-id", "7")
    assert customer.exit_code == 0, customer.output
    listed = _json(cli("tokens", "list", "--json").stdout)["items"]
    assert [(t["role"], t["customer_id"], t["label"]) for t in listed] == [
        ("admin", None, "back office"),
        ("customer", 7, None),
    ]
    assert secret not in cli("tokens", "list").stdout
    token_id = str(listed[0]["token_id"])
    revoked = cli("tokens", "revoke", token_id)
    assert revoked.exit_code == 0, revoked.output
    assert oms.authenticate(secret) is None
    assert cli("tokens", "revoke", "999").exit_code == 1


def test_tokens_create_with_scopes_a_preset_and_a_name(cli: Invoke, oms: ordermill.Oms) -> None:
    warehouse = cli("tokens", "create", "--preset", "warehouse", "--name", "Ada (warehouse)")
    assert warehouse.exit_code == 0, warehouse.output
    principal = oms.authenticate(warehouse.stdout.splitlines()[-1])
    assert principal is not None
    assert principal.scopes == {"orders:read", "shipments:write", "stock:read", "stock:write"}
    picked = cli("tokens", "create", "--scope", "orders:read", "--scope", "stock:read")
    assert picked.exit_code == 0, picked.output
    listed = _json(cli("tokens", "list", "--json").stdout)["items"]
    assert [(t["name"], t["scopes"]) for t in listed] == [
        ("Ada (warehouse)", ["orders:read", "shipments:write", "stock:read", "stock:write"]),
        (None, ["orders:read", "stock:read"]),
    ]
    assert cli("tokens", "revoke", str(listed[0]["token_id"])).exit_code == 0
    revoked = _json(cli("tokens", "list", "--json").stdout)["items"][0]
    assert (revoked["name"], revoked["revoked_at"] is not None) == ("Ada (warehouse)", True)
    unknown = cli("tokens", "create", "--scope", "orders:delete")
    assert unknown.exit_code == 2
    both = cli("tokens", "create", "--preset", "warehouse", "--scope", "import")
    assert both.exit_code == 2
    assert "Traceback" not in unknown.output + both.output


def test_tokens_create_refuses_a_customer_token_without_customer(cli: Invoke) -> None:
    result = cli("tokens", "create", "--role", "customer")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_stats_counts_and_sales_per_day(cli: Invoke, demo: str) -> None:
    result = cli("stats", "--days", "120")
    assert result.exit_code == 0, result.output
    assert f"{DEMO_ORDERS} orders from" in result.stdout
    assert "Per day" in result.stdout
    report = _json(cli("stats", "--days", "120", "--json").stdout)
    assert report["orders"] == DEMO_ORDERS
    assert sum(report["counts_by_status"].values()) == DEMO_ORDERS
    assert sum(day["orders"] for day in report["days"]) == DEMO_ORDERS
    assert report["currency"] == "USD"


def test_stats_shows_gross_refunds_and_net(cli: Invoke, oms: ordermill.Oms) -> None:
    placed = oms.place_order(
        [{"sku": "A", "qty": 1, "price": "40.00"}], customer_email="a@example.com"
    )
    oms.record_payment(placed.uuid, "sale", "40.00")
    oms.record_payment(placed.uuid, "refund", "15.00")
    result = cli("stats", "--days", "1")
    assert result.exit_code == 0, result.output
    assert "net sales: 25.00 USD" in result.stdout
    assert "USD: gross 40.00 - refunds 15.00" in result.stdout
    assert re.search(r"│ +1 │ +40\.00 │ +15\.00 │ +25\.00 │", result.stdout), result.stdout
    report = _json(cli("stats", "--days", "1", "--json").stdout)
    assert (report["gross_by_currency"], report["refunds_by_currency"]) == (
        {"USD": "40.0000"},
        {"USD": "15.0000"},
    )
    assert report["days"][0]["sales"] == "25.0000"


def test_stats_rejects_a_bad_date(cli: Invoke) -> None:
    result = cli("stats", "--from", "yesterday")
    assert result.exit_code == 2
    assert "is not a date" in result.stderr


def test_config_check_prints_the_resolution_table(cli: Invoke) -> None:
    fixture = Path(__file__).parents[1] / "fixtures" / "reference.toml"
    result = cli("config", "check", str(fixture))
    assert result.exit_code == 0, result.output
    assert "is valid" in result.stdout
    resolved = _json(cli("config", "check", str(fixture), "--json").stdout)
    assert {"payment_status": "paid", "shipment_status": "delivered", "status": "completed"} in (
        resolved["resolution"]
    )


def test_config_check_reports_each_problem_with_its_key_path(cli: Invoke, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {"oms": {"order": {"paymentStatus": {"paid": {"name": "Paid", "isDefault": "yes"}}}}}
        )
    )
    result = cli("config", "check", str(broken))
    assert result.exit_code == 2
    assert "oms.order.paymentStatus" in result.stderr
    assert "Traceback" not in result.output


def test_a_broken_config_option_exits_2(cli: Invoke, tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    result = cli("orders", "list", "--config", str(missing))
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_an_unmigrated_database_says_to_migrate(runner: Any, tmp_path: Path) -> None:
    from ordermill.cli import app

    result = runner.invoke(app, ["orders", "list", "--database-url", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 1
    assert "ordermill migrate" in result.stderr


def test_serve_exports_the_environment_and_runs_the_app_factory(
    cli: Invoke, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os

    import uvicorn

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    # serve exports every setting (and the metrics folder): keep them out of other tests.
    monkeypatch.setattr(os, "environ", os.environ.copy())
    # ... and the process's log handlers (caplog needs the ordermill logger to propagate).
    monkeypatch.setattr("ordermill.ops.logs.configure_logging", lambda *_a, **_k: None)
    for name in (
        "ORDERMILL_DATABASE_URL",
        "ORDERMILL_CONFIG",
        "ORDERMILL_STATEMENT_TIMEOUT",
        "PROMETHEUS_MULTIPROC_DIR",
    ):
        os.environ.pop(name, None)
    config = tmp_path / "statuses.toml"
    result = cli(
        *("serve", "--port", "8123", "--workers", "3", "--config", str(config)),
        *("--graceful-timeout", "12", "--statement-timeout", "4.5"),
    )
    assert result.exit_code == 0, result.output
    [(args, kwargs)] = calls
    assert args == ("ordermill.api:app_factory",)
    assert kwargs == {
        "factory": True, "host": "127.0.0.1", "port": 8123, "workers": 3,
        "log_config": None, "access_log": False, "forwarded_allow_ips": None,
        "timeout_graceful_shutdown": 12,
    }  # fmt: skip
    assert os.environ["ORDERMILL_DATABASE_URL"] == db_url
    assert os.environ["ORDERMILL_PORT"] == "8123"  # every worker reads the same settings
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"]
    assert os.environ["ORDERMILL_CONFIG"] == str(config.resolve())
    assert os.environ["ORDERMILL_STATEMENT_TIMEOUT"] == "4.5"  # read by app_factory
    from ordermill.api import app_factory

    assert callable(app_factory)


def test_the_database_url_comes_from_the_environment(runner: Any, db_url: str) -> None:
    from ordermill.cli import app

    result = runner.invoke(
        app, ["stock", "set", "ENV-1", "3"], env={"ORDERMILL_DATABASE_URL": db_url}
    )
    assert result.exit_code == 0, result.output
    assert ordermill.connect(db_url).get_stock("ENV-1").qty == 3


def test_exit_code_table_maps_families() -> None:
    assert exit_code(ordermill.OrderNotFound("x")) == 1
    assert exit_code(ordermill.InvalidStatus("x")) == 2
    assert exit_code(ordermill.ConfigError("x")) == 2
    assert exit_code(ordermill.InsufficientStock("x")) == 1
    assert EXIT_CODES[0][0] is ordermill.ConfigError


def test_python_dash_m_runs_the_cli_in_a_real_process(tmp_path: Path) -> None:
    import subprocess

    url = f"sqlite:///{tmp_path}/real.db"
    done = subprocess.run(
        [sys.executable, "-m", "ordermill", "migrate", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Created the schema" in done.stdout
