"""The OpenAPI document: every error response declared, as problem+json.

``docs/openapi.json`` is the committed copy of ``/openapi.json``; regenerate it
with ``make openapi`` (``python -m ordermill.api.write_openapi docs/openapi.json``).
A test fails when the committed copy differs from what the code produces.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from ordermill.api.problems import PROBLEM_MEDIA_TYPE, Problem
from ordermill.domain.scopes import rule_for

__all__ = [
    "MUTATION",
    "ORDER_MUTATION",
    "READ",
    "build_openapi",
    "etag_header",
    "openapi_json",
    "problems",
]

_DESCRIPTIONS = {
    400: "Malformed `Idempotency-Key` or `If-Match` header",
    401: "Missing, invalid or revoked API token",
    403: "The token lacks the scope this operation needs (`missing_scope`; see"
    " `x-required-scope`), or a customer token called a staff operation",
    404: "No such resource, or one the caller may not see (the same answer for both)",
    409: "The current state refuses the request (not cancelable, already shipped, transition"
    " refused, insufficient stock), or the same `Idempotency-Key` is still in flight",
    412: "`If-Match` named an older version of the order: it changed since (`stale_order`);"
    " nothing was written",
    413: "The request body is too large",
    429: "Too many requests from this client address; retry after `Retry-After` seconds",
    422: "Invalid input: a malformed request, an unknown status, a bad query, or an"
    " `Idempotency-Key` reused for a different request",
    500: "Unexpected error; `problem_id` is also in the server log",
    503: "The database is unavailable or busy; retry",
}
READ = (401, 403, 422, 500, 503)
MUTATION = (400, 401, 403, 409, 413, 422, 500, 503)
# A change of one order: it may be missing, and If-Match may name an older version.
ORDER_MUTATION = (*MUTATION, 404, 412)

_REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this response is the stored reply to an earlier request"
        " with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
_ETAG = {
    "ETag": {
        "description": 'The order\'s version, quoted (`"3"`): send it back as `If-Match` to'
        " change the order only if nobody changed it since",
        "schema": {"type": "string"},
    }
}
_LOCATION = {
    "Location": {"description": "The URL of the created resource", "schema": {"type": "string"}}
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries declaring these error statuses as problem+json."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in sorted(set(statuses))
    }


def success_headers(
    status: int, *, created: bool = False, etag: bool = False
) -> dict[int | str, dict[str, Any]]:
    """Headers of a mutation's success response: replay marker, Location when created,
    ETag when it is the order."""
    headers = {**_REPLAYED, **(_LOCATION if created else {}), **(_ETAG if etag else {})}
    return {status: {"headers": headers}}


def etag_header() -> dict[int | str, dict[str, Any]]:
    """The ETag of a read of an order."""
    return {200: {"headers": _ETAG}}


def operation_id(route: APIRoute) -> str:
    """Stable operation ids: the route function's name, which the code review keeps unique."""
    return route.name


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                parameter["schema"] = _without_null(parameter["schema"])
            _declare_scope(operation)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    app.openapi_schema = schema
    return schema


def _declare_scope(operation: dict[str, Any]) -> None:
    """The scope the operation needs (``domain/scopes.OPERATIONS``), as ``x-required-scope``
    and as the bearer requirement's role (OpenAPI 3.1); ``x-customer-access`` when a
    customer token may call it on its own orders. An operation without a row gets
    neither, and the authorization matrix test fails."""
    rule = rule_for(operation.get("operationId", ""))
    if rule is None or rule.scope is None:
        return
    operation["x-required-scope"] = rule.scope
    operation["x-customer-access"] = rule.customer
    operation["security"] = [{"bearerAuth": [rule.scope]}]


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter's ``anyOf: [X, null]`` as plain X: a missing query parameter or
    header is absent, never JSON null, and clients generate simpler code from X."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return schema
    kept = [option for option in options if option != {"type": "null"}]
    if len(kept) != 1 or len(kept) == len(options):
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**kept[0], **rest}


def openapi_json(app: FastAPI) -> str:
    """The document as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
