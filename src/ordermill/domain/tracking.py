"""Guest tracking: the link's token, and what a guest holding it may see of an order.

The token is ``secrets.token_urlsafe(32)`` (256 random bits); only its SHA-256 is stored,
as for API tokens, so a copy of the database gives no usable link. A SHA-256, not a slow
password hash, is enough because the token is random, not chosen by a person.

``tracked_order`` is the one place that decides what the public page and its JSON show:
the order number and status, the items (names and quantities, no prices), the shipments
with carrier and tracking URL, the activities the customer was notified of (never an
internal note), and of the shipping address only the city and country.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from ordermill.domain.carriers import find_carrier, tracking_url
from ordermill.domain.config import Config
from ordermill.domain.errors import InvalidInput
from ordermill.domain.records import Order

__all__ = [
    "TrackedActivity",
    "TrackedItem",
    "TrackedOrder",
    "TrackedShipment",
    "check_expiry",
    "hash_token",
    "new_token",
    "token_shape_ok",
    "tracked_order",
]

_TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_shape_ok(token: object) -> bool:
    """Whether ``token`` could be one of ours (a malformed one is looked up all the same,
    as a wrong one is: see ``orders.tracking``)."""
    return isinstance(token, str) and _TOKEN_SHAPE.fullmatch(token) is not None


def check_expiry(expires_at: object, now: datetime) -> datetime | None:
    """``expires_at`` if it is None or an aware datetime after ``now``, else InvalidInput."""
    if expires_at is None:
        return None
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise InvalidInput(
            f"expires_at: {expires_at!r} is not a date and time with a time zone",
            field="expires_at",
        )
    if expires_at <= now:
        raise InvalidInput(
            f"expires_at: {expires_at.isoformat()} is not in the future", field="expires_at"
        )
    return expires_at


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedItem:
    name: str
    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedShipment:
    number: int
    status: str
    status_name: str
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    items: tuple[TrackedItem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedActivity:
    message: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedOrder:
    order_number: str
    status: str
    status_name: str
    shipment_status: str
    placed_at: datetime
    city: str | None
    country: str | None
    items: tuple[TrackedItem, ...]
    shipments: tuple[TrackedShipment, ...]
    activities: tuple[TrackedActivity, ...]  # newest first


def tracked_order(order: Order, config: Config) -> TrackedOrder:
    """What a guest sees of ``order`` (loaded with items, shipping address, shipments and
    activities)."""
    names = {i.order_item_id: i.name or i.sku for i in order.items or ()}
    statuses = config.shipment_statuses
    shipments = tuple(
        TrackedShipment(
            number=number,
            status=s.status,
            status_name=statuses[s.status].name if s.status in statuses else s.status,
            carrier=_carrier_name(config, s.carrier),
            tracking_number=s.tracking_number,
            tracking_url=tracking_url(config.carriers, s.carrier, s.tracking_number),
            shipped_at=s.shipped_at,
            delivered_at=s.delivered_at,
            items=tuple(
                TrackedItem(name=names.get(si.order_item_id, "item"), qty=si.qty) for si in s.items
            ),
        )
        for number, s in enumerate(order.shipments or (), start=1)
    )
    visible = [a for a in order.activities or () if a.customer_notified]
    visible.sort(key=lambda a: (a.created_at, a.activity_id), reverse=True)
    address = order.shipping_address
    status = config.order_statuses.get(order.status)
    return TrackedOrder(
        order_number=order.order_number,
        status=order.status,
        status_name=status.name if status else order.status,
        shipment_status=order.shipment_status,
        placed_at=order.created_at,
        city=address.city if address else None,
        country=address.country if address else None,
        items=tuple(TrackedItem(name=i.name or i.sku, qty=i.qty) for i in order.items or ()),
        shipments=shipments,
        activities=tuple(
            TrackedActivity(message=a.message, created_at=a.created_at) for a in visible
        ),
    )


def _carrier_name(config: Config, carrier: str | None) -> str | None:
    found = find_carrier(config.carriers, carrier)
    return found.name if found else carrier
