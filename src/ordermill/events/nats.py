"""The NATS JetStream destination: every event on subject ``<type>`` (``ordermill.order.canceled``).

The stream (``ORDERMILL``, subjects ``ordermill.>``) is created when missing. Each
message carries ``Nats-Msg-Id: <CloudEvent id>``, so JetStream drops a message it
already stored within the stream's duplicate window (what a redelivery after a crash
between the acks and the cursor move would be); consumers deduplicate on the id beyond
it. A batch is published asynchronously, all messages in flight at once, and the
relay moves the cursor only once every one of them is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js.api import StreamConfig
from nats.js.client import JetStreamContext

from ordermill.events.destination import DeliveryFailed, Destination
from ordermill.events.envelope import Envelope

__all__ = ["NatsDestination"]

_HEADERS = {"Content-Type": "application/cloudevents+json"}


class NatsDestination(Destination):
    def __init__(
        self,
        url: str,
        *,
        stream: str = "ORDERMILL",
        ack_timeout: float = 10.0,
        batch_size: int = 2000,
        duplicate_window: float = 600.0,
    ) -> None:
        self.name = "nats"
        self.url = url
        self.stream = stream
        self.ack_timeout = ack_timeout
        self.batch_size = batch_size
        self.duplicate_window = duplicate_window
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None

    async def open(self) -> None:
        try:
            # No reconnection inside the client: a broken connection fails the batch and
            # the relay reconnects after its backoff, with the cursor where it was.
            self._nc = await nats.connect(
                self.url, allow_reconnect=False, connect_timeout=5, max_reconnect_attempts=0
            )
            js = self._js = self._nc.jetstream(publish_async_max_pending=self.batch_size * 2)
            try:
                await js.stream_info(self.stream)
            except nats.js.errors.NotFoundError:
                await js.add_stream(
                    StreamConfig(
                        name=self.stream,
                        subjects=["ordermill.>"],
                        duplicate_window=self.duplicate_window,
                    )
                )
        except (OSError, nats.errors.Error) as exc:
            await self.close()
            raise DeliveryFailed(f"NATS at {self.url}: {exc!r}") from None

    async def deliver(self, batch: list[Envelope]) -> list[dict[str, Any]]:
        js = self._js
        if self._nc is None or js is None or not self._nc.is_connected:
            raise DeliveryFailed("not connected to NATS")
        futures: list[asyncio.Future[Any]] = []
        try:
            for envelope in batch:
                headers = {**_HEADERS, "Nats-Msg-Id": envelope.id}
                futures.append(
                    await js.publish_async(envelope.type, envelope.body, headers=headers)
                )
            await asyncio.wait_for(asyncio.gather(*futures), self.ack_timeout)
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            for future in futures:
                future.cancel()
            raise DeliveryFailed(f"publishing to NATS: {exc!r}") from None
        return []

    async def close(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(OSError, nats.errors.Error):
                await nc.close()
