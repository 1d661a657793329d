"""API tokens: bearer secrets for the REST service, stored only as a SHA-256 hash.

A secret is 32 random bytes (256 bits) in URL-safe base64 behind the ``omt_``
prefix, so that it is recognisable in a leaked config file or log. It is shown
once, by ``create_token``; the database keeps its hash, so a copy of the
database gives no usable token. A SHA-256 (not a slow password hash) is enough
because the secret is random, not chosen by a person.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.tables import api_token, utcnow
from ordermill.domain.errors import InvalidInput, TokenNotFound
from ordermill.domain.records import ApiToken, Principal
from ordermill.orders.context import Context

__all__ = [
    "ROLES",
    "SECRET_PREFIX",
    "authenticate",
    "create_token",
    "hash_secret",
    "list_tokens",
    "principal_of",
    "revoke_token",
]

ROLES = ("admin", "customer")
SECRET_PREFIX = "omt_"  # noqa: S105 (a public prefix, not a secret)
_MAX_SECRET_LENGTH = 128  # anything longer is not ours: refuse before hashing
_MAX_CUSTOMER_ID = 2**63 - 1  # the BIGINT column


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _token_from_row(row: Row[Any]) -> ApiToken:
    m = row._mapping
    return ApiToken(
        token_id=m["token_id"],
        role=m["role"],
        customer_id=m["customer_id"],
        label=m["label"],
        created_at=m["created_at"],
        revoked_at=m["revoked_at"],
    )


def _check(role: object, customer_id: object, label: object) -> None:
    if role not in ROLES:
        raise InvalidInput(
            f"role: {role!r} is not a token role; allowed: {', '.join(ROLES)}",
            field="role",
            value=repr(role),
        )
    if role == "customer":
        if (
            isinstance(customer_id, bool)
            or not isinstance(customer_id, int)
            or not 0 < customer_id <= _MAX_CUSTOMER_ID
        ):
            raise InvalidInput(
                f"customer_id: a customer token needs a positive integer customer id,"
                f" got {customer_id!r}",
                field="customer_id",
            )
    elif customer_id is not None:
        raise InvalidInput(
            f"customer_id: an admin token is not tied to a customer, got {customer_id!r}",
            field="customer_id",
        )
    if label is not None and (not isinstance(label, str) or len(label) > 255):
        raise InvalidInput("label: at most 255 characters", field="label")


def create_token(
    ctx: Context,
    *,
    role: str,
    customer_id: int | None = None,
    label: str | None = None,
    conn: Connection | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the record and the secret, which is never retrievable again.

    A customer token names the customer whose orders it may see; that customer
    need not have ordered yet.
    """
    _check(role, customer_id, label)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with ctx.transaction(conn) as tx:
        row = tx.execute(
            api_token.insert()
            .values(
                token_hash=hash_secret(secret),
                role=role,
                customer_id=customer_id,
                label=label,
                created_at=utcnow(),
            )
            .returning(*api_token.c)
        ).one()
    return _token_from_row(row), secret


def list_tokens(ctx: Context, *, conn: Connection | None = None) -> list[ApiToken]:
    """Every token, revoked ones included, oldest first."""
    with ctx.reading(conn) as c:
        found = c.execute(sa.select(api_token).order_by(api_token.c.token_id)).all()
    return [_token_from_row(row) for row in found]


def revoke_token(ctx: Context, token_id: int, *, conn: Connection | None = None) -> ApiToken:
    """Revoke a token: it authenticates nothing from the next request on.

    Revoking a revoked token keeps its first revocation time.
    """
    if isinstance(token_id, bool) or not isinstance(token_id, int):
        raise TokenNotFound(f"Token not found: {token_id!r}", token_id=repr(token_id))
    with ctx.transaction(conn) as tx:
        tx.execute(
            api_token.update()
            .where(api_token.c.token_id == token_id, api_token.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        row = tx.execute(sa.select(api_token).where(api_token.c.token_id == token_id)).first()
    if row is None:
        raise TokenNotFound(f"Token not found: {token_id}", token_id=token_id)
    return _token_from_row(row)


_PRINCIPAL = sa.select(api_token.c.token_id, api_token.c.role, api_token.c.customer_id)
_ACTIVE_BY_HASH = _PRINCIPAL.where(
    api_token.c.token_hash == sa.bindparam("token_hash"), api_token.c.revoked_at.is_(None)
)
_ACTIVE_BY_ID = _PRINCIPAL.where(
    api_token.c.token_id == sa.bindparam("token_id"), api_token.c.revoked_at.is_(None)
)


def authenticate(ctx: Context, secret: str, *, conn: Connection | None = None) -> Principal | None:
    """The principal of an active token with this secret, or None (unknown, malformed, revoked)."""
    if (
        not isinstance(secret, str)
        or not secret.startswith(SECRET_PREFIX)
        or len(secret) > _MAX_SECRET_LENGTH
    ):
        return None
    # Every API request runs this: a prebuilt statement, and no transaction around it.
    with ctx.reading(conn, single_statement=True) as c:
        row = c.execute(_ACTIVE_BY_HASH, {"token_hash": hash_secret(secret)}).first()
    if row is None:
        return None
    return Principal(token_id=row.token_id, role=row.role, customer_id=row.customer_id)


def principal_of(
    ctx: Context, token_id: int, *, conn: Connection | None = None
) -> Principal | None:
    """The principal of the token with this id while it is active, or None (unknown, revoked).

    For sessions that remember which token signed in (the admin pages): revoking
    the token ends them at their next request.
    """
    if isinstance(token_id, bool) or not isinstance(token_id, int):
        return None
    with ctx.reading(conn, single_statement=True) as c:
        row = c.execute(_ACTIVE_BY_ID, {"token_id": token_id}).first()
    if row is None:
        return None
    return Principal(token_id=row.token_id, role=row.role, customer_id=row.customer_id)
