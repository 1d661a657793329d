"""Shipments by uuid: read, correct carrier and tracking number, deliver, cancel."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy.engine import Connection
from starlette.responses import Response

from ordermill.api import access
from ordermill.api.deps import Authorized, IdempotencyKey, OmsDep
from ordermill.api.idempotency import StoredResponse
from ordermill.api.openapi import MUTATION, READ, problems, success_headers
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response, mutate, reply
from ordermill.api.schemas import ShipmentView, UpdateShipmentRequest
from ordermill.api.views import shipment_view

router = APIRouter(route_class=ProblemRoute, tags=["shipments"])

ShipmentKey = Annotated[uuid.UUID, Path(description="The shipment's uuid")]


@router.get(
    "/shipments/{shipment_uuid}",
    response_model=ShipmentView,
    summary="One shipment (customers: of their own orders)",
    responses=problems(*READ, 404),
)
def get_shipment(
    shipment_uuid: ShipmentKey,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    key = str(shipment_uuid)
    access.check_shipment_access(oms.ctx, principal, key)
    return json_response(shipment_view(oms.get_shipment(key), oms.config))


@router.patch(
    "/shipments/{shipment_uuid}",
    response_model=ShipmentView,
    summary="Correct the carrier or tracking number (only the fields given change)",
    responses={**success_headers(200), **problems(*MUTATION, 404)},
)
def update_shipment(
    request: Request,
    shipment_uuid: ShipmentKey,
    body: UpdateShipmentRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    changes: dict[str, Any] = body.model_dump(include=body.model_fields_set)

    def execute(conn: Connection) -> StoredResponse:
        updated = oms.update_shipment(str(shipment_uuid), conn=conn, **changes)
        return reply(shipment_view(updated, oms.config))

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.post(
    "/shipments/{shipment_uuid}/deliver",
    response_model=ShipmentView,
    summary="Mark the shipment delivered",
    responses={**success_headers(200), **problems(*MUTATION, 404)},
)
def mark_shipment_delivered(
    request: Request,
    shipment_uuid: ShipmentKey,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        return reply(shipment_view(oms.mark_delivered(str(shipment_uuid), conn=conn), oms.config))

    return mutate(oms, request, principal, idempotency_key, None, execute)


@router.post(
    "/shipments/{shipment_uuid}/cancel",
    response_model=ShipmentView,
    summary="Cancel the shipment (its items may be shipped again)",
    responses={**success_headers(200), **problems(*MUTATION, 404)},
)
def cancel_shipment(
    request: Request,
    shipment_uuid: ShipmentKey,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        return reply(shipment_view(oms.cancel_shipment(str(shipment_uuid), conn=conn), oms.config))

    return mutate(oms, request, principal, idempotency_key, None, execute)
