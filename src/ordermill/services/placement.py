"""Placing an order: validate every line, take stock, write the order, in one transaction.

``validate_new_order`` is separate from the write so that bulk imports check
each row with exactly the same rules before writing anything.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.locks import lock_inventory
from ordermill.db.tables import (
    activity,
    address,
    customer,
    inventory,
    order,
    order_item,
    order_number_seq,
    status_history,
    utcnow,
)
from ordermill.errors import InsufficientStock, InvalidOrder
from ordermill.records import Order
from ordermill.services.context import Context
from ordermill.services.outbox import Event, append_events
from ordermill.services.text import unstorable
from ordermill.status import resolve_order_status

__all__ = ["ADDRESS_FIELDS", "NewLine", "NewOrder", "place_order", "validate_new_order"]

ORDER_CREATED = "Order created"
_CENT = Decimal("0.0001")
_MAX_MONEY = Decimal("99999999.9999")  # NUMERIC(12, 4)
# The fields of a shipping or billing address, everywhere an address is read or written.
ADDRESS_FIELDS = (
    "full_name",
    "address_1",
    "address_2",
    "city",
    "province",
    "country",
    "postcode",
    "telephone",
)
_FIRST_ORDER_NUMBER = 10001


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
    return {k: _text(raw.get(k), f"{field}.{k}", max_len=255) for k in ADDRESS_FIELDS}


def validate_new_order(
    *,
    items: Sequence[Mapping[str, Any]],
    customer_email: str,
    customer_id: int | None = None,
    customer_full_name: str | None = None,
    shipping_address: Mapping[str, Any] | None = None,
    billing_address: Mapping[str, Any] | None = None,
    shipping_fee: object = 0,
    tax_amount: object = 0,
    discount_amount: object = 0,
    currency: str = "USD",
    payment_method: str | None = None,
    shipping_method: str | None = None,
    external_reference: str | None = None,
) -> NewOrder:
    """Check an order to place; raise ``InvalidOrder`` naming the first bad value."""
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence) or not items:
        raise InvalidOrder("items: an order needs at least one line", field="items")
    lines = tuple(_line(i, raw) for i, raw in enumerate(items))
    email = _text(customer_email, "customer_email", max_len=255, required=True)
    assert email is not None
    if "@" not in email:
        raise InvalidOrder(f"customer_email: {email!r} is not an email address", field="email")
    if customer_id is not None and (
        isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0
    ):
        raise InvalidOrder(
            f"customer_id: {customer_id!r} is not a positive integer", field="customer_id"
        )
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise InvalidOrder(
            f"currency: {currency!r} is not a 3-letter ISO 4217 code", field="currency"
        )
    new = NewOrder(
        lines=lines,
        customer_email=email,
        customer_id=customer_id,
        customer_full_name=_text(customer_full_name, "customer_full_name", max_len=255),
        shipping_address=_address(shipping_address, "shipping_address"),
        billing_address=_address(billing_address, "billing_address"),
        shipping_fee=to_money(shipping_fee, "shipping_fee"),
        tax_amount=to_money(tax_amount, "tax_amount"),
        discount_amount=to_money(discount_amount, "discount_amount"),
        currency=currency.upper(),
        payment_method=_text(payment_method, "payment_method", max_len=64),
        shipping_method=_text(shipping_method, "shipping_method", max_len=64),
        external_reference=_text(external_reference, "external_reference", max_len=255),
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


def order_number_expression(dialect: str) -> sa.ColumnElement[str]:
    """The next order number, unique under concurrency, computed inside the INSERT.

    PostgreSQL takes it from a sequence (an import moves it past the numbers it
    brings). SQLite serialises writers (BEGIN IMMEDIATE), so the number can be
    derived from what is there: the largest id plus the base, or one past the
    latest order's number if that is larger. Only when that is already taken (an
    import brought it) does it look for one past the largest numeric number, a
    scan paid once: the next order follows the one it numbered.
    """
    if dialect == "postgresql":
        return sa.cast(order_number_seq.next_value(), sa.String)
    return _SQLITE_ORDER_NUMBER


def _sqlite_order_number() -> sa.ColumnElement[str]:
    largest_id = sa.select(sa.func.coalesce(sa.func.max(order.c.order_id), 0)).scalar_subquery()
    latest_number = (
        sa.select(sa.cast(order.c.order_number, sa.Integer))
        .where(order.c.order_id == largest_id)
        .scalar_subquery()
    )
    # SQLite's max() with two arguments is the larger of the two.
    candidate = sa.func.max(
        largest_id + _FIRST_ORDER_NUMBER, sa.func.coalesce(latest_number, 0) + 1
    )
    taken = sa.exists().where(order.c.order_number == sa.cast(candidate, sa.String))
    past_every_number = sa.select(
        sa.func.coalesce(sa.func.max(sa.cast(order.c.order_number, sa.Integer)), 0) + 1
    ).scalar_subquery()
    return sa.cast(sa.case((taken, past_every_number), else_=candidate), sa.String)


_SQLITE_ORDER_NUMBER = _sqlite_order_number()


def take_stock(conn: Connection, needed: Mapping[str, int]) -> None:
    """Decrement managed stock for these SKU quantities, or raise InsufficientStock.

    SKUs without an inventory row, or with ``manage_stock`` off, are unmanaged.
    """
    locked = lock_inventory(conn, needed)
    managed = {sku: row for sku, row in locked.items() if row.manage_stock}
    short = [(sku, needed[sku], row.qty) for sku, row in managed.items() if row.qty < needed[sku]]
    if short:
        described = "; ".join(
            f"{sku}: {want} requested, {have} in stock" for sku, want, have in short
        )
        raise InsufficientStock(
            f"Insufficient stock for {described}",
            skus=[{"sku": s, "requested": w, "available": h} for s, w, h in short],
        )
    if managed:
        conn.execute(
            inventory.update()
            .where(inventory.c.sku == sa.bindparam("b_sku"))
            .values(qty=inventory.c.qty - sa.bindparam("b_qty"), updated_at=utcnow()),
            [{"b_sku": sku, "b_qty": needed[sku]} for sku in sorted(managed)],
        )


def upsert_customers(
    conn: Connection, dialect: str, customers: Iterable[Mapping[str, Any]]
) -> None:
    """Create the customer records not seen before; existing ones are left as they are."""
    values = [dict(c) for c in customers]
    if not values:
        return
    insert = postgresql.insert(customer) if dialect == "postgresql" else sqlite.insert(customer)
    conn.execute(insert.on_conflict_do_nothing(index_elements=["customer_id"]), values)


def place_order(
    ctx: Context,
    *,
    items: Sequence[Mapping[str, Any]],
    customer_email: str,
    customer_id: int | None = None,
    customer_full_name: str | None = None,
    shipping_address: Mapping[str, Any] | None = None,
    billing_address: Mapping[str, Any] | None = None,
    shipping_fee: object = 0,
    tax_amount: object = 0,
    discount_amount: object = 0,
    currency: str = "USD",
    payment_method: str | None = None,
    shipping_method: str | None = None,
    external_reference: str | None = None,
    conn: Connection | None = None,
) -> Order:
    new = validate_new_order(
        items=items,
        customer_email=customer_email,
        customer_id=customer_id,
        customer_full_name=customer_full_name,
        shipping_address=shipping_address,
        billing_address=billing_address,
        shipping_fee=shipping_fee,
        tax_amount=tax_amount,
        discount_amount=discount_amount,
        currency=currency,
        payment_method=payment_method,
        shipping_method=shipping_method,
        external_reference=external_reference,
    )
    config = ctx.config
    payment_status = config.default_payment_status
    shipment_status = config.default_shipment_status
    status = resolve_order_status(config, payment_status, shipment_status)
    now = utcnow()
    with ctx.transaction(conn) as tx:
        take_stock(tx, new.stock_needed())
        if new.customer_id is not None:
            upsert_customers(
                tx,
                ctx.dialect,
                [
                    {
                        "customer_id": new.customer_id,
                        "email": new.customer_email,
                        "full_name": new.customer_full_name,
                        "created_at": now,
                    }
                ],
            )
        order_row = tx.execute(
            order.insert()
            .values(
                uuid=str(uuid_lib.uuid4()),
                order_number=order_number_expression(ctx.dialect),
                external_reference=new.external_reference,
                customer_id=new.customer_id,
                customer_email=new.customer_email,
                customer_full_name=new.customer_full_name,
                currency=new.currency,
                sub_total=new.sub_total,
                tax_amount=new.tax_amount,
                shipping_fee=new.shipping_fee,
                discount_amount=new.discount_amount,
                grand_total=new.grand_total,
                payment_method=new.payment_method,
                shipping_method=new.shipping_method,
                payment_status=payment_status,
                shipment_status=shipment_status,
                status=status,
                created_at=now,
                updated_at=now,
            )
            .returning(*order.c)
        ).one()
        order_id = order_row.order_id
        item_rows = tx.execute(
            order_item.insert().returning(*order_item.c, sort_by_parameter_order=True),
            [
                {
                    "order_id": order_id,
                    "sku": line.sku,
                    "name": line.name,
                    "product_id": line.product_id,
                    "qty": line.qty,
                    "unit_price": line.price,
                    "line_total": line.line_total,
                    "requires_shipping": line.requires_shipping,
                    "qty_restocked": 0,
                }
                for line in new.lines
            ],
        ).all()
        addresses = [
            {"order_id": order_id, "kind": kind, **values}
            for kind, values in (
                ("shipping", new.shipping_address),
                ("billing", new.billing_address),
            )
            if values is not None
        ]
        if addresses:
            tx.execute(address.insert(), addresses)
        tx.execute(
            activity.insert(),
            {
                "order_id": order_id,
                "message": ORDER_CREATED,
                "customer_notified": False,
                "created_at": now,
            },
        )
        tx.execute(
            status_history.insert(),
            [
                {
                    "order_id": order_id,
                    "field": field,
                    "from_status": None,
                    "to_status": value,
                    "reason": "order placed",
                    "changed_at": now,
                }
                for field, value in (
                    ("payment", payment_status),
                    ("shipment", shipment_status),
                    ("order", status),
                )
            ],
        )
        append_events(
            tx,
            [
                Event(
                    "order_placed",
                    order_id,
                    {
                        "order_id": order_id,
                        "uuid": str(order_row.uuid),
                        "order_number": order_row.order_number,
                        "customer_id": new.customer_id,
                        "customer_email": new.customer_email,
                        "grand_total": str(new.grand_total),
                        "currency": new.currency,
                    },
                )
            ],
        )
    return rows.order_from_row(order_row, items=tuple(rows.item_from_row(r) for r in item_rows))
