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

from sqlalchemy.engine import Connection

from ordermill.db.tokens import active_principal, all_tokens, insert_token, revoke_token_row
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
        created = insert_token(
            tx, token_hash=hash_secret(secret), role=role, customer_id=customer_id, label=label
        )
    return created, secret


def list_tokens(ctx: Context, *, conn: Connection | None = None) -> list[ApiToken]:
    """Every token, revoked ones included, oldest first."""
    with ctx.reading(conn) as c:
        return all_tokens(c)


def revoke_token(ctx: Context, token_id: int, *, conn: Connection | None = None) -> ApiToken:
    """Revoke a token: it authenticates nothing from the next request on.

    Revoking a revoked token keeps its first revocation time.
    """
    if isinstance(token_id, bool) or not isinstance(token_id, int):
        raise TokenNotFound(f"Token not found: {token_id!r}", token_id=repr(token_id))
    with ctx.transaction(conn) as tx:
        revoked = revoke_token_row(tx, token_id)
    if revoked is None:
        raise TokenNotFound(f"Token not found: {token_id}", token_id=token_id)
    return revoked


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
        return active_principal(c, by="token_hash", value=hash_secret(secret))


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
        return active_principal(c, by="token_id", value=token_id)
