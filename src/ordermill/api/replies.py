"""Rendering responses, and running a mutation at most once per Idempotency-Key.

Every mutating route hands ``mutate`` a function of the transaction's
connection; the function calls services with ``conn=`` and returns its reply
(``reply(model, ...)``). The idempotency service runs it in one transaction
with the key record, so the response that is stored is exactly the one sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.engine import Connection
from starlette.responses import Response

from ordermill.api.idempotency import StoredResponse, request_fingerprint, run_idempotent
from ordermill.domain.actor import acting_as
from ordermill.domain.records import Principal
from ordermill.oms import Oms

__all__ = ["REPLAYED_HEADER", "json_response", "mutate", "reply"]

REPLAYED_HEADER = "Idempotent-Replayed"
_JSON = "application/json"


def json_response(
    model: BaseModel,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    exclude: set[str] | None = None,
) -> Response:
    """The model as JSON, serialised once (FastAPI's response_model is left for the docs)."""
    body = model.model_dump_json(exclude=exclude)
    return Response(body, status_code=status, media_type=_JSON, headers=headers)


def reply(
    model: BaseModel, *, status: int = 200, location: str | None = None, etag: str | None = None
) -> StoredResponse:
    headers = {}
    if location is not None:
        headers["Location"] = location
    if etag is not None:
        headers["ETag"] = etag
    return StoredResponse(status=status, body=model.model_dump_json(), headers=headers)


def mutate(
    oms: Oms,
    request: Request,
    principal: Principal,
    idempotency_key: str | None,
    body: BaseModel | None,
    execute: Callable[[Connection], StoredResponse],
) -> Response:
    """Run ``execute`` in one transaction, at most once per (principal, Idempotency-Key),
    as the principal's actor."""
    fingerprint = request_fingerprint(
        request.method,
        request.url.path,
        # Only the fields sent: for PATCH an absent field and an explicit null differ.
        None if body is None else body.model_dump(mode="json", exclude_unset=True),
    )
    with acting_as(principal.actor):  # every write of the request records its caller
        stored, replayed = run_idempotent(
            oms.ctx,
            principal=principal,
            key=idempotency_key,
            request_hash=fingerprint,
            execute=execute,
        )
    headers = dict(stored.headers)
    if replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(stored.body, status_code=stored.status, media_type=_JSON, headers=headers)
