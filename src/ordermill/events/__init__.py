"""Delivery of the outbox: ``ordermill events relay`` and what it delivers to.

Every change writes its events to the ``event`` table in its own transaction
(``services/outbox.py``). The relay (``relay.py``) reads committed rows in commit-safe
order (``store.py``) and delivers each, at least once, as the same CloudEvents 1.0
JSON envelope (``envelope.py``) to NATS JetStream (``nats.py``), webhook endpoints
(``webhooks.py``, ``webhook_delivery.py``) and in-process subscribers
(``subscribers.py``)::

    from ordermill.events import subscriber

    @subscriber("ordermill.order.canceled")
    def refund(event: dict) -> None:  # the CloudEvent as a dict
        ...
"""

from __future__ import annotations

from ordermill.events.subscribers import subscriber

__all__ = ["subscriber"]
