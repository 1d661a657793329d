"""Errors are RFC 9457 problems; nothing unplanned leaks a traceback to the client."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.api.problems import PROBLEMS
from ordermill.auth import tokens
from ordermill.db import tokens as db_tokens
from ordermill.domain.errors import OmsError
from ordermill.ops.logs import formatter
from tests.api.conftest import Shop, make_client


def test_an_unexpected_error_is_a_500_problem_whose_id_is_in_the_log(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals: /srv/app/db.py line 42")

    monkeypatch.setattr(shop.oms, "get_stock", explode)
    with caplog.at_level(logging.ERROR, logger="ordermill.api"):
        response = shop.client.get("/api/v1/stock/MUG", headers=shop.admin)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["type"] == "urn:ordermill:problem:internal_error"
    problem_id = body["problem_id"]
    assert problem_id in body["detail"]
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    [record] = [r for r in caplog.records if getattr(r, "problem_id", None) == problem_id]
    # One line for the request, carrying the error (api/observe.py): logged once.
    assert record.error_code == "internal_error"  # type: ignore[attr-defined]
    assert record.request_id == body["request_id"]  # type: ignore[attr-defined]
    assert record.exc_info is not None
    assert "secret internals" in caplog.text


def test_a_database_error_is_logged_with_its_code_and_statement_but_no_parameters(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A statement that fails while it carries a token hash (the token look-up, forced to
    read a missing table): the log names the error and the statement, never the hash."""
    secret = shop.admin["Authorization"].removeprefix("Bearer ")
    broken = sa.text("SELECT * FROM no_such_table WHERE token_hash = :value")
    monkeypatch.setitem(db_tokens._ACTIVE_BY, "token_hash", broken)
    with caplog.at_level(logging.ERROR, logger="ordermill.api"):
        response = shop.client.get("/api/v1/stock/MUG", headers=shop.admin)
    # A missing table is a bug (or no migration), not the database being unavailable,
    # though SQLite calls it an OperationalError: a 500 on both (db.errors.unavailable).
    assert response.status_code == 500
    [record] = [r for r in caplog.records if getattr(r, "problem_id", None)]
    assert record.statement == "SELECT no_such_table"  # type: ignore[attr-defined]
    assert record.db_error_code in ("42P01", "SQLITE_ERROR")  # type: ignore[attr-defined]
    logged = formatter("json").format(record) + caplog.text
    assert "no_such_table" in logged
    assert tokens.hash_secret(secret) not in logged
    assert secret not in logged


def test_an_unexpected_error_in_a_mutation_rolls_back_and_is_a_500(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ordermill.api.routes.orders as routes

    def explode(*_args: object, **_kwargs: object) -> None:
        raise KeyError("boom")

    # Fails after the cancel ran inside the transaction: the cancel must be undone.
    monkeypatch.setattr(routes, "_changed_reply", explode)
    target = shop.orders_a[0]
    response = shop.client.post(f"/api/v1/orders/{target}/cancel", headers=shop.admin)
    assert response.status_code == 500
    assert shop.oms.get_order(target).status == "pending"


def test_an_unreachable_database_is_a_503_problem() -> None:
    oms = ordermill.connect("postgresql://nobody@127.0.0.1:9/none")
    try:
        client = make_client(oms)
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["code"] == "service_unavailable"
        assert ready.headers["retry-after"] == "1"
        assert client.get("/healthz").status_code == 200
        listing = client.get("/api/v1/orders", headers={"Authorization": "Bearer omt_x"})
        assert listing.status_code == 503
    finally:
        oms.close()


def test_routing_errors_are_problems(shop: Shop) -> None:
    unknown = shop.client.get("/api/v1/nowhere", headers=shop.admin)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "route_not_found"
    wrong_method = shop.client.delete("/api/v1/orders", headers=shop.admin)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"
    assert "GET" in wrong_method.headers["allow"]


def test_a_body_over_the_limit_is_a_413_problem(shop: Shop) -> None:
    huge = b'{"items": [' + b" " * (1024 * 1024 + 1) + b"]}"
    declared = shop.client.post(
        "/api/v1/orders", content=huge, headers={**shop.admin, "Content-Type": "application/json"}
    )
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["code"] == "request_too_large"

    def chunks() -> Iterator[bytes]:
        yield b'{"items": ['
        for _ in range(20):
            yield b" " * 65536
        yield b"]}"

    streamed = shop.client.post(
        "/api/v1/orders",
        content=chunks(),
        headers={**shop.admin, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "request_too_large"


def test_validation_problems_list_each_field(shop: Shop) -> None:
    response = shop.client.post(
        "/api/v1/orders", json={"items": [{"sku": "", "qty": 0}]}, headers=shop.admin
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    locations = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "customer_email") in locations
    assert ("body", "items", "0", "qty") in locations
    assert "(and" in body["detail"]


def _all_error_classes(cls: type[OmsError]) -> list[type[OmsError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found += _all_error_classes(sub)
    return found


def test_every_planned_error_class_has_a_4xx_status() -> None:
    """A new error class lands in one of the families of the table, never in a 500; only
    the database being unavailable (try again) is a 5xx, a 503."""
    from ordermill.api.problems import _status_for

    for cls in _all_error_classes(OmsError):
        if cls.__name__ in ("OmsError", "ConfigError") or issubclass(cls, ordermill.ConfigError):
            continue
        found = _status_for(cls("x", retry_after=1) if cls is ordermill.RateLimited else cls("x"))
        expected = 503 if issubclass(cls, ordermill.ServiceUnavailable) else None
        assert found is not None and (found[0] == expected or 400 <= found[0] < 500), cls
    assert {status for _, status, _ in PROBLEMS} == {400, 401, 403, 404, 409, 412, 422, 429, 503}
