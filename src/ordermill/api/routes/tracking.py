"""Guest tracking: an order's tracking link (admin), and the public order view behind it.

``GET /api/v1/track/{token}`` needs no token of the API: the tracking token is the
credential. It is rate-limited per client address (``domain.ratelimit``, in process);
a wrong, revoked or expired token is the same 404 after the same work.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.engine import Connection
from starlette.responses import Response

from ordermill.api.deps import Authorized, IdempotencyKey, OmsDep
from ordermill.api.idempotency import StoredResponse
from ordermill.api.openapi import MUTATION, READ, problems, success_headers
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response, mutate
from ordermill.api.routes.orders import OrderKey
from ordermill.api.tracking_schemas import (
    TrackedOrderView,
    TrackingLinkRequest,
    TrackingLinkView,
    tracked_order_view,
)
from ordermill.domain.errors import RateLimited, TrackingLinkNotFound
from ordermill.domain.ratelimit import TokenBuckets
from ordermill.domain.records import TrackingLink

__all__ = ["client_address", "router"]

router = APIRouter(route_class=ProblemRoute, tags=["tracking"])

Token = Annotated[
    str, Path(min_length=1, max_length=128, description="The token of a guest tracking link")
]


def _view(link: TrackingLink, request: Request, *, with_token: bool) -> TrackingLinkView:
    path = link.path if with_token else None
    return TrackingLinkView(
        order_uuid=link.order_uuid,
        url=None if path is None else str(request.base_url).rstrip("/") + path,
        token=link.token if with_token else None,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
    )


@router.post(
    "/orders/{order_uuid}/tracking-link",
    status_code=201,
    response_model=TrackingLinkView,
    summary="Issue the order's guest tracking link (revoking the one it had); the URL is in"
    " this response only",
    responses={**success_headers(201), **problems(*MUTATION, 404)},
)
def issue_tracking_link(
    request: Request,
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
    body: TrackingLinkRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    given = body or TrackingLinkRequest()

    def execute(conn: Connection) -> StoredResponse:
        link = oms.tracking_link(order_uuid, expires_at=given.expires_at, conn=conn)
        return StoredResponse(
            status=201,
            body=_view(link, request, with_token=True).model_dump_json(),
            # The token is never stored: a replay says the link was issued, without it.
            stored_body=_view(link, request, with_token=False).model_dump_json(),
        )

    return mutate(oms, request, principal, idempotency_key, given, execute)


@router.get(
    "/orders/{order_uuid}/tracking-link",
    response_model=TrackingLinkView,
    summary="The order's live tracking link, without its URL (404 when it has none)",
    responses=problems(*READ, 404),
)
def get_tracking_link(
    request: Request, order_uuid: OrderKey, oms: OmsDep, principal: Authorized
) -> Response:
    link = oms.get_tracking_link(order_uuid)
    if link is None:
        raise TrackingLinkNotFound(
            f"Order {order_uuid} has no live tracking link", order=order_uuid
        )
    return json_response(_view(link, request, with_token=False))


@router.delete(
    "/orders/{order_uuid}/tracking-link",
    status_code=204,
    summary="Revoke the order's tracking link: its page answers 404 from now on",
    responses=problems(*READ, 404),
)
def revoke_tracking_link(order_uuid: OrderKey, oms: OmsDep, principal: Authorized) -> Response:
    oms.revoke_tracking_link(order_uuid)
    return Response(status_code=204)


def client_address(request: Request) -> str:
    """The address the rate limit counts by: the peer's (behind a proxy, run uvicorn with
    ``--proxy-headers`` so that it is the client's)."""
    return request.client.host if request.client else "unknown"


def check_rate(limiter: TokenBuckets, address: str) -> None:
    wait = limiter.take(address)
    if wait:
        raise RateLimited(
            f"Too many requests from {address}; retry in {wait} seconds", retry_after=wait
        )


@router.get(
    "/track/{token}",
    response_model=TrackedOrderView,
    summary="What the guest tracking page shows (no API token: the tracking token is the key)",
    responses=problems(404, 422, 429, 500, 503),
    openapi_extra={"security": []},
)
def track(request: Request, token: Token, oms: OmsDep) -> Response:
    check_rate(request.app.state.tracking_limiter, client_address(request))
    return json_response(tracked_order_view(oms.track(token)))
