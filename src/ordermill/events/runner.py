"""Putting a relay together from options: NATS, the webhook endpoints, the subscribers.

Webhook endpoints are read again every ``refresh_interval`` seconds: a new endpoint
gets its task, a disabled one loses it, and a rotated secret takes effect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy.engine import Engine

from ordermill.db.tables import utcnow
from ordermill.db.webhooks import log_deliveries
from ordermill.domain.errors import WebhookDisabled
from ordermill.events.destination import Destination, RetrySchedule, matches
from ordermill.events.envelope import Envelope
from ordermill.events.nats import NatsDestination
from ordermill.events.relay import Relay, RelaySettings
from ordermill.events.signing import SecretBox
from ordermill.events.store import Store
from ordermill.events.subscribers import SubscriberDestination, load_subscribers
from ordermill.events.webhook_delivery import WebhookDestination, post_once
from ordermill.events.webhooks import get_endpoint, list_endpoints

__all__ = ["RelayOptions", "redeliver", "run_relay", "send_again"]

log = logging.getLogger("ordermill.events")


@dataclass(frozen=True)
class RelayOptions:
    nats_url: str | None = None
    nats_stream: str = "ORDERMILL"
    subscriber_modules: tuple[str, ...] = ()
    webhooks: bool = True
    settings: RelaySettings = field(default_factory=RelaySettings)
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    webhook_timeout: float = 10.0
    refresh_interval: float = 2.0


def _destinations(engine: Engine, options: RelayOptions) -> list[Destination]:
    found: list[Destination] = []
    if options.nats_url:
        found.append(NatsDestination(options.nats_url, stream=options.nats_stream))
    for patterns, function in load_subscribers(options.subscriber_modules):
        found.append(SubscriberDestination(patterns, function, Store(engine), options.schedule))
    return found


async def _watch_endpoints(relay: Relay, options: RelayOptions) -> None:
    """Start, update and stop webhook tasks as endpoints come, change and go."""
    running: dict[str, WebhookDestination] = {}
    while True:
        endpoints = await asyncio.to_thread(list_endpoints, relay.engine, enabled_only=True)
        current = {f"webhook:{e.endpoint_id}": e for e in endpoints}
        for name in set(running) - set(current):
            relay.stop(name)
            del running[name]
        for name, endpoint in current.items():
            try:
                if name in running:
                    running[name].update(endpoint)
                else:
                    running[name] = WebhookDestination(
                        endpoint, relay.engine, options.schedule, timeout=options.webhook_timeout
                    )
            except Exception:
                log.exception("webhook endpoint %s cannot be served", endpoint.endpoint_id)
                continue
            relay.start(running[name])
        if relay.settings.once:
            return
        await asyncio.sleep(options.refresh_interval)


async def run_relay(engine: Engine, options: RelayOptions) -> Relay:
    """Run until cancelled (or caught up, with ``settings.once``); returns the relay."""
    relay = Relay(engine, _destinations(engine, options), options.settings)

    async def extra(r: Relay) -> None:
        if options.webhooks:
            watcher = asyncio.create_task(_watch_endpoints(r, options))
            if r.settings.once:
                await watcher

    await relay.run(extra)
    return relay


async def redeliver(
    engine: Engine,
    event_id: int,
    endpoint_ids: Iterable[int] | None = None,
    *,
    source: str,
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """Send one event again now, with its same id, to the named endpoints (or every
    enabled endpoint whose patterns match); each attempt is logged like the relay's."""
    rows = await send_again(engine, event_id, endpoint_ids, source=source, timeout=timeout)
    if rows:
        await asyncio.to_thread(log_deliveries, engine, rows)
    return rows


async def send_again(
    engine: Engine,
    event_id: int,
    endpoint_ids: Iterable[int] | None = None,
    *,
    source: str,
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """``redeliver`` without logging: the attempts as delivery-log rows (attempt 0), for a
    caller that logs them in its own transaction."""
    envelope = Envelope.of(await asyncio.to_thread(Store(engine).event, event_id), source)
    if endpoint_ids is None:
        enabled = list_endpoints(engine, enabled_only=True)
        targets = [e for e in enabled if matches(e.event_types, envelope.type)]
    else:
        targets = [get_endpoint(engine, i) for i in endpoint_ids]
    for endpoint in targets:
        if not endpoint.enabled:
            raise WebhookDisabled(f"Webhook endpoint {endpoint.endpoint_id} is disabled")
    box = SecretBox()
    rows = []
    async with aiohttp.ClientSession() as session:
        for endpoint in targets:
            started = time.perf_counter()
            result = await post_once(
                session, endpoint.url, endpoint.secrets(box), envelope, timeout
            )
            rows.append(
                {
                    "destination": f"webhook:{endpoint.endpoint_id}",
                    "endpoint_id": endpoint.endpoint_id,
                    "event_id": event_id,
                    "event_uuid": envelope.id,
                    "attempt": 0,  # 0: a manual redelivery, outside the relay's attempts
                    "status_code": result.status_code,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                    "response_excerpt": result.response_excerpt,
                    "error": result.error,
                    "attempted_at": utcnow(),
                }
            )
    return rows
