"""Schema-driven fuzzing of every operation with schemathesis, in process (ASGI).

With an admin token and with a customer token: no 5xx, and every response
conforms to the OpenAPI document (status declared, problem+json or JSON as
declared, body and headers valid). Invalid inputs must be refused with a 4xx.

Examples per operation: ``ORDERMILL_SCHEMATHESIS_EXAMPLES``, else 50 in CI
(``CI=true``) and 10 locally.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import ordermill
from ordermill.api import create_app
from tests.api.conftest import CANARY, Shop

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXAMPLES = int(os.environ.get("ORDERMILL_SCHEMATHESIS_EXAMPLES") or (50 if IN_CI else 10))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _operations() -> list[tuple[str, str]]:
    oms = ordermill.connect("sqlite://")
    try:
        paths = create_app(oms).openapi()["paths"]
    finally:
        oms.close()
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


def _has_inputs(operation: Any) -> bool:
    """Whether there is anything to make invalid (else negative generation is impossible)."""
    raw = operation.definition.raw
    return bool(raw.get("parameters") or raw.get("requestBody"))


OPERATIONS = _operations()


def _fuzz(shop: Shop, method: str, path: str, headers: dict[str, str]) -> list[str]:
    """Run every generation mode against one operation; returns the response bodies."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(shop.oms))
    operation = schema[path][method.lower()]
    bodies: list[str] = []
    modes = [GenerationMode.POSITIVE]
    if _has_inputs(operation):
        modes.append(GenerationMode.NEGATIVE)
    for mode in modes:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.generate],
        )
        def run(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            bodies.append(response.text)

        run()
    return bodies


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_as_admin(shop: Shop, method: str, path: str) -> None:
    _fuzz(shop, method, path, shop.admin)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_as_customer(shop: Shop, method: str, path: str) -> None:
    bodies = _fuzz(shop, method, path, shop.customer_a)
    assert all(CANARY not in body for body in bodies)
