"""How an order is named: an order reference is its id, its uuid or its order number.

Every use case that takes an order takes an ``OrderRef``; ``order_ref_key`` says which
unique column it names, so no caller guesses whether a string is a uuid or a number.
"""

from __future__ import annotations

import uuid as uuid_lib
from typing import Literal

from ordermill.domain.errors import OrderNotFound
from ordermill.domain.text import unstorable

__all__ = ["OrderRef", "OrderRefColumn", "order_not_found", "order_ref_key"]

OrderRef = int | str
OrderRefColumn = Literal["order_id", "uuid", "order_number"]
_NUMBER_MAX = 32
_BIGINT_LIMIT = 2**63  # order ids are BIGINT on PostgreSQL (64-bit integers on SQLite)


def order_not_found(order_ref: object) -> OrderNotFound:
    return OrderNotFound(f"Order not found: {order_ref}", order=str(order_ref))


def order_ref_key(order_ref: OrderRef) -> tuple[OrderRefColumn, int | str]:
    """The unique column and value naming an order: its id, its uuid or its order number.

    Anything that names no order raises ``OrderNotFound`` with the value, among them
    values no order column can hold (an id outside BIGINT, text with a NUL or an
    unpaired surrogate), which the database would refuse with an error of its own.
    """
    if isinstance(order_ref, bool):
        raise OrderNotFound(f"Order not found: {order_ref!r}", order=repr(order_ref))
    if isinstance(order_ref, int):
        if -_BIGINT_LIMIT <= order_ref < _BIGINT_LIMIT:
            return "order_id", order_ref
    elif isinstance(order_ref, str):
        text = order_ref.strip()
        try:
            return "uuid", str(uuid_lib.UUID(text))
        except ValueError:
            pass
        if text and len(text) <= _NUMBER_MAX and not unstorable(text):
            return "order_number", text
    raise OrderNotFound(f"Order not found: {order_ref!r}", order=str(order_ref))
