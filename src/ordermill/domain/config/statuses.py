"""The status definitions: what a payment, shipment or order status is in the configuration,
and the status codes ordermill knows without configuration."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool, StrictStr

# Order-level shipment values derived from shipments. They need no configuration: a
# mapping key may name them and resolution accepts them even when they are not configured.
ROLLUP_WORDS: tuple[str, ...] = (
    "pending",
    "partially_shipped",
    "partially_delivered",
    "partially_canceled",
)

STATUS_CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")

ShipmentPhase = Literal["shipped", "delivered", "canceled"]


class StatusDef(BaseModel):
    """What every status has: a display name, a badge (a UI variant) and the default flag."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: StrictStr = Field(min_length=1)
    is_default: StrictBool = Field(
        default=False, validation_alias=AliasChoices("isDefault", "is_default")
    )
    badge: StrictStr = "default"


class PaymentStatusDef(StatusDef):
    # EverShop blocks a cancel only on an explicit false, hence the True default.
    is_cancelable: StrictBool = Field(
        default=True, validation_alias=AliasChoices("isCancelable", "is_cancelable")
    )


class ShipmentStatusDef(StatusDef):
    is_cancelable: StrictBool = Field(
        default=True, validation_alias=AliasChoices("isCancelable", "is_cancelable")
    )
    phase: ShipmentPhase | None = None


class OrderStatusDef(StatusDef):
    """An order status; ``next`` only orders the statuses (the flow), it is no allow-list."""

    next: tuple[StrictStr, ...]
