"""The rules of returns (RMA): their statuses, what may be asked back and what received.
Pure: ``orders/returns.py`` locks, loads and writes.

A return moves forward only::

    requested -> approved -> received -> refunded
        |            |
        |            +-> canceled
        +-> declined, canceled

``received`` may be reached in several receipts (received -> received adds units);
declined, canceled and refunded are final. Moving a return to the status it already
has changes nothing (a retried call is harmless), except a receipt, which adds units.

An order line can never be returned beyond its delivered units across all the order's
returns: a requested, approved or received return counts the units it asked for, a
refunded one the units it received, a declined or canceled one nothing.

Conditions of a received unit: ``unopened``, ``opened`` or ``damaged``.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ordermill.domain.errors import (
    InvalidReturn,
    ReturnExceedsDelivered,
    ReturnNotFound,
    ReturnReceiptExceeded,
    ReturnTransitionError,
)
from ordermill.domain.text import unstorable

__all__ = [
    "APPROVED",
    "CANCELED",
    "CONDITIONS",
    "COUNTS_NOTHING",
    "COUNTS_RECEIVED",
    "COUNTS_REQUESTED",
    "DECLINED",
    "FINAL",
    "RECEIVED",
    "REFUNDED",
    "REQUESTED",
    "REQUESTERS",
    "STATUSES",
    "Receipt",
    "RequestedLine",
    "check_receipt",
    "check_returnable",
    "check_transition",
    "receipt_lines",
    "request_lines",
    "return_text",
    "return_uuid",
]

REQUESTED, APPROVED, DECLINED = "requested", "approved", "declined"
CANCELED, RECEIVED, REFUNDED = "canceled", "received", "refunded"
STATUSES: tuple[str, ...] = (REQUESTED, APPROVED, DECLINED, CANCELED, RECEIVED, REFUNDED)
FINAL = frozenset({DECLINED, CANCELED, REFUNDED})
# The statuses each status may move to (itself excluded: see the module docstring).
NEXT = MappingProxyType(
    {
        REQUESTED: frozenset({APPROVED, DECLINED, CANCELED}),
        APPROVED: frozenset({RECEIVED, CANCELED}),
        RECEIVED: frozenset({REFUNDED}),
        DECLINED: frozenset[str](),
        CANCELED: frozenset[str](),
        REFUNDED: frozenset[str](),
    }
)
CONDITIONS: tuple[str, ...] = ("unopened", "opened", "damaged")
REQUESTERS: tuple[str, ...] = ("staff", "customer")
REASON_MAX = 255
NOTE_MAX = 2000


def return_uuid(value: object) -> str:
    """A return uuid in canonical form; anything else names no return."""
    if isinstance(value, str):
        try:
            return str(uuid_lib.UUID(value.strip()))
        except ValueError:
            pass
    raise ReturnNotFound(f"Return not found: {value!r}", **{"return": str(value)})


def return_text(value: object, field: str, max_len: int = REASON_MAX) -> str | None:
    """A reason or note: stripped, blank means None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidReturn(f"{field}: {value!r} is not a string", field=field)
    text = value.strip()
    if len(text) > max_len:
        raise InvalidReturn(
            f"{field} is longer than {max_len} characters ({len(text)})", field=field
        )
    if bad := unstorable(text):
        raise InvalidReturn(f"{field} contains {bad}", field=field)
    return text or None


def check_transition(uuid: str, from_status: str, to_status: str, doing: str) -> bool:
    """Whether the move changes anything (False: already there); ``ReturnTransitionError``
    when the return may not move from ``from_status`` to ``to_status``."""
    if from_status == to_status and to_status != RECEIVED:
        return False
    if to_status in NEXT[from_status] or (from_status == to_status == RECEIVED):
        return True
    allowed = ", ".join(sorted(NEXT[from_status])) or "none: it is final"
    raise ReturnTransitionError(
        f"Cannot {doing}: it is {from_status} (next statuses allowed: {allowed})",
        **{"return": uuid},
        from_status=from_status,
        to_status=to_status,
    )


# What a return line counts against its order line's delivered units, by the return's
# status (``db/returns.py`` sums it in SQL): the units asked for, those received, or none.
COUNTS_REQUESTED = frozenset({REQUESTED, APPROVED, RECEIVED})
COUNTS_RECEIVED = frozenset({REFUNDED})
COUNTS_NOTHING = frozenset({DECLINED, CANCELED})


@dataclass(frozen=True, slots=True)
class RequestedLine:
    order_item_id: int
    qty: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class Receipt:
    order_item_id: int
    qty: int
    condition: str
    restock: bool


