"""Request and response bodies of the REST API (Pydantic, at the edge only).

Responses come in two audiences with explicit fields each. Staff models show everything an
operator acts on. Customer models are built by ``views.customer_order`` and friends, field by
field: a customer activity has no ``customer_notified`` flag because only notified activities
are ever put in one, status history has no free-text ``reason`` (staff write it), and internal
ids and inventory details are absent. A column added to a record therefore reaches customers
only when someone adds it to a customer model here.

Money is a decimal string in both directions (requests may also give whole numbers;
responses write at least two decimals, "12.50"); a JSON float is refused, since binary
floats cannot hold cents exactly.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

from ordermill.domain.actor import Actor
from ordermill.domain.new_order import ADDRESS_MAX_LENGTHS
from ordermill.domain.order_file import money_text
from ordermill.orders.activities import MESSAGE_MAX
from ordermill.orders.stock import MAX_STOCK

__all__ = [
    "MAX_ORDER_LINES",
    "AddActivityRequest",
    "AddressIn",
    "AddressView",
    "CancelOrderRequest",
    "CreateShipmentRequest",
    "Money",
    "NewOrderLine",
    "OrderPage",
    "PlaceOrderRequest",
    "SetStockRequest",
    "ShipmentItemView",
    "ShipmentLineIn",
    "ShipmentList",
    "ShipmentView",
    "StaffActivity",
    "StaffActivityList",
    "StaffOrder",
    "StaffOrderItem",
    "StaffOrderSummary",
    "StaffStatusChange",
    "StatusCode",
    "StatusUpdateRequest",
    "StockResponse",
    "UpdateShipmentRequest",
]

MAX_ORDER_LINES = 500
_NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL: refuse it at the door
# Refused as the services refuse it: blank text where a value is required, an email without @.
_NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"
_EMAIL = r"^[^\x00]*@[^\x00]*$"
# A JSON integer: 3341.0 is refused although JSON Schema calls it an integer too.
_WHOLE = "A whole number written without a fraction (3341.0 is refused)"


Text = Annotated[str, StringConstraints(pattern=_NO_NUL)]
Name255 = Annotated[str, StringConstraints(max_length=255, pattern=_NO_NUL)]
MoneyString = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,8}(\.[0-9]{1,4})?$"),
    Field(description="A decimal amount as a string, at most 4 decimal places", examples=["9.90"]),
]
Money = MoneyString | Annotated[StrictInt, Field(ge=0, le=99_999_999)]
StatusCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")
]


# Amounts answer as the CLI, the export and the README write them: at least two
# decimals, none that are zero past them ("12.50", not the database's "12.5000").
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(money_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2,}$", "examples": ["12.50"]}),
]

_AUTHORIZED = "The payment ledger's authorizations and sales (see /orders/{uuid}/payments)"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True)


# -- requests -----------------------------------------------------------------


class NewOrderLine(_Request):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_NOT_BLANK)]
    qty: Annotated[StrictInt, Field(ge=1, le=1_000_000, description=_WHOLE)]
    price: Money
    name: Name255 | None = None
    product_id: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    requires_shipping: StrictBool = True


def _address_field(name: str) -> Any:
    """An optional address field, as long as the domain allows (``ADDRESS_MAX_LENGTHS``)."""
    return Field(default=None, max_length=ADDRESS_MAX_LENGTHS[name])


class AddressIn(_Request):
    full_name: Text | None = _address_field("full_name")
    address_1: Text | None = _address_field("address_1")
    address_2: Text | None = _address_field("address_2")
    city: Text | None = _address_field("city")
    province: Text | None = _address_field("province")
    country: Text | None = _address_field("country")
    postcode: Text | None = _address_field("postcode")
    telephone: Text | None = _address_field("telephone")


class PlaceOrderRequest(_Request):
    items: Annotated[list[NewOrderLine], Field(min_length=1, max_length=MAX_ORDER_LINES)]
    customer_email: Annotated[str, StringConstraints(min_length=3, max_length=255, pattern=_EMAIL)]
    customer_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1)] | None = None
    customer_full_name: Name255 | None = None
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = None
    shipping_fee: Money = "0"
    tax_amount: Money = "0"
    discount_amount: Money = "0"
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] = "USD"
    payment_method: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    shipping_method: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    external_reference: Name255 | None = None


class StatusUpdateRequest(_Request):
    status: StatusCode


class CancelOrderRequest(_Request):
    reason: Annotated[str, StringConstraints(max_length=255, pattern=_NO_NUL)] | None = None


class ShipmentLineIn(_Request):
    order_item_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1, description=_WHOLE)]
    qty: Annotated[StrictInt, Field(ge=1, le=1_000_000, description=_WHOLE)]


class CreateShipmentRequest(_Request):
    carrier: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    tracking_number: Annotated[str, StringConstraints(max_length=128, pattern=_NO_NUL)] | None = (
        None
    )
    items: (
        Annotated[list[ShipmentLineIn], Field(min_length=1, max_length=MAX_ORDER_LINES)] | None
    ) = Field(
        default=None, description="Lines and quantities to ship; all unshipped ones if absent"
    )


class UpdateShipmentRequest(_Request):
    """Only the fields present are changed; ``null`` clears a field."""

    carrier: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    tracking_number: Annotated[str, StringConstraints(max_length=128, pattern=_NO_NUL)] | None = (
        None
    )


class AddActivityRequest(_Request):
    message: Annotated[
        str, StringConstraints(min_length=1, max_length=MESSAGE_MAX, pattern=_NOT_BLANK)
    ]
    customer_notified: StrictBool = False


class SetStockRequest(_Request):
    qty: Annotated[StrictInt, Field(ge=0, le=MAX_STOCK, description=_WHOLE)]
    manage_stock: StrictBool = True


# -- responses shared by both audiences -------------------------------------------


class AddressView(_Response):
    full_name: str | None
    address_1: str | None
    address_2: str | None
    city: str | None
    province: str | None
    country: str | None
    postcode: str | None
    telephone: str | None


class ShipmentItemView(_Response):
    order_item_id: int
    qty: int


class ShipmentView(_Response):
    uuid: str
    status: str
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None = Field(description="The carrier's page for this number, or null")
    shipped_at: datetime | None
    delivered_at: datetime | None
    canceled_at: datetime | None
    created_at: datetime
    items: list[ShipmentItemView]


class ShipmentList(_Response):
    items: list[ShipmentView]


class StockResponse(_Response):
    sku: str
    qty: int
    manage_stock: bool


# -- staff responses ----------------------------------------------------------------


class StaffOrderItem(_Response):
    order_item_id: int
    sku: str
    name: str | None
    product_id: str | None
    qty: int
    unit_price: MoneyOut
    line_total: MoneyOut
    requires_shipping: bool
    qty_restocked: int
    qty_refunded: int
    qty_shipped: int | None
    qty_delivered: int | None
    qty_returned: int | None


class ActorView(_Response):
    """Who made a change: a staff token (its id and name as of then), a customer, an API
    client, the import, the command line or the system."""

    kind: Literal["staff", "customer", "api_client", "import", "cli", "system"]
    id: str | None
    name: str

    @classmethod
    def of(cls, actor: Actor) -> ActorView:
        return cls(kind=actor.kind, id=actor.id, name=actor.name)


class StaffActivity(_Response):
    activity_id: int
    message: str
    customer_notified: bool
    created_at: datetime
    actor: ActorView


class StaffActivityList(_Response):
    items: list[StaffActivity]


class StaffStatusChange(_Response):
    field: str
    from_status: str | None
    to_status: str
    reason: str | None
    changed_at: datetime
    actor: ActorView


class StaffOrderSummary(_Response):
    order_id: int
    uuid: str
    order_number: str
    external_reference: str | None
    customer_id: int | None
    customer_email: str
    customer_full_name: str | None
    currency: str
    sub_total: MoneyOut
    tax_amount: MoneyOut
    shipping_fee: MoneyOut
    discount_amount: MoneyOut
    grand_total: MoneyOut
    payment_method: str | None
    shipping_method: str | None
    payment_status: str
    shipment_status: str
    status: str
    is_cancelable: bool = Field(description="Whether the order may be canceled now")
    created_at: datetime
    updated_at: datetime
    amount_authorized: Decimal = Field(description=_AUTHORIZED)
    amount_captured: Decimal
    amount_refunded: Decimal
    net_paid: Decimal = Field(description="Captured minus refunded")
    balance_due: Decimal = Field(description="The grand total minus the net paid")


class StaffOrder(StaffOrderSummary):
    items: list[StaffOrderItem]
    shipping_address: AddressView | None
    billing_address: AddressView | None
    shipments: list[ShipmentView]
    activities: list[StaffActivity]
    history: list[StaffStatusChange]


class OrderPage(_Response):
    items: list[StaffOrderSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )
