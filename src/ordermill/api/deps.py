"""Route dependencies: the Oms, the authenticated principal, permissions, Idempotency-Key.

Routes declare what they need as typed aliases (``OmsDep``, ``Allowed("...")``,
``IdempotencyKey``) and stay a few lines long.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ordermill.api.access import Action, authorize
from ordermill.api.idempotency import MAX_KEY_LENGTH
from ordermill.api.observe import observed
from ordermill.domain.errors import NotAuthenticated
from ordermill.domain.records import Principal
from ordermill.oms import Oms

__all__ = ["Allowed", "IdempotencyKey", "OmsDep", "PrincipalDep", "get_oms", "get_principal"]


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


def Allowed(action: Action) -> Any:
    """A dependency giving the principal if its role allows ``action``, else 403."""

    async def dependency(principal: PrincipalDep) -> Principal:
        authorize(principal, action)
        return principal

    dependency.__name__ = f"allowed_{action.replace(':', '_')}"
    return Depends(dependency)


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
