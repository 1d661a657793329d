"""Idempotency key records: the stored response of a keyed request, per caller and key.

On PostgreSQL a key in use is also held by a transaction-scoped advisory lock on
(principal, key), so a duplicate that arrives while the first runs can be told
apart from one that arrives after it (see ``api/idempotency.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from ordermill.db.tables import idempotency_key

__all__ = ["delete_key", "delete_keys_before", "find_key", "insert_key", "try_lock_key"]

# The first half of the two-int advisory lock key, so that our locks live in a
# space of their own ("OMIK"); PostgreSQL keeps one-bigint and two-int keys apart.
_LOCK_CLASS = int.from_bytes(b"OMIK", "big", signed=True)


def _lock_id(principal: str, key: str) -> int:
    digest = hashlib.sha256(f"{principal}\n{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def try_lock_key(conn: Connection, principal: str, key: str) -> bool:
    """Hold (principal, key) for ``conn``'s transaction; False when another transaction
    holds it. Always True on SQLite, where write transactions never overlap."""
    if conn.dialect.name != "postgresql":
        return True
    acquired: bool = conn.execute(
        sa.select(sa.func.pg_try_advisory_xact_lock(_LOCK_CLASS, _lock_id(principal, key)))
    ).scalar_one()
    return acquired


def find_key(conn: Connection, principal: str, key: str) -> Row[Any] | None:
    return conn.execute(
        sa.select(idempotency_key).where(
            idempotency_key.c.principal == principal, idempotency_key.c.key == key
        )
    ).first()


def delete_key(conn: Connection, idempotency_id: int) -> None:
    conn.execute(idempotency_key.delete().where(idempotency_key.c.idempotency_id == idempotency_id))


def insert_key(
    conn: Connection,
    *,
    principal: str,
    key: str,
    request_hash: str,
    status: int,
    body: str,
    headers: Mapping[str, str],
    created_at: datetime,
) -> bool:
    """Store the response for the key; False when another transaction stored it first."""
    try:
        with conn.begin_nested():
            conn.execute(
                idempotency_key.insert().values(
                    principal=principal,
                    key=key,
                    request_hash=request_hash,
                    response_status=status,
                    response_body=body,
                    response_headers=dict(headers),
                    created_at=created_at,
                )
            )
    except IntegrityError:
        return False
    return True


def delete_keys_before(conn: Connection, before: datetime, *, limit: int | None) -> int:
    """Delete records created before ``before`` (at most ``limit``, oldest first)."""
    if limit is None:
        result = conn.execute(idempotency_key.delete().where(idempotency_key.c.created_at < before))
        return result.rowcount
    oldest = (
        sa.select(idempotency_key.c.idempotency_id)
        .where(idempotency_key.c.created_at < before)
        .order_by(idempotency_key.c.created_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        # Two requests pruning at once must not queue on (or deadlock over) the same rows.
        oldest = oldest.with_for_update(skip_locked=True)
    result = conn.execute(
        idempotency_key.delete().where(
            idempotency_key.c.idempotency_id.in_(oldest.scalar_subquery())
        )
    )
    return result.rowcount
