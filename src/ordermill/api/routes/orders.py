"""Orders: place, read, change payment and shipment status, cancel, ship, log activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel
from sqlalchemy.engine import Connection
from starlette.responses import Response

from ordermill.api import access
from ordermill.api.customer_schemas import CustomerActivityList, CustomerOrder
from ordermill.api.deps import Authorized, IdempotencyKey, IfMatch, OmsDep
from ordermill.api.etags import etag, expected_version
from ordermill.api.idempotency import StoredResponse
from ordermill.api.openapi import (
    MUTATION,
    ORDER_MUTATION,
    READ,
    etag_header,
    problems,
    success_headers,
)
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response, mutate, reply
from ordermill.api.schemas import (
    AddActivityRequest,
    CancelOrderRequest,
    CreateShipmentRequest,
    PlaceOrderRequest,
    ShipmentList,
    ShipmentView,
    StaffActivity,
    StaffActivityList,
    StaffOrder,
    StatusUpdateRequest,
)
from ordermill.api.views import activity_list, order_view, shipment_view, staff_activity
from ordermill.domain.new_order import PlaceOrder
from ordermill.domain.records import Order, Principal

router = APIRouter(route_class=ProblemRoute, tags=["orders"])

OrderKey = Annotated[
    str,
    Path(
        min_length=1,
        max_length=255,
        # Printable text without spaces: an external reference may hold any of it.
        pattern=r"^[^\x00-\x20\x7f]+$",
        description=(
            "The order's uuid (its order number or, when neither matches,"
            " its external reference is accepted too)"
        ),
    ),
]


def order_url(uuid: str) -> str:
    return f"/api/v1/orders/{uuid}"


def _order_reply(
    oms: OmsDep, principal: Principal, conn: Connection, key: str, *, status: int = 200
) -> StoredResponse:
    """The order as it now is inside the mutation's transaction, for this principal."""
    found = access.get_order_for(oms.ctx, principal, key, conn=conn)
    view = order_view(found, admin=principal.is_admin, config=oms.config)
    location = order_url(found.uuid) if status == 201 else None
    return reply(view, status=status, location=location, etag=etag(found.version))


def _changed_reply(
    oms: OmsDep, principal: Principal, conn: Connection, changed: Order
) -> StoredResponse:
    """The order a status service just returned (its locked row, as written), with its
    relations: the order row is not read again."""
    found = access.details_for(principal, changed, conn=conn)
    view = order_view(found, admin=principal.is_admin, config=oms.config)
    return reply(view, etag=etag(found.version))


