"""Webhook endpoints and the delivery log (``webhook_endpoint``, ``webhook_delivery``).

Every function runs in its own transaction, or in the caller's ``conn`` (an API request
with an Idempotency-Key). An endpoint's relay destination is ``webhook:<endpoint_id>``:
the name of its cursor and of its rows in the delivery log. Secrets arrive here already
encrypted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from ordermill.db import relay
from ordermill.db.relay_tables import webhook_delivery, webhook_endpoint
from ordermill.db.transaction import read_connection, transaction

__all__ = [
    "destination_name",
    "endpoint_row",
    "endpoint_rows",
    "insert_endpoint",
    "log_deliveries",
    "recent_deliveries",
    "set_enabled",
    "set_secret",
    "update_endpoint",
]


def destination_name(endpoint_id: int) -> str:
    return f"webhook:{endpoint_id}"


def insert_endpoint(
    engine: Engine,
    url: str,
    patterns: list[str],
    description: str | None,
    secret_encrypted: str,
    conn: Connection | None = None,
) -> int:
    """A new enabled endpoint whose cursor starts at the newest committed event, in one
    transaction; returns its id."""
    with transaction(engine, conn) as tx:
        endpoint_id: int = tx.execute(
            webhook_endpoint.insert()
            .values(
                url=url,
                description=description,
                event_types=patterns,
                secret_encrypted=secret_encrypted,
                enabled=True,
            )
            .returning(webhook_endpoint.c.endpoint_id)
        ).scalar_one()
        relay.ensure_cursor(tx, destination_name(endpoint_id), "head")
    return endpoint_id


def endpoint_row(
    engine: Engine, endpoint_id: int, conn: Connection | None = None
) -> Row[Any] | None:
    with read_connection(engine, conn) as c:
        return c.execute(
            sa.select(webhook_endpoint).where(webhook_endpoint.c.endpoint_id == endpoint_id)
        ).first()


def endpoint_rows(engine: Engine, *, enabled_only: bool = False) -> Sequence[Row[Any]]:
    query = sa.select(webhook_endpoint).order_by(webhook_endpoint.c.endpoint_id)
    if enabled_only:
        query = query.where(webhook_endpoint.c.enabled.is_(True))
    with engine.connect() as conn:
        return conn.execute(query).all()


def set_enabled(
    engine: Engine,
    endpoint_id: int,
    enabled: bool,
    reason: str | None,
    conn: Connection | None = None,
) -> bool:
    """Enable (restarting the failure clock of its cursor) or disable with a reason;
    False when there is no such endpoint."""
    with transaction(engine, conn) as tx:
        found = tx.execute(
            webhook_endpoint.update()
            .where(webhook_endpoint.c.endpoint_id == endpoint_id)
            .values(enabled=enabled, disabled_reason=None if enabled else reason)
        ).rowcount
        if enabled:
            relay.clear_failing(tx, destination_name(endpoint_id))
    return found == 1


def update_endpoint(
    engine: Engine, endpoint_id: int, values: dict[str, Any], conn: Connection | None = None
) -> bool:
    """Set some of ``event_types``, ``description``; False when there is no such endpoint."""
    with transaction(engine, conn) as tx:
        return (
            tx.execute(
                webhook_endpoint.update()
                .where(webhook_endpoint.c.endpoint_id == endpoint_id)
                .values(**values)
            ).rowcount
            == 1
        )


def set_secret(
    engine: Engine,
    endpoint_id: int,
    secret_encrypted: str,
    previous_encrypted: str,
    previous_expires_at: datetime,
    conn: Connection | None = None,
) -> None:
    with transaction(engine, conn) as tx:
        tx.execute(
            webhook_endpoint.update()
            .where(webhook_endpoint.c.endpoint_id == endpoint_id)
            .values(
                secret_encrypted=secret_encrypted,
                previous_secret_encrypted=previous_encrypted,
                previous_secret_expires_at=previous_expires_at,
            )
        )


def recent_deliveries(
    engine: Engine,
    *,
    endpoint_id: int | None = None,
    limit: int = 50,
    conn: Connection | None = None,
) -> list[dict[str, Any]]:
    """The newest delivery attempts first (webhooks and subscribers)."""
    query = sa.select(webhook_delivery).order_by(webhook_delivery.c.delivery_id.desc()).limit(limit)
    if endpoint_id is not None:
        query = query.where(webhook_delivery.c.endpoint_id == endpoint_id)
    with read_connection(engine, conn) as c:
        return [dict(r._mapping) for r in c.execute(query)]


def log_deliveries(
    engine: Engine, rows: Sequence[dict[str, Any]], conn: Connection | None = None
) -> None:
    """Attempts made outside the relay's cursor (a manual redelivery)."""
    with transaction(engine, conn) as tx:
        tx.execute(webhook_delivery.insert(), list(rows))
