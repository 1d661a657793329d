"""Request and response bodies of ``/api/v1/webhooks`` (admin only).

A secret appears in exactly two responses, the creation and a rotation
(``WebhookWithSecret``); every other view of an endpoint leaves it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

__all__ = [
    "CreateWebhookRequest",
    "DeliveryList",
    "DeliveryView",
    "RedeliverRequest",
    "UpdateWebhookRequest",
    "WebhookList",
    "WebhookView",
    "WebhookWithSecret",
]

_NO_NUL = r"^[^\x00]*$"
EventPattern = Annotated[
    str,
    StringConstraints(min_length=1, max_length=255, pattern=r"^(\*|ordermill\.[^\x00]*)$"),
    Field(description="A glob over CloudEvent types: '*' or 'ordermill....'"),
]
Patterns = Annotated[list[EventPattern], Field(min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=255, pattern=_NO_NUL)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True)


class CreateWebhookRequest(_Request):
    url: Annotated[
        str, StringConstraints(min_length=1, max_length=2048, pattern=r"^https?://[^\x00]+$")
    ]
    events: Patterns = Field(examples=[["ordermill.order.*"]])
    description: Description | None = None
    allow_private_network: StrictBool = Field(
        default=False, description="Allow a URL resolving to loopback or private addresses"
    )


class UpdateWebhookRequest(_Request):
    enabled: StrictBool | None = Field(
        default=None, description="false stops deliveries; true resumes where they stopped"
    )
    disabled_reason: Description | None = Field(
        default=None, description="Why, when disabling (shown with the endpoint)"
    )
    events: Patterns | None = None
    description: Description | None = Field(default=None, description="null clears it")


class RedeliverRequest(_Request):
    event_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1, description="The outbox event id")]


class WebhookView(_Response):
    endpoint_id: int
    url: str
    description: str | None
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    created_at: datetime


class WebhookWithSecret(WebhookView):
    secret: str = Field(description="The signing secret (whsec_...): shown only in this response")


class WebhookList(_Response):
    items: list[WebhookView]


class DeliveryView(_Response):
    event_id: int
    event_uuid: str = Field(description="The CloudEvent id (the webhook-id header)")
    attempt: int = Field(description="0 for a manual redelivery")
    status_code: int | None
    latency_ms: float | None
    response_excerpt: str | None
    error: str | None
    attempted_at: datetime


class DeliveryList(_Response):
    items: list[DeliveryView]
