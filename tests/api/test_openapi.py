"""The OpenAPI contract: committed as docs/openapi.json, complete about errors."""

from __future__ import annotations

import json
from pathlib import Path

import ordermill
from ordermill.api import create_app
from ordermill.api.openapi import openapi_json

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def _schema_text() -> str:
    oms = ordermill.connect("sqlite://")
    try:
        return openapi_json(create_app(oms))
    finally:
        oms.close()


def test_the_committed_openapi_document_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == _schema_text(), (
        "docs/openapi.json is out of date: run `make openapi` and commit the result"
    )


def test_the_served_document_is_the_committed_one(oms: ordermill.Oms) -> None:
    from tests.api.conftest import make_client

    served = make_client(oms).get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(COMMITTED.read_text(encoding="utf-8"))


PUBLIC = {"/api/v1/track/{token}"}


def test_every_operation_declares_its_errors_as_problems() -> None:
    schema = json.loads(_schema_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {int(s) for s in responses if s.startswith(("4", "5"))}
            if path in PUBLIC:
                # The guest tracking JSON: no API token, a per-address rate limit.
                assert {404, 422, 429, 500, 503} <= errors, (method, path)
                assert operation["security"] == []
            elif path.startswith("/api/"):
                assert {401, 403, 422, 500, 503} <= errors, (method, path)
                scope = operation["x-required-scope"]
                assert operation["security"] == [{"bearerAuth": [scope]}]
            if method in ("post", "put", "patch"):
                assert {400, 409, 413} <= errors, (method, path)
                names = [p["name"] for p in operation.get("parameters", ())]
                assert "Idempotency-Key" in names, (method, path)
            if "{" in path and path.startswith("/api/") and operation["operationId"] != "set_stock":
                assert 404 in errors, (method, path)  # (PUT /stock creates a missing SKU)
            for status in errors:
                content = responses[str(status)]["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_operation_ids_are_stable_names() -> None:
    schema = json.loads(_schema_text())
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(i.isidentifier() and i.islower() for i in ids)
