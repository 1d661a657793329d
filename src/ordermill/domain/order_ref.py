"""How an order is named: an order reference is its id, uuid, order number or external
reference, tried in that order.

Every use case that takes an order takes an ``OrderRef``; ``order_ref_key`` says which
unique column it names, so no caller guesses whether a string is a uuid or a number.
"""

from __future__ import annotations

import uuid as uuid_lib
from typing import Literal

from ordermill.domain.errors import OrderNotFound
from ordermill.domain.text import unstorable

__all__ = [
    "OrderRef",
    "OrderRefColumn",
    "order_not_found",
    "order_ref_key",
    "order_ref_keys",
]

OrderRef = int | str
OrderRefColumn = Literal["order_id", "uuid", "order_number", "external_reference"]
_NUMBER_MAX = 32  # the order_number column's length
_REFERENCE_MAX = 255  # the external_reference column's length
_BIGINT_LIMIT = 2**63  # order ids are BIGINT on PostgreSQL (64-bit integers on SQLite)


def order_not_found(order_ref: object) -> OrderNotFound:
    return OrderNotFound(f"Order not found: {order_ref}", order=str(order_ref))


def order_ref_keys(order_ref: OrderRef) -> list[tuple[OrderRefColumn, int | str]]:
    """The unique columns and values that may name an order, in precedence order.

    An int is an order id. Text is tried as a uuid (when it parses as one) or an order
    number (when it is short enough), then as an external reference: a reference that
    looks like another order's uuid or number names that other order, never two. A
    caller tries the next pair only when the one before names no order, so a lookup by
    id, uuid or number costs what it always cost.

    Anything that can name no order raises ``OrderNotFound`` with the value, among them
    values no order column can hold (an id outside BIGINT, text with a NUL or an
    unpaired surrogate), which the database would refuse with an error of its own.
    """
    if isinstance(order_ref, bool):
        raise OrderNotFound(f"Order not found: {order_ref!r}", order=repr(order_ref))
    keys: list[tuple[OrderRefColumn, int | str]] = []
    if isinstance(order_ref, int):
        if -_BIGINT_LIMIT <= order_ref < _BIGINT_LIMIT:
            keys.append(("order_id", order_ref))
    elif isinstance(order_ref, str) and not unstorable(text := order_ref.strip()) and text:
        try:
            keys.append(("uuid", str(uuid_lib.UUID(text))))
        except ValueError:
            if len(text) <= _NUMBER_MAX:
                keys.append(("order_number", text))
        if len(text) <= _REFERENCE_MAX:
            keys.append(("external_reference", text))
    if not keys:
        raise OrderNotFound(f"Order not found: {order_ref!r}", order=str(order_ref))
    return keys


def order_ref_key(order_ref: OrderRef) -> tuple[OrderRefColumn, int | str]:
    """The first column and value ``order_ref_keys`` tries: the id, uuid or order number
    (or, for text that can be neither, the external reference)."""
    return order_ref_keys(order_ref)[0]
