"""Small REST behaviours users tripped over: each test pins one of them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.migrate import downgrade
from tests.api.conftest import CUSTOMER_A, LINES, Shop, make_client


def test_an_order_is_found_by_its_external_reference(shop: Shop) -> None:
    shop.oms.place_order(LINES, customer_email="a@example.com", external_reference="PO#2")
    got = shop.client.get("/api/v1/orders/PO%232", headers=shop.admin)
    assert got.status_code == 200, got.text
    assert got.json()["external_reference"] == "PO#2"
    own = shop.oms.place_order(
        LINES, customer_email="a@example.com", customer_id=CUSTOMER_A, external_reference="A-9"
    )
    assert shop.client.get("/api/v1/orders/A-9", headers=shop.customer_a).json()["uuid"] == own.uuid
    assert shop.client.get("/api/v1/orders/A-9", headers=shop.customer_b).status_code == 404
    listed = shop.client.get("/api/v1/orders", params={"q": "A-9"}, headers=shop.admin)
    assert [o["uuid"] for o in listed.json()["items"]] == [own.uuid]


@pytest.mark.postgres_only
def test_the_first_request_after_the_connections_were_terminated_succeeds(shop: Shop) -> None:
    assert shop.client.get(f"/api/v1/orders/{shop.order_b}", headers=shop.admin).is_success
    killer = sa.create_engine(shop.oms.engine.url, poolclass=sa.NullPool)
    with killer.connect() as c:
        c.exec_driver_sql(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    killer.dispose()
    got = shop.client.get(f"/api/v1/orders/{shop.order_b}", headers=shop.admin)
    assert got.status_code == 200, got.text


def test_readyz_fails_without_the_schema(tmp_path: Path) -> None:
    oms = ordermill.connect(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        ready = make_client(oms).get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["code"] == "service_unavailable"
        assert "ordermill migrate" in ready.json()["detail"]
    finally:
        oms.close()


def test_readyz_fails_while_the_schema_is_behind_the_code(oms: ordermill.Oms) -> None:
    client = make_client(oms)
    assert client.get("/readyz").status_code == 200
    downgrade(oms.engine, "0002")
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "at migration 0002" in ready.json()["detail"]
    finally:
        oms.migrate()
    assert client.get("/readyz").status_code == 200


ORDER = {"items": [{"sku": "MUG", "qty": 1, "price": "9.90"}], "customer_email": "a@example.com"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"items": [{"sku": " ", "qty": 1, "price": "9.90"}]}, "sku"),
        ({"items": [{"sku": "MUG", "qty": 3341.0, "price": "9.90"}]}, "qty"),
    ],
)
def test_the_contract_refuses_what_the_services_refuse(
    shop: Shop, change: dict[str, object], field: str
) -> None:
    """Refused by the request schema (code invalid_request), as docs/openapi.json says,
    not only later by the services."""
    response = shop.client.post("/api/v1/orders", json={**ORDER, **change}, headers=shop.admin)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_request", problem
    assert problem["errors"][0]["loc"][-1] == field
    contract = (Path(__file__).parents[2] / "docs" / "openapi.json").read_text()
    assert '"^[^\\\\x00]*@[^\\\\x00]*$"' in contract


def test_a_note_of_spaces_is_refused_by_the_schema(shop: Shop) -> None:
    response = shop.client.post(
        f"/api/v1/orders/{shop.order_b}/activities", json={"message": "   "}, headers=shop.admin
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_a_wrong_method_is_405_with_every_allowed_method(shop: Shop) -> None:
    response = shop.client.put("/api/v1/orders", headers=shop.admin)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    stock = shop.client.patch("/api/v1/stock/MUG", headers=shop.admin)
    assert stock.status_code == 405
    assert stock.headers["allow"] == "GET, PUT"


def test_validation_messages_name_fields_as_sent_in_the_services_words(shop: Shop) -> None:
    float_price = {**ORDER, "items": [{"sku": "MUG", "qty": 1, "price": 12.5}]}
    response = shop.client.post("/api/v1/orders", json=float_price, headers=shop.admin)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail == (
        "items[0].price: 12.5 is a float; pass money as a string, int or Decimal"
        " (floats cannot hold cents exactly)"
    )
    assert len(response.json()["errors"]) == 1  # one field, not one error per union member


def test_broken_json_says_where_it_broke(shop: Shop) -> None:
    response = shop.client.post(
        "/api/v1/orders",
        content=b'{"items": [\n  {"sku": x}]}',
        headers={**shop.admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "The request body is not valid JSON: Expecting value at line 2, column 11"
    )
