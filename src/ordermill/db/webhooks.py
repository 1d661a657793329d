"""Webhook endpoints and the delivery log (``webhook_endpoint``, ``webhook_delivery``).

An endpoint's relay destination is ``webhook:<endpoint_id>``: the name of its cursor
and of its rows in the delivery log. Secrets arrive here already encrypted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from ordermill.db import relay
from ordermill.db.relay_tables import webhook_delivery, webhook_endpoint

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
    engine: Engine, url: str, patterns: list[str], description: str | None, secret_encrypted: str
) -> int:
    """A new enabled endpoint whose cursor starts at the newest committed event, in one
    transaction; returns its id."""
    with engine.begin() as conn:
        endpoint_id: int = conn.execute(
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
        relay.ensure_cursor(conn, destination_name(endpoint_id), "head")
    return endpoint_id


def endpoint_row(engine: Engine, endpoint_id: int) -> Row[Any] | None:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(webhook_endpoint).where(webhook_endpoint.c.endpoint_id == endpoint_id)
        ).first()


def endpoint_rows(engine: Engine, *, enabled_only: bool = False) -> Sequence[Row[Any]]:
    query = sa.select(webhook_endpoint).order_by(webhook_endpoint.c.endpoint_id)
    if enabled_only:
        query = query.where(webhook_endpoint.c.enabled.is_(True))
    with engine.connect() as conn:
        return conn.execute(query).all()


def set_enabled(engine: Engine, endpoint_id: int, enabled: bool, reason: str | None) -> bool:
    """Enable (restarting the failure clock of its cursor) or disable with a reason;
    False when there is no such endpoint."""
    with engine.begin() as conn:
        found = conn.execute(
            webhook_endpoint.update()
            .where(webhook_endpoint.c.endpoint_id == endpoint_id)
            .values(enabled=enabled, disabled_reason=None if enabled else reason)
        ).rowcount
        if enabled:
            relay.clear_failing(conn, destination_name(endpoint_id))
    return found == 1


def update_endpoint(engine: Engine, endpoint_id: int, values: dict[str, Any]) -> bool:
    """Set some of ``event_types``, ``description``; False when there is no such endpoint."""
    with engine.begin() as conn:
        return (
            conn.execute(
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
) -> None:
    with engine.begin() as conn:
        conn.execute(
            webhook_endpoint.update()
            .where(webhook_endpoint.c.endpoint_id == endpoint_id)
            .values(
                secret_encrypted=secret_encrypted,
                previous_secret_encrypted=previous_encrypted,
                previous_secret_expires_at=previous_expires_at,
            )
        )


def recent_deliveries(
    engine: Engine, *, endpoint_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest delivery attempts first (webhooks and subscribers)."""
    query = sa.select(webhook_delivery).order_by(webhook_delivery.c.delivery_id.desc()).limit(limit)
    if endpoint_id is not None:
        query = query.where(webhook_delivery.c.endpoint_id == endpoint_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def log_deliveries(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Attempts made outside the relay's cursor (a manual redelivery)."""
    with engine.begin() as conn:
        conn.execute(webhook_delivery.insert(), list(rows))