def _entries(lines: object, keys: str) -> list[tuple[str, Mapping[str, object]]]:
    """``lines`` as (where, mapping) pairs, checked to be a non-empty list of mappings."""
    expected = f"lines: expected a list of {{{keys}}}"
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Sequence):
        raise InvalidReturn(expected, field="lines")
    if not lines:
        raise InvalidReturn("lines: a return needs at least one line", field="lines")
    found: list[tuple[str, Mapping[str, object]]] = []
    for index, raw in enumerate(lines):
        if not isinstance(raw, Mapping):
            raise InvalidReturn(f"lines[{index}]: expected {{{keys}}}", field=f"lines[{index}]")
        found.append((f"lines[{index}]", raw))
    return found


def _item_and_qty(where: str, raw: Mapping[str, object], allowed: set[str]) -> tuple[int, int]:
    unknown = set(raw) - allowed
    if unknown:
        raise InvalidReturn(f"{where}: unknown keys {sorted(unknown)}", field=where)
    item_id, qty = raw.get("order_item_id"), raw.get("qty")
    if isinstance(item_id, bool) or not isinstance(item_id, int):
        raise InvalidReturn(
            f"{where}.order_item_id: {item_id!r} is not an order item id",
            field=f"{where}.order_item_id",
        )
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise InvalidReturn(
            f"{where}.qty: {qty!r} is not a positive quantity (order item {item_id})",
            field=f"{where}.qty",
            order_item_id=item_id,
        )
    return item_id, qty


def _no_twice(where: str, item_id: int, seen: Mapping[int, object]) -> None:
    if item_id in seen:
        raise InvalidReturn(
            f"{where}: order item {item_id} is listed twice", field=where, order_item_id=item_id
        )


def request_lines(lines: object) -> dict[int, RequestedLine]:
    """``[{"order_item_id", "qty", "reason"?}, ...]`` checked for shape, by order item."""
    requested: dict[int, RequestedLine] = {}
    for where, raw in _entries(lines, '"order_item_id": ..., "qty": ..., "reason": ...'):
        item_id, qty = _item_and_qty(where, raw, {"order_item_id", "qty", "reason"})
        _no_twice(where, item_id, requested)
        reason = return_text(raw.get("reason"), f"{where}.reason")
        requested[item_id] = RequestedLine(item_id, qty, reason)
    return requested


def receipt_lines(lines: object) -> dict[int, Receipt]:
    """``[{"order_item_id", "qty", "condition", "restock"}, ...]`` checked for shape."""
    keys = '"order_item_id": ..., "qty": ..., "condition": ..., "restock": ...'
    received: dict[int, Receipt] = {}
    for where, raw in _entries(lines, keys):
        item_id, qty = _item_and_qty(where, raw, {"order_item_id", "qty", "condition", "restock"})
        _no_twice(where, item_id, received)
        condition = raw.get("condition")
        if condition not in CONDITIONS:
            raise InvalidReturn(
                f"{where}.condition: {condition!r} is not one of {', '.join(CONDITIONS)}",
                field=f"{where}.condition",
                order_item_id=item_id,
            )
        restock = raw.get("restock", False)
        if not isinstance(restock, bool):
            raise InvalidReturn(
                f"{where}.restock: {restock!r} is not true or false",
                field=f"{where}.restock",
                order_item_id=item_id,
            )
        received[item_id] = Receipt(item_id, qty, str(condition), restock)
    return received


def check_returnable(
    order: str,
    skus: Mapping[int, str],
    delivered: Mapping[int, int],
    returned: Mapping[int, int],
    requested: Mapping[int, RequestedLine],
) -> None:
    """Every requested line is a line of the order (``skus``) with that many delivered
    units not already in another return; raises otherwise."""
    for item_id, line in requested.items():
        if item_id not in skus:
            raise InvalidReturn(
                f"Order item {item_id} is not an item of order {order}",
                field="lines",
                order=order,
                order_item_id=item_id,
            )
        has, already = delivered.get(item_id, 0), returned.get(item_id, 0)
        left = max(has - already, 0)
        if line.qty > left:
            raise ReturnExceedsDelivered(
                f"Cannot return {line.qty} of order item {item_id} ({skus[item_id]}) of"
                f" order {order}: {has} delivered, {already} already returned, {left} left",
                order=order,
                order_item_id=item_id,
                sku=skus[item_id],
                requested=line.qty,
                delivered=has,
                returned=already,
                returnable=left,
            )


def check_receipt(
    uuid: str,
    outstanding: Mapping[int, int],
    receipt: Mapping[int, Receipt],
) -> None:
    """Every received line is a line of the return with that many units not yet received
    (``outstanding``: requested minus received, by order item); raises otherwise."""
    for item_id, got in receipt.items():
        if item_id not in outstanding:
            raise InvalidReturn(
                f"Order item {item_id} is not a line of return {uuid}",
                field="lines",
                order_item_id=item_id,
                **{"return": uuid},
            )
        if got.qty > outstanding[item_id]:
            raise ReturnReceiptExceeded(
                f"Cannot receive {got.qty} of order item {item_id} on return {uuid}: only"
                f" {outstanding[item_id]} still expected",
                **{"return": uuid},
                order_item_id=item_id,
                received=got.qty,
                expected=outstanding[item_id],
            )
