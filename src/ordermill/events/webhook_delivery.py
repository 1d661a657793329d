"""The webhook destination: one signed POST per event to one endpoint (Standard Webhooks).

Each endpoint is its own destination (``webhook:<id>``), with its own cursor and task,
so an endpoint that hangs (each request up to ``timeout``) or fails holds up only its
own events. A 2xx answer is a delivery; anything else, a timeout or a connection error
is retried (``ordered.py``). When an endpoint's head event has failed for the whole
retry window, the endpoint is disabled with the reason.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
from sqlalchemy.engine import Engine

from ordermill.events.destination import DestinationRetired, RetrySchedule, matches
from ordermill.events.envelope import Envelope
from ordermill.events.ordered import Attempt, OrderedDestination
from ordermill.events.signing import SecretBox, signed_headers
from ordermill.events.store import Store
from ordermill.events.webhooks import Endpoint, destination_name, set_enabled

__all__ = ["WebhookDestination", "post_once"]

_EXCERPT = 1000


async def post_once(
    session: aiohttp.ClientSession,
    url: str,
    secrets: list[str],
    envelope: Envelope,
    timeout: float,
) -> Attempt:
    """One signed request; never raises for what the endpoint or network does."""
    headers = signed_headers(secrets, envelope.id, int(time.time()), envelope.body)
    try:
        async with session.post(
            url,
            data=envelope.body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=False,
        ) as response:
            text = (await response.content.read(_EXCERPT * 4)).decode("utf-8", "replace")
            return Attempt(200 <= response.status < 300, response.status, text[:_EXCERPT])
    except TimeoutError:
        return Attempt(False, error=f"timed out after {timeout:g} s")
    except (aiohttp.ClientError, OSError) as exc:
        return Attempt(False, error=repr(exc)[:_EXCERPT])


class WebhookDestination(OrderedDestination):
    def __init__(
        self,
        endpoint: Endpoint,
        engine: Engine,
        schedule: RetrySchedule,
        *,
        timeout: float = 10.0,
        concurrency: int = 32,
    ) -> None:
        super().__init__(Store(engine), schedule, concurrency)
        self.engine = engine
        self.timeout = timeout
        self.name = destination_name(endpoint.endpoint_id)
        self.start = "head"
        self.update(endpoint)
        self._session: aiohttp.ClientSession | None = None

    def update(self, endpoint: Endpoint) -> None:
        """Take the endpoint's current URL, patterns and secrets (after a rotation)."""
        self.endpoint = endpoint
        self.endpoint_id = endpoint.endpoint_id
        self.secrets = endpoint.secrets(SecretBox())

    def accepts(self, event_type: str) -> bool:
        return matches(self.endpoint.event_types, event_type)

    async def open(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.concurrency, ttl_dns_cache=60)
            self._session = aiohttp.ClientSession(connector=connector)

    async def send(self, envelope: Envelope, attempt: int) -> Attempt:
        assert self._session is not None
        return await post_once(
            self._session, self.endpoint.url, self.secrets, envelope, self.timeout
        )

    async def retire(self, reason: str) -> None:
        await asyncio.to_thread(set_enabled, self.engine, self.endpoint.endpoint_id, False, reason)
        raise DestinationRetired(f"endpoint {self.endpoint.endpoint_id} disabled: {reason}")

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
