"""Webhook endpoints: register, list, disable, enable, rotate secrets, read deliveries.

A URL is accepted when it is http(s) with a host, and every address the host resolves
to is public: loopback, private, link-local, multicast, reserved and unspecified
addresses are refused (a webhook must not reach into the relay's own network)
unless ``allow_private_network`` is given. The check is at registration; the relay
does not resolve again before each request (a DNS rebinding risk this documents).
"""

from __future__ import annotations

import enum
import ipaddress
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection, Engine

from ordermill.db import webhooks as db
from ordermill.db.tables import utcnow
from ordermill.db.webhooks import destination_name
from ordermill.domain.errors import InvalidEventPattern, InvalidWebhookUrl, WebhookNotFound
from ordermill.events.signing import SecretBox, new_secret

__all__ = [
    "ROTATION_OVERLAP",
    "Endpoint",
    "Keep",
    "add_endpoint",
    "check_url",
    "destination_name",
    "get_endpoint",
    "list_deliveries",
    "list_endpoints",
    "rotate_secret",
    "set_enabled",
    "update_endpoint",
]


class Keep(enum.Enum):
    """An argument left as it is (where ``None`` is a value)."""

    KEEP = "keep"


# How long the previous secret still signs after a rotation (covers retries in flight).
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Endpoint:
    endpoint_id: int
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    secret_encrypted: str
    previous_secret_encrypted: str | None
    previous_secret_expires_at: datetime | None

    def secrets(self, box: SecretBox) -> list[str]:
        """The signing secrets: the current one, and the previous during its overlap."""
        found = [box.decrypt(self.secret_encrypted)]
        expires = self.previous_secret_expires_at
        if self.previous_secret_encrypted and expires is not None and expires > utcnow():
            found.append(box.decrypt(self.previous_secret_encrypted))
        return found

    def public(self) -> dict[str, Any]:
        """What ``webhooks list --json`` shows (never a secret, even encrypted)."""
        return {
            "endpoint_id": self.endpoint_id,
            "url": self.url,
            "description": self.description,
            "event_types": self.event_types,
            "enabled": self.enabled,
            "disabled_reason": self.disabled_reason,
            "created_at": self.created_at,
        }


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, allow_private_network: bool = False) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced "[" of an IPv6 host
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhookUrl(f"webhook URL must be http(s)://host/...: {url!r}", url=url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise InvalidWebhookUrl(
            f"webhook URL host does not resolve: {url!r} ({exc})", url=url
        ) from None
    private = sorted({str(info[4][0]) for info in infos if _is_private(str(info[4][0]))})
    if private and not allow_private_network:
        raise InvalidWebhookUrl(
            f"webhook URL {url!r} resolves to a private, loopback or link-local address"
            f" ({', '.join(private)}); use --allow-private-network to allow it",
            url=url,
        )
    return url


def _check_patterns(patterns: list[str]) -> list[str]:
    cleaned = [p.strip() for p in patterns if p.strip()]
    if not cleaned:
        raise InvalidEventPattern("give at least one event type pattern, e.g. 'ordermill.order.*'")
    for pattern in cleaned:
        if not (pattern == "*" or pattern.startswith("ordermill.")) or len(pattern) > 255:
            raise InvalidEventPattern(
                f"event type pattern {pattern!r} must be '*' or start with 'ordermill.'",
                pattern=pattern,
            )
    return cleaned


def _endpoint(row: Any) -> Endpoint:
    m = row._mapping
    return Endpoint(
        m["endpoint_id"],
        m["url"],
        m["description"],
        list(m["event_types"]),
        m["enabled"],
        m["disabled_reason"],
        m["created_at"],
        m["secret_encrypted"],
        m["previous_secret_encrypted"],
        m["previous_secret_expires_at"],
    )


def add_endpoint(
    engine: Engine,
    url: str,
    patterns: list[str],
    *,
    description: str | None = None,
    allow_private_network: bool = False,
    conn: Connection | None = None,
) -> tuple[Endpoint, str]:
    """Register an endpoint; returns it with its secret (shown once, stored encrypted).

    Its cursor starts at the newest committed event: it receives what happens next.
    """
    check_url(url, allow_private_network=allow_private_network)
    patterns = _check_patterns(patterns)
    secret = new_secret()
    encrypted = SecretBox().encrypt(secret)
    endpoint_id = db.insert_endpoint(engine, url, patterns, description, encrypted, conn)
    return get_endpoint(engine, endpoint_id, conn), secret


def _not_found(endpoint_id: int) -> WebhookNotFound:
    return WebhookNotFound(f"Webhook endpoint not found: {endpoint_id}", endpoint_id=endpoint_id)


def get_endpoint(engine: Engine, endpoint_id: int, conn: Connection | None = None) -> Endpoint:
    row = db.endpoint_row(engine, endpoint_id, conn)
    if row is None:
        raise _not_found(endpoint_id)
    return _endpoint(row)


def list_endpoints(engine: Engine, *, enabled_only: bool = False) -> list[Endpoint]:
    return [_endpoint(r) for r in db.endpoint_rows(engine, enabled_only=enabled_only)]


def set_enabled(
    engine: Engine,
    endpoint_id: int,
    enabled: bool,
    reason: str | None = None,
    conn: Connection | None = None,
) -> Endpoint:
    """Disable (with a reason) or enable an endpoint. Enabling resumes where its cursor
    stopped, clearing the failure clock so the retry window starts again."""
    if not db.set_enabled(engine, endpoint_id, enabled, reason, conn):
        raise _not_found(endpoint_id)
    return get_endpoint(engine, endpoint_id, conn)


def update_endpoint(
    engine: Engine,
    endpoint_id: int,
    *,
    patterns: list[str] | None = None,
    description: str | Keep | None = Keep.KEEP,
    conn: Connection | None = None,
) -> Endpoint:
    """Change the event type patterns (``None``: unchanged) and/or the description
    (``Keep.KEEP``: unchanged; ``None`` clears it). The relay takes new patterns within
    its refresh interval."""
    values: dict[str, Any] = {}
    if patterns is not None:
        values["event_types"] = _check_patterns(patterns)
    if description is not Keep.KEEP:
        values["description"] = description
    if values and not db.update_endpoint(engine, endpoint_id, values, conn):
        raise _not_found(endpoint_id)
    return get_endpoint(engine, endpoint_id, conn)


def rotate_secret(
    engine: Engine, endpoint_id: int, conn: Connection | None = None
) -> tuple[Endpoint, str]:
    """A new secret (returned once); the previous one keeps signing for ROTATION_OVERLAP."""
    current = get_endpoint(engine, endpoint_id, conn)
    secret = new_secret()
    box = SecretBox()
    box.decrypt(current.secret_encrypted)  # refuse to rotate under a wrong key
    db.set_secret(
        engine,
        endpoint_id,
        box.encrypt(secret),
        current.secret_encrypted,
        utcnow() + ROTATION_OVERLAP,
        conn,
    )
    return get_endpoint(engine, endpoint_id, conn), secret


def list_deliveries(
    engine: Engine, *, endpoint_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest delivery attempts first (webhooks and subscribers)."""
    return db.recent_deliveries(engine, endpoint_id=endpoint_id, limit=limit)
