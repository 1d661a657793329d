"""The payment ledger travels with its orders: an exported shop re-imports with the same
ledgers and totals, as JSON Lines and as CSV, on SQLite and PostgreSQL; a ledger the
order would not allow, or a provider reference already recorded, is a bad row."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import ordermill
from ordermill.db.tables import payment
from tests.conftest import PostgresServer

_LEDGER_FIELDS = ("kind", "status", "amount", "currency", "gateway", "reference", "actor",
                  "note", "created_at")  # fmt: skip
_ORDER_FIELDS = ("order_number", "grand_total", "payment_status", "status",
                 "amount_authorized", "amount_captured", "amount_voided", "amount_refunded",
                 "net_paid", "balance_due")  # fmt: skip


@pytest.fixture
def fresh_oms(
    db_url: str,
    backend: str,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_server: PostgresServer | None,
) -> Iterator[Callable[[], ordermill.Oms]]:
    """Another empty database of the backend (on PostgreSQL: the test's one, emptied)."""
    counter = itertools.count()
    opened: list[ordermill.Oms] = []

    def make() -> ordermill.Oms:
        if backend == "sqlite":
            path = tmp_path / f"fresh-{next(counter)}.db"
            shutil.copyfile(sqlite_template, path)
            url = f"sqlite:///{path}"
        else:
            assert postgres_server is not None
            postgres_server.empty()
            url = db_url
        fresh = ordermill.connect(url)
        opened.append(fresh)
        return fresh

    yield make
    for each in opened:
        each.close()


def _shop(oms: ordermill.Oms) -> list[str]:
    """Orders whose ledgers hold every kind, failed rows, notes, references and no
    gateway; one with no payments at all."""

    def place(ref: str, price: str, currency: str = "USD") -> str:
        placed = oms.place_order(
            [{"sku": "MUG-1", "qty": 1, "price": price}],
            customer_email="ada@example.com",
            external_reference=ref,
            currency=currency,
        )
        return placed.uuid

    sold = place("R-1", "100.00")
    oms.record_payment(sold, "sale", "100.00", gateway="stripe", reference="ch_1")
    oms.record_payment(sold, "refund", "30.00", gateway="stripe", reference="re_1",
                       note='partly "damaged", 1\n2')  # fmt: skip
    held = place("R-2", "50.00")
    oms.record_payment(held, "authorization", "50.00", gateway="adyen", reference="a_1")
    oms.record_payment(held, "capture", "20.00", gateway="adyen", reference="c_1")
    oms.record_payment(held, "void", "30.00")
    failed = place("R-3", "12.50")
    oms.record_payment(failed, "sale", "12.50", status="failed", gateway="stripe", reference="f_1")
    oms.record_payment(failed, "sale", "12.50", note="cash")
    yen = place("R-4", "1500", currency="JPY")
    oms.record_payment(yen, "sale", "1500")
    place("R-5", "9.90")
    with oms.engine.begin() as c:  # a refund a week later, microseconds kept
        c.execute(payment.update().where(payment.c.reference == "re_1").values(
            created_at=datetime(2026, 3, 9, 15, 0, 0, 123456, tzinfo=UTC)))  # fmt: skip
    return [sold, held, failed, yen]


def _ledgers(oms: ordermill.Oms) -> dict[str | None, Any]:
    found = {}
    for o in oms.get_orders_base_query().order_by("order_id").execute():
        found[o.external_reference] = (
            tuple(getattr(o, f) for f in _ORDER_FIELDS),
            [tuple(getattr(p, f) for f in _LEDGER_FIELDS) for p in oms.list_payments(o.uuid)],
        )
    return found


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_an_exported_shop_reimports_with_identical_ledgers(
    oms: ordermill.Oms, fresh_oms: Callable[[], ordermill.Oms], tmp_path: Path, suffix: str
) -> None:
    _shop(oms)
    before = _ledgers(oms)
    assert [len(ledger) for _, ledger in before.values()] == [2, 3, 2, 1, 0]
    exported = tmp_path / f"shop.{suffix}"
    oms.export_orders(exported)
    again = fresh_oms()

    result = again.import_orders(exported)

    assert (result.imported, list(result.problems)) == (5, [])
    assert _ledgers(again) == before
    second = tmp_path / f"again.{suffix}"
    again.export_orders(second)
    assert second.read_bytes() == exported.read_bytes()
    assert again.import_orders(exported).skipped == 5  # nothing added twice
    assert _ledgers(again) == before


def test_the_file_carries_each_payment(oms: ordermill.Oms, tmp_path: Path) -> None:
    _shop(oms)
    oms.export_orders(tmp_path / "shop.jsonl")
    oms.export_orders(tmp_path / "shop.csv")
    first = json.loads((tmp_path / "shop.jsonl").read_text().splitlines()[0])
    assert first["payments"] == [
        {"kind": "sale", "status": "succeeded", "amount": "100.00", "gateway": "stripe",
         "reference": "ch_1", "actor": "system", "note": None,
         "created_at": first["payments"][0]["created_at"]},
        {"kind": "refund", "status": "succeeded", "amount": "30.00", "gateway": "stripe",
         "reference": "re_1", "actor": "system", "note": 'partly "damaged", 1\n2',
         "created_at": "2026-03-09T15:00:00.123456+00:00"},
    ]  # fmt: skip
    with (tmp_path / "shop.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert json.loads(rows[0]["payments"]) == first["payments"]
    assert rows[-1]["external_reference"] == "R-5" and rows[-1]["payments"] == ""


def _file(tmp_path: Path, *records: dict[str, Any]) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _order(ref: str, payments: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "external_reference": ref,
        "customer_email": "ada@example.com",
        "items": [{"sku": "MUG-1", "qty": 2, "price": "9.90"}],  # 19.80
        "payments": payments,
    }


@pytest.mark.parametrize(
    ("payments", "reason"),
    [
        ([{"kind": "refund", "amount": "1.00"}], "a refund of 1.00 USD is more than the net paid"),
        ([{"kind": "sale", "amount": "19.81"}], "a sale of 19.81 USD is more than the grand total"),
        (
            [{"kind": "authorization", "amount": "10"}, {"kind": "capture", "amount": "10.01"}],
            "payments[1]: Order A: a capture of 10.01 USD is more than the open authorization",
        ),
        ([{"kind": "gift", "amount": "1"}], "payments[0]: kind: 'gift' is not a payment kind"),
        ([{"kind": "sale", "amount": "1.001"}], "has more than 2 decimal places"),
        ([{"kind": "sale", "amount": "1", "fee": "0.3"}], "payments[0]: unknown keys ['fee']"),
        ([{"kind": "sale", "amount": "1", "created_at": "soon"}], "is not an ISO 8601 timestamp"),
        (
            [
                {"kind": "sale", "amount": "1", "reference": "x"},
                {"kind": "refund", "amount": "1", "reference": "x"},
            ],
            "payments[1]: reference 'x' is also the reference of payments[0]",
        ),
        ({"kind": "sale"}, "payments: expected a list"),
    ],
)
def test_a_ledger_the_order_would_not_allow_is_a_bad_row(
    oms: ordermill.Oms, tmp_path: Path, payments: Any, reason: str
) -> None:
    result = oms.import_orders(_file(tmp_path, _order("A", payments)), skip_invalid=True)
    assert result.imported == 0
    assert [p.line for p in result.problems] == [1]
    assert reason in str(result.problems[0]), str(result.problems[0])


def test_a_provider_reference_names_one_payment_in_the_whole_ledger(
    oms: ordermill.Oms, tmp_path: Path
) -> None:
    placed = oms.place_order(
        [{"sku": "MUG-1", "qty": 1, "price": "5.00"}], customer_email="a@example.com"
    )
    oms.record_payment(placed.uuid, "sale", "5.00", gateway="stripe", reference="ch_9")
    sale = {"kind": "sale", "amount": "19.80", "gateway": "stripe", "reference": "ch_9"}
    other = {**sale, "reference": "ch_10"}
    path = _file(tmp_path, _order("A", [sale]), _order("B", [other]), _order("C", [other]))

    result = oms.import_orders(path, skip_invalid=True)

    assert result.imported == 1
    assert [str(p) for p in result.problems] == [
        "line 1: payment reference 'ch_9' of gateway 'stripe' is already recorded",
        "line 3: payment reference 'ch_10' of gateway 'stripe' is on line 2",
    ]
    imported = oms.get_order("B")
    assert (imported.amount_captured, imported.net_paid) == (Decimal("19.80"), Decimal("19.80"))


def test_imported_rows_default_their_status_actor_and_time(
    oms: ordermill.Oms, tmp_path: Path
) -> None:
    record = _order("A", [{"kind": "sale", "amount": 19.8}, {"kind": "refund", "amount": 5}])
    record["created_at"] = "2026-02-01T08:00:00+00:00"
    assert oms.import_orders(_file(tmp_path, record)).imported == 1
    found = oms.get_orders_base_query().first()
    assert found is not None
    rows = oms.list_payments(found.uuid)
    assert [(p.kind, p.status, p.amount, p.actor.ref, p.gateway) for p in rows] == [
        ("sale", "succeeded", Decimal("19.80"), "system", None),
        ("refund", "succeeded", Decimal(5), "system", None),
    ]
    assert {p.created_at for p in rows} == {datetime(2026, 2, 1, 8, 0, tzinfo=UTC)}
    assert (found.amount_captured, found.amount_refunded) == (Decimal("19.80"), Decimal(5))
