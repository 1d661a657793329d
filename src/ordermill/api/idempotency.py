"""Idempotency keys: a retried request with the same key is answered, not executed again.

The rules (Stripe's, as the IETF ``Idempotency-Key`` draft writes them down):

- a key belongs to one caller (``principal``: the API token), so one caller's
  key can never fetch another caller's stored response;
- the same key with the same request (method, path and body) replays the
  stored status, body and headers without executing anything;
- the same key with a different request is refused (``IdempotencyKeyReused``);
- a duplicate that arrives while the first is still running is refused
  (``IdempotencyKeyInFlight``), and may be retried once the first is done;
- the key record is written in the transaction of the mutation, so a request
  that fails leaves no record and may be retried with the same key. (Stripe
  v1 also stores and replays 500s; we do not, because a rolled-back request
  changed nothing and is safe to run again.)
- records older than ``RETENTION`` are treated as absent and pruned: a few at a
  time by every keyed request, or all at once by ``prune``.

How "still running" is detected: on PostgreSQL every keyed request first takes
a transaction-scoped advisory lock on (principal, key) with
``pg_try_advisory_xact_lock``; failing to get it means another transaction
holding that key has not finished. On SQLite every write transaction begins
with ``BEGIN IMMEDIATE``, so two requests never overlap: the duplicate waits,
then finds the stored response and replays it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.db.idempotency import (
    delete_key,
    delete_keys_before,
    find_key,
    insert_key,
    try_lock_key,
)
from ordermill.db.tables import utcnow
from ordermill.domain.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
)
from ordermill.domain.records import Principal
from ordermill.orders.context import Context

__all__ = [
    "MAX_KEY_LENGTH",
    "PRUNE_BATCH",
    "RETENTION",
    "StoredResponse",
    "check_key",
    "claim",
    "principal_name",
    "prune",
    "request_fingerprint",
    "run_idempotent",
    "save",
]

MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
# Rows an ordinary keyed request deletes on its way: bounded, so a backlog is
# drained over many requests instead of stalling one.
PRUNE_BATCH = 100


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What is replayed for a key: the status, the body as sent and the headers that matter."""

    status: int
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)
    # What a replay gets when it must differ from ``body``: a body holding a secret that
    # is shown once (a tracking link's token) is stored without it.
    stored_body: str | None = None


def check_key(key: str) -> str:
    """The key if it is 1 to 255 printable ASCII characters, else ``InvalidIdempotencyKey``."""
    if not 0 < len(key) <= MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in key):
        raise InvalidIdempotencyKey(
            f"Idempotency-Key: must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"
            f" (got {len(key)} characters)",
            field="Idempotency-Key",
        )
    return key


def principal_name(principal: Principal) -> str:
    """Whose keys these are: one namespace per API token."""
    return f"token:{principal.token_id}"


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """A hash of what makes two requests "the same": method, path and the parsed body.

    The body is compared as parsed JSON, so key order and spacing do not matter.
    """
    canonical = json.dumps(
        [method.upper(), path, body], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def claim(
    ctx: Context,
    conn: Connection,
    *,
    principal: str,
    key: str,
    request_hash: str,
    now: datetime | None = None,
) -> StoredResponse | None:
    """Take the key for ``conn``'s transaction: the response to replay, or None to execute.

    Must run inside the transaction that will do the work and ``save`` the response.
    """
    if not try_lock_key(conn, principal, key):
        raise _in_flight(key)
    row = find_key(conn, principal, key)
    if row is None:
        return None
    if row.created_at < (now or utcnow()) - RETENTION:
        delete_key(conn, row.idempotency_id)
        return None
    if row.request_hash != request_hash:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {key!r} was already used for a different request"
            " (another method, path or body); use a new key for a new request",
            field="Idempotency-Key",
        )
    return StoredResponse(
        status=row.response_status,
        body=row.response_body,
        headers=dict(row.response_headers or {}),
    )


def save(
    ctx: Context,
    conn: Connection,
    *,
    principal: str,
    key: str,
    request_hash: str,
    response: StoredResponse,
    now: datetime | None = None,
) -> None:
    """Store the response for the key in ``conn``'s transaction, and prune a few old records."""
    created_at = now or utcnow()
    stored = insert_key(
        conn,
        principal=principal,
        key=key,
        request_hash=request_hash,
        status=response.status,
        body=response.body if response.stored_body is None else response.stored_body,
        headers=response.headers,
        created_at=created_at,
    )
    if not stored:
        # Only reachable without the advisory lock (a caller that skipped
        # ``claim``): another transaction stored this key first.
        raise _in_flight(key)
    _prune(ctx, conn, before=created_at - RETENTION, limit=PRUNE_BATCH)


def run_idempotent(
    ctx: Context,
    *,
    principal: Principal,
    key: str | None,
    request_hash: str,
    execute: Callable[[Connection], StoredResponse],
    now: datetime | None = None,
) -> tuple[StoredResponse, bool]:
    """Run ``execute`` in one transaction, at most once per (principal, key).

    Returns the response and whether it was replayed. ``execute`` receives the
    transaction's connection: every service it calls must get it as ``conn=``,
    so that the mutation and the key record commit or roll back together.
    Without a key, ``execute`` simply runs in a transaction of its own.
    """
    if key is not None:
        check_key(key)
    owner = principal_name(principal)
    # Any error fails the whole request: the services join this transaction directly.
    with ctx.owned_transaction() as conn:
        if key is not None:
            stored = claim(ctx, conn, principal=owner, key=key, request_hash=request_hash, now=now)
            if stored is not None:
                return stored, True
        response = execute(conn)
        if key is not None:
            save(
                ctx,
                conn,
                principal=owner,
                key=key,
                request_hash=request_hash,
                response=response,
                now=now,
            )
    return response, False


def prune(
    ctx: Context,
    *,
    older_than: timedelta = RETENTION,
    now: datetime | None = None,
    conn: Connection | None = None,
) -> int:
    """Delete every key record older than ``older_than``; returns how many were deleted."""
    with ctx.transaction(conn) as tx:
        return _prune(ctx, tx, before=(now or utcnow()) - older_than, limit=None)


def _prune(ctx: Context, conn: Connection, *, before: datetime, limit: int | None) -> int:
    return delete_keys_before(conn, before, limit=limit)


def _in_flight(key: str) -> IdempotencyKeyInFlight:
    return IdempotencyKeyInFlight(
        f"A request with Idempotency-Key {key!r} is still being processed; retry after it finishes",
        field="Idempotency-Key",
    )
