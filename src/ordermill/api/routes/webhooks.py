"""Webhook endpoints the relay delivers to (admin only): register, change, rotate the
secret, read the delivery log, send an event again.

A redelivery's request goes out before the transaction that records it (an endpoint may
take up to the timeout to answer, and no write lock is held meanwhile): a retry with
the same Idempotency-Key may send again (with the same ``webhook-id``, which receivers
deduplicate on) but answers with the first response.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ordermill.api.deps import Authorized, IdempotencyKey, OmsDep
from ordermill.api.idempotency import StoredResponse
from ordermill.api.openapi import MUTATION, READ, problems, success_headers
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response, mutate, reply
from ordermill.api.webhook_schemas import (
    CreateWebhookRequest,
    DeliveryList,
    DeliveryView,
    RedeliverRequest,
    UpdateWebhookRequest,
    WebhookList,
    WebhookView,
    WebhookWithSecret,
)
from ordermill.db.webhooks import log_deliveries
from ordermill.events import webhooks
from ordermill.events.envelope import DEFAULT_SOURCE
from ordermill.events.runner import send_again

router = APIRouter(route_class=ProblemRoute, tags=["webhooks"])

EndpointId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The endpoint's id")]
Manager = Authorized


def _view(endpoint: webhooks.Endpoint) -> dict[str, Any]:
    public = endpoint.public()
    public["events"] = public.pop("event_types")
    return public


def _deliveries(rows: list[dict[str, Any]]) -> DeliveryList:
    return DeliveryList(items=[DeliveryView.model_validate(r) for r in rows])


@router.get(
    "/webhooks",
    response_model=WebhookList,
    summary="Every webhook endpoint (secrets are never shown)",
    responses=problems(*READ),
)
def list_webhooks(oms: OmsDep, principal: Manager) -> Response:
    found = webhooks.list_endpoints(oms.engine)
    return json_response(WebhookList(items=[WebhookView(**_view(e)) for e in found]))


@router.post(
    "/webhooks",
    response_model=WebhookWithSecret,
    status_code=201,
    summary="Register an endpoint; its signing secret is in this response only",
    responses={**success_headers(201, created=True), **problems(*MUTATION)},
)
def create_webhook(
    request: Request,
    body: CreateWebhookRequest,
    oms: OmsDep,
    principal: Manager,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        endpoint, secret = webhooks.add_endpoint(
            oms.engine,
            body.url,
            list(body.events),
            description=body.description,
            allow_private_network=body.allow_private_network,
            conn=conn,
        )
        view = WebhookWithSecret(**_view(endpoint), secret=secret)
        return reply(view, status=201, location=f"/api/v1/webhooks/{endpoint.endpoint_id}")

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.get(
    "/webhooks/{endpoint_id}",
    response_model=WebhookView,
    summary="One webhook endpoint",
    responses=problems(*READ, 404),
)
def get_webhook(endpoint_id: EndpointId, oms: OmsDep, principal: Manager) -> Response:
    return json_response(WebhookView(**_view(webhooks.get_endpoint(oms.engine, endpoint_id))))


@router.patch(
    "/webhooks/{endpoint_id}",
    response_model=WebhookView,
    summary="Enable or disable, change the event patterns or the description",
    responses={**success_headers(200), **problems(*MUTATION, 404)},
)
def update_webhook(
    request: Request,
    endpoint_id: EndpointId,
    body: UpdateWebhookRequest,
    oms: OmsDep,
    principal: Manager,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    given = body.model_fields_set

    def execute(conn: Connection) -> StoredResponse:
        endpoint = webhooks.update_endpoint(
            oms.engine,
            endpoint_id,
            patterns=list(body.events) if body.events is not None else None,
            description=body.description if "description" in given else webhooks.Keep.KEEP,
            conn=conn,
        )
        if body.enabled is not None:
            reason = body.disabled_reason or "disabled by an operator"
            endpoint = webhooks.set_enabled(
                oms.engine, endpoint_id, body.enabled, reason, conn=conn
            )
        return reply(WebhookView(**_view(endpoint)))

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.post(
    "/webhooks/{endpoint_id}/rotate-secret",
    response_model=WebhookWithSecret,
    summary="A new signing secret, in this response only (the previous one signs 24 hours more)",
    responses={**success_headers(200), **problems(*MUTATION, 404)},
)
def rotate_webhook_secret(
    request: Request,
    endpoint_id: EndpointId,
    oms: OmsDep,
    principal: Manager,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        endpoint, secret = webhooks.rotate_secret(oms.engine, endpoint_id, conn=conn)
        return reply(WebhookWithSecret(**_view(endpoint), secret=secret))

    return mutate(oms, request, principal, idempotency_key, None, execute)


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response_model=DeliveryList,
    summary="The endpoint's recent delivery attempts, newest first",
    responses=problems(*READ, 404),
)
def list_webhook_deliveries(
    endpoint_id: EndpointId,
    oms: OmsDep,
    principal: Manager,
    limit: Annotated[int, Query(ge=1, le=500, description="How many, newest first")] = 50,
) -> Response:
    webhooks.get_endpoint(oms.engine, endpoint_id)  # 404 for an unknown endpoint
    rows = webhooks.list_deliveries(oms.engine, endpoint_id=endpoint_id, limit=limit)
    return json_response(_deliveries(rows))


@router.post(
    "/webhooks/{endpoint_id}/redeliver",
    response_model=DeliveryList,
    summary="Send one event to the endpoint again now, with its same id; the attempt is logged",
    responses={**success_headers(200), **problems(*MUTATION, 404)},
)
async def redeliver_webhook_event(
    request: Request,
    endpoint_id: EndpointId,
    body: RedeliverRequest,
    oms: OmsDep,
    principal: Manager,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    await run_in_threadpool(webhooks.get_endpoint, oms.engine, endpoint_id)
    rows = await send_again(oms.engine, body.event_id, [endpoint_id], source=DEFAULT_SOURCE)

    def execute(conn: Connection) -> StoredResponse:
        log_deliveries(oms.engine, rows, conn)
        return reply(_deliveries(rows))

    return await run_in_threadpool(mutate, oms, request, principal, idempotency_key, body, execute)
