"""A new order: the command that places it, and the rules that check it before any write.

``PlaceOrder`` carries ``place_order``'s arguments from every adapter (the library, the
REST route, an import row) to ``validate_new_order``, which checks each value once and
returns a ``NewOrder``: every amount an exact Decimal, every total computed. Pure: the
same rules run for one order and for each row of an import, before anything is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from ordermill.domain.change import ChangePlan
from ordermill.domain.errors import InsufficientStock, InvalidOrder
from ordermill.domain.events import ORDER_PLACED
from ordermill.domain.text import unstorable

__all__ = [
    "ADDRESS_FIELDS",
    "ADDRESS_MAX_LENGTHS",
    "ORDER_CREATED",
    "PLACE_ORDER_FIELDS",
    "NewLine",
    "NewOrder",
    "PlaceOrder",
    "Placement",
    "check_stock",
    "to_money",
    "validate_new_order",
]

ORDER_CREATED = "Order created"
_CENT = Decimal("0.0001")
_MAX_MONEY = Decimal("99999999.9999")  # NUMERIC(12, 4)
# The fields of a shipping or billing address and the longest value each holds (in
# characters), declared once: the library's validation, the API's request schema (and so
# the OpenAPI contract) and the import all check these, and the address table's columns
# have these lengths (a test compares them), so both databases store the same values.
ADDRESS_MAX_LENGTHS: Mapping[str, int] = MappingProxyType(
    {
        "full_name": 255,
        "address_1": 255,
        "address_2": 255,
        "city": 128,
        "province": 128,
        "country": 64,
        "postcode": 32,
        "telephone": 64,
    }
)
# The fields of a shipping or billing address, everywhere an address is read or written.
ADDRESS_FIELDS = tuple(ADDRESS_MAX_LENGTHS)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewLine:
    sku: str
    qty: int
    price: Decimal
    name: str | None
    product_id: str | None
    requires_shipping: bool

    @property
    def line_total(self) -> Decimal:
        return self.price * self.qty


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOrder:
    """An order that passed validation: every amount a Decimal, every total computed."""

    lines: tuple[NewLine, ...]
    customer_email: str
    customer_id: int | None
    customer_full_name: str | None
    shipping_address: dict[str, str | None] | None
    billing_address: dict[str, str | None] | None
    shipping_fee: Decimal
    tax_amount: Decimal
    discount_amount: Decimal
    currency: str
    payment_method: str | None
    shipping_method: str | None
    external_reference: str | None

    @property
    def sub_total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal(0))

    @property
    def grand_total(self) -> Decimal:
        return self.sub_total + self.tax_amount + self.shipping_fee - self.discount_amount

    def stock_needed(self) -> dict[str, int]:
        needed: Counter[str] = Counter()
        for line in self.lines:
            needed[line.sku] += line.qty
        return dict(needed)


def to_money(value: object, field: str) -> Decimal:
    """A money amount from str, int or Decimal; floats are refused (they are not exact)."""
    if isinstance(value, float):
        raise InvalidOrder(
            f"{field}: {value!r} is a float; pass money as a string, int or Decimal"
            " (floats cannot hold cents exactly)",
            field=field,
            value=repr(value),
        )
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidOrder(
                f"{field}: {value!r} is not a decimal amount", field=field, value=str(value)
            ) from None
    else:
        raise InvalidOrder(
            f"{field}: {value!r} is not a money amount (str, int or Decimal)",
            field=field,
            value=repr(value),
        )
    if not amount.is_finite():
        raise InvalidOrder(f"{field}: {value!r} is not a finite amount", field=field)
    if amount < 0:
        raise InvalidOrder(f"{field}: {amount} is negative", field=field, value=str(amount))
    if amount != amount.quantize(_CENT):
        raise InvalidOrder(
            f"{field}: {amount} has more than 4 decimal places", field=field, value=str(amount)
        )
    if amount > _MAX_MONEY:
        raise InvalidOrder(f"{field}: {amount} is too large", field=field, value=str(amount))
    return amount


def _text(value: object, field: str, *, max_len: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InvalidOrder(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidOrder(f"{field}: {value!r} is not a string", field=field)
    text = value.strip()
    if required and not text:
        raise InvalidOrder(f"{field} must not be empty", field=field)
    if len(text) > max_len:
        raise InvalidOrder(f"{field} is longer than {max_len} characters", field=field)
    if bad := unstorable(text):
        raise InvalidOrder(f"{field} contains {bad}", field=field)
    return text or None


def _line(index: int, raw: object) -> NewLine:
    where = f"items[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidOrder(f"{where}: expected an object with sku, qty and price", field=where)
    unknown = set(raw) - {"sku", "qty", "price", "name", "product_id", "requires_shipping"}
    if unknown:
        raise InvalidOrder(f"{where}: unknown keys {sorted(unknown)}", field=where)
    sku = _text(raw.get("sku"), f"{where}.sku", max_len=64, required=True)
    assert sku is not None
    qty = raw.get("qty")
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise InvalidOrder(
            f"{where}.qty: {qty!r} is not a positive integer (sku {sku})",
            field=f"{where}.qty",
            sku=sku,
        )
    if "price" not in raw:
        raise InvalidOrder(f"{where}.price is required (sku {sku})", field=f"{where}.price")
    price = to_money(raw["price"], f"{where}.price")
    requires_shipping = raw.get("requires_shipping", True)
    if not isinstance(requires_shipping, bool):
        raise InvalidOrder(f"{where}.requires_shipping must be true or false", field=where)
    product_id = raw.get("product_id")
    return NewLine(
        sku=sku,
        qty=qty,
        price=price,
        name=_text(raw.get("name"), f"{where}.name", max_len=255),
        product_id=None if product_id is None else str(product_id),
        requires_shipping=requires_shipping,
    )


def _address(raw: object, field: str) -> dict[str, str | None] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidOrder(f"{field}: expected an object", field=field)
    unknown = set(raw) - set(ADDRESS_FIELDS)
    if unknown:
        raise InvalidOrder(
            f"{field}: unknown keys {sorted(unknown)}; allowed: {', '.join(ADDRESS_FIELDS)}",
            field=field,
        )
    return {
        k: _text(raw.get(k), f"{field}.{k}", max_len=limit)
        for k, limit in ADDRESS_MAX_LENGTHS.items()
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder:
    """The command to place an order: ``place_order``'s arguments, as every adapter gives them.

    Values are as received (money as str, int or Decimal; addresses as mappings);
    ``validate_new_order`` checks them. Field names are those of EverShop's OMS module services.
    """

    items: Sequence[Mapping[str, Any]]
    customer_email: str
    customer_id: int | None = None
    customer_full_name: str | None = None
    shipping_address: Mapping[str, Any] | None = None
    billing_address: Mapping[str, Any] | None = None
    shipping_fee: object = 0
    tax_amount: object = 0
    discount_amount: object = 0
    currency: str = "USD"
    payment_method: str | None = None
    shipping_method: str | None = None
    external_reference: str | None = None


# The command's fields: what an order file's record may carry to ``place_order``.
PLACE_ORDER_FIELDS = frozenset(f.name for f in fields(PlaceOrder))


def validate_new_order(command: PlaceOrder) -> NewOrder:
    """Check an order to place; raise ``InvalidOrder`` naming the first bad value."""
    if (
        isinstance(command.items, (str, bytes))
        or not isinstance(command.items, Sequence)
        or not command.items
    ):
        raise InvalidOrder("items: an order needs at least one line", field="items")
    lines = tuple(_line(i, raw) for i, raw in enumerate(command.items))
    email = _text(command.customer_email, "customer_email", max_len=255, required=True)
    assert email is not None
    if "@" not in email:
        raise InvalidOrder(f"customer_email: {email!r} is not an email address", field="email")
    if command.customer_id is not None and (
        isinstance(command.customer_id, bool)
        or not isinstance(command.customer_id, int)
        or command.customer_id <= 0
    ):
        raise InvalidOrder(
            f"customer_id: {command.customer_id!r} is not a positive integer", field="customer_id"
        )
    if (
        not isinstance(command.currency, str)
        or len(command.currency) != 3
        or not command.currency.isalpha()
    ):
        raise InvalidOrder(
            f"currency: {command.currency!r} is not a 3-letter ISO 4217 code", field="currency"
        )
    new = NewOrder(
        lines=lines,
        customer_email=email,
        customer_id=command.customer_id,
        customer_full_name=_text(command.customer_full_name, "customer_full_name", max_len=255),
        shipping_address=_address(command.shipping_address, "shipping_address"),
        billing_address=_address(command.billing_address, "billing_address"),
        shipping_fee=to_money(command.shipping_fee, "shipping_fee"),
        tax_amount=to_money(command.tax_amount, "tax_amount"),
        discount_amount=to_money(command.discount_amount, "discount_amount"),
        currency=command.currency.upper(),
        payment_method=_text(command.payment_method, "payment_method", max_len=64),
        shipping_method=_text(command.shipping_method, "shipping_method", max_len=64),
        external_reference=_text(command.external_reference, "external_reference", max_len=255),
    )
    if new.grand_total < 0:
        raise InvalidOrder(
            f"discount_amount: {new.discount_amount} exceeds the order's total before discount"
            f" ({new.grand_total + new.discount_amount})",
            field="discount_amount",
        )
    if new.sub_total > _MAX_MONEY or new.grand_total > _MAX_MONEY:
        raise InvalidOrder("the order total is too large", field="items")
    return new


@dataclass(frozen=True, slots=True)
class Placement:
    """The decision to place a validated order: its first statuses, and what is written.

    Built before the transaction. ``db.placement.write_placement`` inserts the order and
    its lines, then writes ``plan``: the first history, activity and event go through
    the same write plan (``ChangePlan``) as every later change of the order.
    """

    order: NewOrder
    payment_status: str
    shipment_status: str
    status: str
    reason: str = "order placed"

    def plan(
        self, order_id: int, uuid: str, order_number: str, item_ids: Sequence[int], now: datetime
    ) -> ChangePlan:
        """The history of every status from nothing, "Order created", ``ordermill.order.placed``
        (``item_ids``: the ids of the written lines, in line order)."""
        return ChangePlan(
            order_id,
            now,
            reason=self.reason,
            history=[
                ("payment", None, self.payment_status),
                ("shipment", None, self.shipment_status),
                ("order", None, self.status),
            ],
            activities=[(ORDER_CREATED, False)],
            events=[
                (ORDER_PLACED, self.event_payload(order_id, uuid, order_number, item_ids)),
            ],
        )

    def event_payload(
        self, order_id: int, uuid: str, order_number: str, item_ids: Sequence[int]
    ) -> dict[str, Any]:
        """The ``ordermill.order.placed`` payload (``domain.events``); ``item_ids`` are the
        ids of the written lines, in line order."""
        new = self.order
        return {
            "order_id": order_id,
            "order_uuid": uuid,
            "order_number": order_number,
            "customer_id": new.customer_id,
            "customer_email": new.customer_email,
            "grand_total": str(new.grand_total),
            "currency": new.currency,
            "payment_status": self.payment_status,
            "shipment_status": self.shipment_status,
            "status": self.status,
            "items": [
                {
                    "order_item_id": item_id,
                    "sku": line.sku,
                    "qty": line.qty,
                    "price": str(line.price),
                }
                for item_id, line in zip(item_ids, new.lines, strict=True)
            ],
        }


def check_stock(needed: Mapping[str, int], available: Mapping[str, int]) -> None:
    """Raise ``InsufficientStock`` naming every managed SKU (``available``) that is short."""
    short = [(sku, needed[sku], have) for sku, have in available.items() if have < needed[sku]]
    if short:
        described = "; ".join(
            f"{sku}: {want} requested, {have} in stock" for sku, want, have in short
        )
        raise InsufficientStock(
            f"Insufficient stock for {described}",
            skus=[{"sku": s, "requested": w, "available": h} for s, w, h in short],
        )
