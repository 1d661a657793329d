"""The orders listing: filters, sort and cursor pages, over the query builder."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from ordermill.api import access
from ordermill.api.customer_schemas import CustomerOrderPage
from ordermill.api.deps import Authorized, OmsDep
from ordermill.api.openapi import READ, problems
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response
from ordermill.api.schemas import OrderPage, StatusCode
from ordermill.api.views import order_page
from ordermill.db.query import OrderFilters

router = APIRouter(route_class=ProblemRoute, tags=["orders"])

DEFAULT_LIMIT = 20
MAX_LIMIT = 100  # a page of 100 summaries is the most one request may ask for
_NO_NUL = r"^[^\x00]*$"
Statuses = Annotated[
    list[StatusCode] | None,
    Query(description="One or more codes (repeat the parameter): any of them matches"),
]


@router.get(
    "/orders",
    response_model=OrderPage | CustomerOrderPage,
    summary="List orders: filter, sort, page by cursor (customers: their own orders only)",
    responses=problems(*READ),
)
def list_orders(
    oms: OmsDep,
    principal: Authorized,
    payment_status: Statuses = None,
    shipment_status: Statuses = None,
    status: Statuses = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    created_from: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=_NO_NUL,
            description="Inclusive lower bound on created_at: ISO 8601 date or datetime (UTC"
            " if no offset)",
        ),
    ] = None,
    created_to: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=_NO_NUL,
            description="Inclusive upper bound on created_at; a date includes that whole day",
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=_NO_NUL,
            description=(
                "Order number, customer email or name contains this, or external reference is this"
            ),
        ),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=_NO_NUL,
            description="Comma-separated columns, `-` for descending (default `-created_at`)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=2048, pattern=_NO_NUL, description="`next_cursor` of the previous page"),
    ] = None,
) -> Response:
    filters = OrderFilters(
        payment_status=payment_status,
        shipment_status=shipment_status,
        status=status,
        customer_id=customer_id,
        created_from=created_from,
        created_to=created_to,
        q=q,
        sort=sort,
    )
    query = access.scope_orders(
        filters.apply(oms.get_orders_base_query(), config=oms.config), principal
    )
    page = query.page(limit, cursor)
    return json_response(
        order_page(page.items, page.next_cursor, admin=principal.is_admin, config=oms.config)
    )
