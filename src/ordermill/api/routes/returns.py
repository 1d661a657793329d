"""Returns (RMA): request and list an order's returns; read, approve, decline, cancel,
receive and refund one. A customer may request returns of their own orders' delivered
units and read them; everything else is staff's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel
from sqlalchemy.engine import Connection
from starlette.responses import Response

from ordermill.api import access
from ordermill.api.deps import Authorized, IdempotencyKey, OmsDep
from ordermill.api.idempotency import StoredResponse
from ordermill.api.openapi import MUTATION, READ, problems, success_headers
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response, mutate, reply
from ordermill.api.return_schemas import (
    CustomerReturn,
    CustomerReturnList,
    DeclineReturnRequest,
    ReceiveReturnRequest,
    RefundReturnRequest,
    RequestReturnRequest,
    StaffReturn,
    StaffReturnList,
    return_list,
    return_view,
)
from ordermill.api.routes.orders import OrderKey
from ordermill.domain.records import Principal, Return
from ordermill.oms import Oms

router = APIRouter(route_class=ProblemRoute, tags=["returns"])

ReturnKey = Annotated[uuid.UUID, Path(description="The return's uuid")]
_CHANGED = {**success_headers(200), **problems(*MUTATION, 404)}


def return_url(return_uuid: str) -> str:
    return f"/api/v1/returns/{return_uuid}"


@router.post(
    "/orders/{order_uuid}/returns",
    status_code=201,
    response_model=StaffReturn | CustomerReturn,
    summary="Request a return of delivered units (customers: of their own orders)",
    responses={**success_headers(201, created=True), **problems(*MUTATION, 404)},
)
def request_return(
    request: Request,
    order_uuid: OrderKey,
    body: RequestReturnRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        access.check_order_access(oms.ctx, principal, order_uuid, conn=conn)
        created = oms.request_return(
            order_uuid,
            [line.model_dump() for line in body.lines],
            reason=body.reason,
            note=body.note,
            requested_by="staff" if principal.is_admin else "customer",
            conn=conn,
        )
        view = return_view(created, admin=principal.is_admin)
        return reply(view, status=201, location=return_url(created.uuid))

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.get(
    "/orders/{order_uuid}/returns",
    response_model=StaffReturnList | CustomerReturnList,
    summary="The order's returns, oldest first (customers: of their own orders)",
    responses=problems(*READ, 404),
)
def list_order_returns(
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    access.check_order_access(oms.ctx, principal, order_uuid)
    found = oms.list_returns(order_uuid)
    return json_response(return_list(found, admin=principal.is_admin))


@router.get(
    "/returns/{return_uuid}",
    response_model=StaffReturn | CustomerReturn,
    summary="One return with its lines and history (customers: of their own orders)",
    responses=problems(*READ, 404),
)
def get_return(
    return_uuid: ReturnKey,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    key = str(return_uuid)
    access.check_return_access(oms.ctx, principal, key)
    return json_response(return_view(oms.get_return(key), admin=principal.is_admin))


def _change(
    oms: Oms,
    request: Request,
    principal: Principal,
    idempotency_key: str | None,
    body: BaseModel | None,
    call: Callable[[Connection], Return],
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        return reply(return_view(call(conn), admin=True))

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.post(
    "/returns/{return_uuid}/approve",
    response_model=StaffReturn,
    summary="Approve a requested return: its units are expected back",
    responses=_CHANGED,
)
def approve_return(
    request: Request,
    return_uuid: ReturnKey,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    key = str(return_uuid)
    call = lambda conn: oms.approve_return(key, conn=conn)  # noqa: E731
    return _change(oms, request, principal, idempotency_key, None, call)


@router.post(
    "/returns/{return_uuid}/decline",
    response_model=StaffReturn,
    summary="Decline a requested return, saying why",
    responses=_CHANGED,
)
def decline_return(
    request: Request,
    return_uuid: ReturnKey,
    body: DeclineReturnRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    key = str(return_uuid)
    call = lambda conn: oms.decline_return(key, body.reason, conn=conn)  # noqa: E731
    return _change(oms, request, principal, idempotency_key, body, call)


@router.post(
    "/returns/{return_uuid}/cancel",
    response_model=StaffReturn,
    summary="Cancel a requested or approved return",
    responses=_CHANGED,
)
def cancel_return(
    request: Request,
    return_uuid: ReturnKey,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    key = str(return_uuid)
    call = lambda conn: oms.cancel_return(key, conn=conn)  # noqa: E731
    return _change(oms, request, principal, idempotency_key, None, call)


@router.post(
    "/returns/{return_uuid}/receive",
    response_model=StaffReturn,
    summary="Record units of an approved return as received (back to stock when chosen)",
    responses=_CHANGED,
)
def receive_return(
    request: Request,
    return_uuid: ReturnKey,
    body: ReceiveReturnRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    key = str(return_uuid)
    lines = [line.model_dump() for line in body.lines]
    call = lambda conn: oms.receive_return(key, lines, conn=conn)  # noqa: E731
    return _change(oms, request, principal, idempotency_key, body, call)


@router.post(
    "/returns/{return_uuid}/refund",
    response_model=StaffReturn,
    summary="Refund the received units of a return (and shipping when asked)",
    responses=_CHANGED,
)
def refund_return(
    request: Request,
    return_uuid: ReturnKey,
    oms: OmsDep,
    principal: Authorized,
    body: RefundReturnRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    key = str(return_uuid)
    given = body or RefundReturnRequest()
    call = lambda conn: oms.refund_return(key, shipping=given.shipping, conn=conn)  # noqa: E731
    return _change(oms, request, principal, idempotency_key, given, call)
