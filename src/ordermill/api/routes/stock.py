"""Stock levels per SKU (admin only: inventory is operational data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.engine import Connection
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response

from ordermill.api.deps import Authorized, IdempotencyKey, OmsDep
from ordermill.api.idempotency import StoredResponse
from ordermill.api.openapi import MUTATION, READ, problems, success_headers
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response, mutate, reply
from ordermill.api.schemas import SetStockRequest, StockResponse
from ordermill.api.views import stock_view

router = APIRouter(route_class=ProblemRoute, tags=["stock"])


class _AnyText(Convertor[str]):
    """A path segment that may hold anything, '/' and newlines included, so that an odd SKU
    is refused by validation (422) rather than by the router (404)."""

    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anytext", _AnyText())

Sku = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="The SKU (1 to 64 characters, no control characters)",
    ),
]


@router.get(
    "/stock/{sku:anytext}",
    response_model=StockResponse,
    summary="The stock level of a SKU (404: the SKU's stock is not managed)",
    responses=problems(*READ, 404),
)
def get_stock(
    sku: Sku,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    return json_response(stock_view(oms.get_stock(sku)))


@router.put(
    "/stock/{sku:anytext}",
    response_model=StockResponse,
    summary="Set the stock level of a SKU",
    responses={**success_headers(200), **problems(*MUTATION)},
)
def set_stock(
    request: Request,
    sku: Sku,
    body: SetStockRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        return reply(stock_view(oms.set_stock(sku, body.qty, body.manage_stock, conn=conn)))

    return mutate(oms, request, principal, idempotency_key, body, execute)
