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
from collections.abc import Iterable

from sqlalchemy.engine import Connection

from ordermill.db.tokens import active_principal, all_tokens, insert_token, revoke_token_row
from ordermill.domain.errors import InvalidInput, TokenNotFound
from ordermill.domain.records import ApiToken, Principal
from ordermill.domain.scopes import PRESETS, parse_scopes, preset_scopes
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


def _check(role: object, customer_id: object, label: object, name: object) -> None:
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
    for what, value in (("label", label), ("name", name)):
        if value is not None and (not isinstance(value, str) or len(value) > 255):
            raise InvalidInput(f"{what}: at most 255 characters", field=what)


def _scopes(role: str, scopes: Iterable[str] | str | None, preset: str | None) -> frozenset[str]:
    """The scopes a new token gets: the preset's, or the ones named, or (role admin
    without either) every scope; a customer token gets none."""
    if role == "customer":
        if scopes is not None or preset is not None:
            raise InvalidInput(
                "scopes: a customer token is limited to its own orders by its role; it"
                " takes no scopes or preset",
                field="scopes",
            )
        return frozenset()
    if scopes is not None and preset is not None:
        raise InvalidInput("scopes: give scopes or a preset, not both", field="scopes")
    if preset is not None:
        return preset_scopes(preset)
    if scopes is None:
        return PRESETS["admin"]
    if isinstance(scopes, str):
        scopes = [scopes]
    found = parse_scopes(scopes)
    if not found:
        raise InvalidInput("scopes: a staff token needs at least one scope", field="scopes")
    return found


def create_token(
    ctx: Context,
    *,
    role: str = "admin",
    customer_id: int | None = None,
    label: str | None = None,
    scopes: Iterable[str] | None = None,
    preset: str | None = None,
    name: str | None = None,
    conn: Connection | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the record and the secret, which is never retrievable again.

    A customer token names the customer whose orders it may see; that customer
    need not have ordered yet. A staff token (role ``admin``) may do what its
    ``scopes`` allow (``domain/scopes.py``), or a ``preset``'s (``admin``,
    ``warehouse``, ``customer_service``); with neither it gets every scope.
    ``name`` is a display name ("Ada (warehouse)").
    """
    _check(role, customer_id, label, name)
    granted = _scopes(role, scopes, preset)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with ctx.transaction(conn) as tx:
        created = insert_token(
            tx,
            token_hash=hash_secret(secret),
            role=role,
            customer_id=customer_id,
            label=label,
            scopes=granted,
            name=name,
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
