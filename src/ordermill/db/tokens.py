"""API token rows: stored by the SHA-256 hash of their secret, never the secret."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.tables import api_token, utcnow
from ordermill.domain.records import ApiToken, Principal
from ordermill.domain.scopes import format_scopes, stored_scopes

__all__ = ["active_principal", "all_tokens", "insert_token", "revoke_token_row"]


def _token_from_row(row: Row[Any]) -> ApiToken:
    m = row._mapping
    return ApiToken(
        token_id=m["token_id"],
        role=m["role"],
        customer_id=m["customer_id"],
        label=m["label"],
        created_at=m["created_at"],
        revoked_at=m["revoked_at"],
        scopes=stored_scopes(m["scopes"]),
        name=m["name"],
    )


def insert_token(
    tx: Connection,
    *,
    token_hash: str,
    role: str,
    customer_id: int | None,
    label: str | None,
    scopes: frozenset[str] = frozenset(),
    name: str | None = None,
) -> ApiToken:
    row = tx.execute(
        api_token.insert()
        .values(
            token_hash=token_hash,
            role=role,
            customer_id=customer_id,
            label=label,
            scopes=format_scopes(scopes) if scopes else "",
            name=name,
            created_at=utcnow(),
        )
        .returning(*api_token.c)
    ).one()
    return _token_from_row(row)


def all_tokens(conn: Connection) -> list[ApiToken]:
    """Every token, revoked ones included, oldest first."""
    found = conn.execute(sa.select(api_token).order_by(api_token.c.token_id)).all()
    return [_token_from_row(row) for row in found]


def revoke_token_row(tx: Connection, token_id: int) -> ApiToken | None:
    """Revoke the token unless it is already (keeping its first revocation time); None
    when there is no such token."""
    tx.execute(
        api_token.update()
        .where(api_token.c.token_id == token_id, api_token.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    row = tx.execute(sa.select(api_token).where(api_token.c.token_id == token_id)).first()
    return None if row is None else _token_from_row(row)


# Every API request runs one of these: prebuilt statements (see db/locks.py).
_PRINCIPAL = sa.select(
    api_token.c.token_id,
    api_token.c.role,
    api_token.c.customer_id,
    api_token.c.scopes,
    api_token.c.name,
    api_token.c.label,
)
_ACTIVE_BY = {
    "token_hash": _PRINCIPAL.where(
        api_token.c.token_hash == sa.bindparam("value"), api_token.c.revoked_at.is_(None)
    ),
    "token_id": _PRINCIPAL.where(
        api_token.c.token_id == sa.bindparam("value"), api_token.c.revoked_at.is_(None)
    ),
}


def active_principal(conn: Connection, *, by: str, value: object) -> Principal | None:
    """The principal of the active token whose ``by`` (token_hash or token_id) is ``value``."""
    row = conn.execute(_ACTIVE_BY[by], {"value": value}).first()
    if row is None:
        return None
    return Principal(
        token_id=row.token_id,
        role=row.role,
        customer_id=row.customer_id,
        scopes=stored_scopes(row.scopes),
        label=row.name or row.label,
    )
