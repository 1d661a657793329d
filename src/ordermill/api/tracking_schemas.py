"""Request and response bodies of guest tracking: the link (``/orders/{uuid}/tracking-link``,
admin) and the public order view (``/track/{token}``, no authentication).

``TrackedOrder`` is built field by field from ``domain.tracking.TrackedOrder``, which
decides what a guest sees: no price, no e-mail, no internal note, of the address only
the city and country.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ordermill.domain import tracking as _domain

__all__ = [
    "TrackedActivityView",
    "TrackedItemView",
    "TrackedOrderView",
    "TrackedShipmentView",
    "TrackingLinkRequest",
    "TrackingLinkView",
    "tracked_order_view",
]


class TrackingLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    expires_at: AwareDatetime | None = Field(
        default=None,
        description="When the link stops working (with a time zone, in the future);"
        " absent or null: it works until revoked or rotated",
    )


class TrackingLinkView(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_uuid: str
    url: str | None = Field(
        description="The guest tracking page, to send to the customer. Shown in this response"
        " only (the server keeps a hash): null in a replay of the same Idempotency-Key and"
        " when reading the link"
    )
    token: str | None = Field(description="The token the URL ends with; null as `url` is")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TrackedItemView(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    qty: int


class TrackedShipmentView(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    status: str
    status_name: str
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    items: list[TrackedItemView]


class TrackedActivityView(BaseModel):
    model_config = ConfigDict(frozen=True)

    message: str
    created_at: datetime


class TrackedOrderView(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_number: str
    status: str
    status_name: str
    shipment_status: str
    placed_at: datetime
    city: str | None
    country: str | None
    items: list[TrackedItemView]
    shipments: list[TrackedShipmentView]
    activities: list[TrackedActivityView] = Field(
        description="The notes the customer was notified of, newest first"
    )


def _items(items: tuple[_domain.TrackedItem, ...]) -> list[TrackedItemView]:
    return [TrackedItemView(name=i.name, qty=i.qty) for i in items]


def tracked_order_view(value: _domain.TrackedOrder) -> TrackedOrderView:
    return TrackedOrderView(
        order_number=value.order_number,
        status=value.status,
        status_name=value.status_name,
        shipment_status=value.shipment_status,
        placed_at=value.placed_at,
        city=value.city,
        country=value.country,
        items=_items(value.items),
        shipments=[
            TrackedShipmentView(
                number=s.number,
                status=s.status,
                status_name=s.status_name,
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                tracking_url=s.tracking_url,
                shipped_at=s.shipped_at,
                delivered_at=s.delivered_at,
                items=_items(s.items),
            )
            for s in value.shipments
        ],
        activities=[
            TrackedActivityView(message=a.message, created_at=a.created_at)
            for a in value.activities
        ],
    )
