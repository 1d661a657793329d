"""Route dependencies: the Oms, the authenticated principal, permissions, Idempotency-Key.

Routes declare what they need as typed aliases (``OmsDep``, ``Authorized``,
``IdempotencyKey``, ``IfMatch``) and stay a few lines long. ``Authorized`` reads the
scope the route needs from ``domain/scopes.OPERATIONS`` by the route's name (its
operation id): a route is declared there, never in its own signature.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ordermill.api.access import authorize
from ordermill.api.idempotency import MAX_KEY_LENGTH
from ordermill.api.observe import observed
from ordermill.domain.errors import NotAuthenticated
from ordermill.domain.records import Principal
from ordermill.oms import Oms

__all__ = [
    "Authorized",
    "IdempotencyKey",
    "IfMatch",
    "OmsDep",
    "PrincipalDep",
    "get_oms",
    "get_principal",
]


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency on
# a worker thread, a hop (queue, wake-up, GIL hand-over) that costs more than its body.
async def get_oms(request: Request) -> Oms:
    oms = request.app.state.oms
    assert isinstance(oms, Oms)
    return oms


OmsDep = Annotated[Oms, Depends(get_oms)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="An API token from `ordermill tokens create` (admin, or customer with an id)",
)


def get_principal(
    request: Request,
    oms: OmsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal of the request's bearer token, or 401 (its token id goes to the
    request's log line; the secret never does)."""
    if credentials is None:
        raise NotAuthenticated("Missing API token: send the header 'Authorization: Bearer <token>'")
    principal = oms.authenticate(credentials.credentials)
    if principal is None:
        raise NotAuthenticated("Invalid or revoked API token")
    seen = observed(request.scope)
    if seen is not None:
        seen.token_id = principal.token_id
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def authorized(request: Request, principal: PrincipalDep) -> Principal:
    """The principal, if it may call the matched route (``domain/scopes.OPERATIONS``,
    by the route's name), else 403 ``missing_scope``."""
    route = request.scope.get("route")
    authorize(principal, getattr(route, "name", ""))
    return principal


Authorized = Annotated[Principal, Depends(authorized)]


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=(
            "Makes the request safe to retry: the same key with the same request replays the"
            " first response (header `Idempotent-Replayed: true`) without executing again;"
            " with a different request it is refused (422); while the first is still running,"
            " 409. Keys are per API token and kept 24 hours."
        ),
        # Documented here, checked by the service (a malformed key is a 400, not a 422).
        json_schema_extra={
            "minLength": 1,
            "maxLength": MAX_KEY_LENGTH,
            "pattern": "^[\\x20-\\x7e]+$",
        },
    ),
]


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description=(
            'The order\'s `ETag` as read (`"<version>"`): the change is made only if the'
            " order has not changed since, else 412 `stale_order` and nothing is written."
            " Without it the change is made whatever the version."
        ),
        json_schema_extra={"maxLength": 64},
    ),
]