@router.post(
    "/orders",
    status_code=201,
    response_model=StaffOrder,
    summary="Place an order",
    responses={**success_headers(201, created=True), **problems(*MUTATION)},
)
def place_order(
    request: Request,
    body: PlaceOrderRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        command = PlaceOrder(
            items=[line.model_dump(exclude_none=True) for line in body.items],
            **body.model_dump(exclude={"items", "shipping_address", "billing_address"}),
            shipping_address=_dump(body.shipping_address),
            billing_address=_dump(body.billing_address),
        )
        placed = oms.place(command, conn=conn)
        return _order_reply(oms, principal, conn, placed.uuid, status=201)

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.get(
    "/orders/{order_uuid}",
    response_model=StaffOrder | CustomerOrder,
    summary="One order with items, addresses, shipments, activities and status history",
    responses={**etag_header(), **problems(*READ, 404)},
)
def get_order(
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    found = access.get_order_for(oms.ctx, principal, order_uuid)
    view = order_view(found, admin=principal.is_admin, config=oms.config)
    return json_response(view, headers={"ETag": etag(found.version)})


@router.post(
    "/orders/{order_uuid}/payment-status",
    response_model=StaffOrder,
    summary="Set the payment status (the order status follows)",
    responses={**success_headers(200, etag=True), **problems(*ORDER_MUTATION)},
)
def update_payment_status(
    request: Request,
    order_uuid: OrderKey,
    body: StatusUpdateRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    expected = expected_version(if_match)

    def execute(conn: Connection) -> StoredResponse:
        changed = oms.update_payment_status(
            order_uuid, body.status, conn=conn, expected_version=expected
        )
        return _changed_reply(oms, principal, conn, changed)

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.post(
    "/orders/{order_uuid}/shipment-status",
    response_model=StaffOrder,
    summary="Set the order's shipment status (the order status follows)",
    responses={**success_headers(200, etag=True), **problems(*ORDER_MUTATION)},
)
def update_shipment_status(
    request: Request,
    order_uuid: OrderKey,
    body: StatusUpdateRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    expected = expected_version(if_match)

    def execute(conn: Connection) -> StoredResponse:
        changed = oms.update_shipment_status(
            order_uuid, body.status, conn=conn, expected_version=expected
        )
        return _changed_reply(oms, principal, conn, changed)

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.post(
    "/orders/{order_uuid}/cancel",
    response_model=StaffOrder | CustomerOrder,
    summary="Cancel the order and put its stock back (customers: their own order only)",
    responses={**success_headers(200, etag=True), **problems(*ORDER_MUTATION)},
)
def cancel_order(
    request: Request,
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
    body: CancelOrderRequest | None = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    expected = expected_version(if_match)
    given = body or CancelOrderRequest()

    def execute(conn: Connection) -> StoredResponse:
        access.check_order_access(oms.ctx, principal, order_uuid, conn=conn)
        canceled = oms.cancel_order(order_uuid, given.reason, conn=conn, expected_version=expected)
        return _changed_reply(oms, principal, conn, canceled)

    return mutate(oms, request, principal, idempotency_key, given, execute)


@router.post(
    "/orders/{order_uuid}/shipments",
    status_code=201,
    response_model=ShipmentView,
    summary="Ship some or all of the order's unshipped items",
    responses={**success_headers(201, created=True), **problems(*ORDER_MUTATION)},
)
def create_shipment(
    request: Request,
    order_uuid: OrderKey,
    body: CreateShipmentRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    expected = expected_version(if_match)

    def execute(conn: Connection) -> StoredResponse:
        created = oms.create_shipment(
            order_uuid,
            body.carrier,
            body.tracking_number,
            conn=conn,
            items=None if body.items is None else [i.model_dump() for i in body.items],
            expected_version=expected,
        )
        return reply(
            shipment_view(created, oms.config),
            status=201,
            location=f"/api/v1/shipments/{created.uuid}",
        )

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.get(
    "/orders/{order_uuid}/shipments",
    response_model=ShipmentList,
    summary="The order's shipments",
    responses=problems(*READ, 404),
)
def list_order_shipments(
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    access.check_order_access(oms.ctx, principal, order_uuid)
    found = oms.list_shipments(order_uuid)
    return json_response(ShipmentList(items=[shipment_view(s, oms.config) for s in found]))


@router.post(
    "/orders/{order_uuid}/activities",
    status_code=201,
    response_model=StaffActivity,
    summary="Add a note to the order's activity log (customer_notified: shown to the customer)",
    responses={**success_headers(201), **problems(*ORDER_MUTATION)},
)
def add_order_activity(
    request: Request,
    order_uuid: OrderKey,
    body: AddActivityRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    expected = expected_version(if_match)

    def execute(conn: Connection) -> StoredResponse:
        added = oms.add_order_activity_log(
            order_uuid,
            body.message,
            customer_notified=body.customer_notified,
            conn=conn,
            expected_version=expected,
        )
        return reply(staff_activity(added), status=201)

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.get(
    "/orders/{order_uuid}/activities",
    response_model=StaffActivityList | CustomerActivityList,
    summary="The order's activity log, oldest first (customers: only what they were notified of)",
    responses=problems(*READ, 404),
)
def list_order_activities(
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    found = access.get_order_for(oms.ctx, principal, order_uuid)
    return json_response(activity_list(found.activities, admin=principal.is_admin))


def _dump(model: BaseModel | None) -> dict[str, object] | None:
    return None if model is None else model.model_dump()
