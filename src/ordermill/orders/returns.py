"""Returns (RMA): asking delivered units back, approving or declining, receiving them
(back to stock when chosen), refunding them; the rules are ``domain/returns.py``.

Every change runs its steps in one transaction, as ``cancel_order`` does:

1. The order is locked: by reference for a request, as the return's order otherwise
   (``OrderNotFound``, ``ReturnNotFound``); the return is re-read under the lock.
2. The move is checked: forward only (``ReturnTransitionError``); a request's lines
   against the delivered units not already in a live return of the order
   (``ReturnExceedsDelivered``); a receipt's against the units still expected
   (``ReturnReceiptExceeded``). Moving to the status it has changes nothing.
3. A receipt locks the inventory rows of the lines to restock (SKU order, after the
   order's) and puts the units of the managed SKUs back.
4. The return, its lines and its status history are written; the order's activity
   log says what happened, and an ``ordermill.return.*`` event is written.
5. ``refund_return`` refunds the received units with ``orders.refunds.refund`` (no
   restock: the receipt restocked what was chosen) in the same transaction.
6. One transaction: all of it or nothing; a refusal writes nothing.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.db import returns as _db
from ordermill.db.locks import lock_inventory
from ordermill.db.order_state import load_state, lock_order_by_ref, write_order_change
from ordermill.db.orders import load_order
from ordermill.domain import events
from ordermill.domain import returns as rules
from ordermill.domain.change import Change
from ordermill.domain.errors import InvalidReturn, ReturnNotFound
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_state import order_label
from ordermill.domain.records import Return
from ordermill.domain.refunds import quantum
from ordermill.orders import refunds as _refunds
from ordermill.orders.context import Context
from ordermill.orders.plugins import watch

__all__ = [
    "approve_return",
    "cancel_return",
    "decline_return",
    "get_return",
    "list_returns",
    "receive_return",
    "refund_return",
    "request_return",
]


def _reread(tx: Connection, uuid: str) -> Return:
    found = _db.load_return(tx, uuid)
    if found is None:  # pragma: no cover - the order was locked through this return
        raise ReturnNotFound(f"Return not found: {uuid}", **{"return": uuid})
    return found


def _ids(found: Return) -> dict[str, Any]:
    return {"return_id": found.return_id, "return_uuid": found.uuid}


def request_return(
    ctx: Context,
    order_ref: OrderRef,
    lines: Sequence[Mapping[str, Any]],
    *,
    reason: str | None = None,
    note: str | None = None,
    requested_by: str = "staff",
    conn: Connection | None = None,
) -> Return:
    """Ask delivered units of the order back (module docstring)."""
    requested = rules.request_lines(lines)
    text = rules.return_text(reason, "reason")
    note_text = rules.return_text(note, "note", rules.NOTE_MAX)
    if requested_by not in rules.REQUESTERS:
        raise InvalidReturn(
            f"requested_by: {requested_by!r} is not one of {', '.join(rules.REQUESTERS)}",
            field="requested_by",
        )
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_ref(tx, order_ref)
        state = load_state(tx, locked.order_id)
        skus = {item_id: line.sku for item_id, line in state.lines.items()}
        returned = _db.returned_units(tx, locked.order_id)
        rules.check_returnable(order_label(locked), skus, state.delivered(), returned, requested)
        change = Change(locked, reason="return requested")
        units = {item_id: line.qty for item_id, line in requested.items()}
        watch(ctx, tx, change, "request_return", result=lambda: created, lines=units)
        change.decide(ctx.config)
        uuid = str(uuid_lib.uuid4())
        values = {
            "uuid": uuid,
            "order_id": locked.order_id,
            "status": rules.REQUESTED,
            "reason": text,
            "note": note_text,
            "requested_by": requested_by,
        }
        return_id = _db.insert_return(tx, values, requested, now=change.now)
        said = ", ".join(f"{line.qty} x {skus[i]}" for i, line in requested.items())
        change.add_activity(f"Return requested: {said}" + (f" ({text})" if text else ""))
        change.add_event(
            events.RETURN_REQUESTED,
            return_id=return_id,
            return_uuid=uuid,
            requested_by=requested_by,
            reason=text,
            lines=[
                {"order_item_id": i, "sku": skus[i], "qty": line.qty, "reason": line.reason}
                for i, line in requested.items()
            ],
        )
        created = _reread(tx, uuid)
        write_order_change(tx, change)
    return created


def _move(
    ctx: Context,
    uuid: object,
    status: str,
    *,
    reason: str | None = None,
    conn: Connection | None,
    **values: Any,
) -> Return:
    """Approve, decline or cancel: one move of the status, with its event."""
    key = rules.return_uuid(uuid)
    verb = {rules.APPROVED: "approve", rules.DECLINED: "decline", rules.CANCELED: "cancel"}
    doing = f"{verb[status]} return {key}"
    with ctx.transaction(conn) as tx:
        locked = _db.lock_order_of_return(tx, key)
        found = _reread(tx, key)
        if not rules.check_transition(key, found.status, status, doing):
            return found
        change = Change(locked, reason=f"return {status}")
        watch(ctx, tx, change, f"{verb[status]}_return", result=lambda: moved, rma=found)
        change.decide(ctx.config)
        _db.set_return_status(tx, found, status, reason=reason, now=change.now, **values)
        said = f"Return {key} {status}" + (f" ({reason})" if reason else "")
        change.add_activity(said)
        event = {
            rules.APPROVED: events.RETURN_APPROVED,
            rules.DECLINED: events.RETURN_DECLINED,
            rules.CANCELED: events.RETURN_CANCELED,
        }[status]
        extra: dict[str, Any] = {"reason": reason} if status == rules.DECLINED else {}
        change.add_event(event, **_ids(found), **extra)
        moved = _reread(tx, key)
        write_order_change(tx, change)
    return moved


def approve_return(ctx: Context, uuid: str, *, conn: Connection | None = None) -> Return:
    """requested -> approved: the units are expected back."""
    return _move(ctx, uuid, rules.APPROVED, conn=conn)


def decline_return(
    ctx: Context, uuid: str, reason: str, *, conn: Connection | None = None
) -> Return:
    """requested -> declined, saying why; its units count no more."""
    key = rules.return_uuid(uuid)
    text = rules.return_text(reason, "reason")
    if text is None:
        raise InvalidReturn("reason: a declined return needs a reason", field="reason")
    return _move(ctx, key, rules.DECLINED, reason=text, conn=conn, decline_reason=text)


def cancel_return(ctx: Context, uuid: str, *, conn: Connection | None = None) -> Return:
    """requested or approved -> canceled; its units count no more."""
    return _move(ctx, uuid, rules.CANCELED, conn=conn)


def _restock(
    tx: Connection, found: Return, receipt: Mapping[int, rules.Receipt], skus: Mapping[int, str]
) -> tuple[dict[int, int], dict[str, int]]:
    """Lock the stock of the lines to put back; the managed SKUs' units by line and SKU."""
    wanted = [got for got in receipt.values() if got.restock]
    if not wanted:
        return {}, {}
    stock = lock_inventory(tx, (skus[got.order_item_id] for got in wanted))
    by_line: dict[int, int] = {}
    per_sku: Counter[str] = Counter()
    for got in wanted:
        sku = skus[got.order_item_id]
        if sku in stock and stock[sku].manage_stock:
            by_line[got.order_item_id] = got.qty
            per_sku[sku] += got.qty
    return by_line, {sku: per_sku[sku] for sku in sorted(per_sku)}


def receive_return(
    ctx: Context, uuid: str, lines: Sequence[Mapping[str, Any]], *, conn: Connection | None = None
) -> Return:
    """Record units of an approved (or partly received) return as arrived, in their
    condition; those marked ``restock`` go back to stock when their SKU is managed."""
    key = rules.return_uuid(uuid)
    receipt = rules.receipt_lines(lines)
    with ctx.transaction(conn) as tx:
        locked = _db.lock_order_of_return(tx, key)
        found = _reread(tx, key)
        rules.check_transition(key, found.status, rules.RECEIVED, f"receive return {key}")
        outstanding = {ln.order_item_id: ln.qty_requested - ln.qty_received for ln in found.lines}
        rules.check_receipt(key, outstanding, receipt)
        skus = {i: line.sku for i, line in load_state(tx, locked.order_id).lines.items()}
        change = Change(locked, reason="return received")
        units = {item_id: got.qty for item_id, got in receipt.items()}
        watch(ctx, tx, change, "receive_return", result=lambda: done, rma=found, lines=units)
        change.decide(ctx.config)
        by_line, by_sku = _restock(tx, found, receipt, skus)
        _db.add_stock(tx, by_sku.items(), now=change.now)
        _db.receive_lines(tx, found, receipt, by_line)
        _db.set_return_status(tx, found, rules.RECEIVED, reason=None, now=change.now)
        said = ", ".join(
            f"{got.qty} x {skus[i]} {got.condition}" + (" (back to stock)" if i in by_line else "")
            for i, got in receipt.items()
        )
        change.add_activity(f"Return {key} received: {said}")
        change.add_event(
            events.RETURN_RECEIVED,
            **_ids(found),
            lines=[
                {
                    "order_item_id": i,
                    "sku": skus[i],
                    "qty": got.qty,
                    "condition": got.condition,
                    "restock": got.restock,
                }
                for i, got in receipt.items()
            ],
            restocked=[{"sku": sku, "qty": qty} for sku, qty in by_sku.items()],
        )
        done = _reread(tx, key)
        write_order_change(tx, change)
    return done


def _refund_reason(ctx: Context, found: Return) -> str:
    """The refund's reason code: the return's reason when it is one of the configured
    refund reasons, else ``customer_request`` (or the first configured one)."""
    codes = list(ctx.config.refund_reasons)
    if found.reason in codes:
        return str(found.reason)
    return "customer_request" if "customer_request" in codes else codes[0]


def refund_return(
    ctx: Context,
    uuid: str,
    *,
    shipping: str | int | Decimal | None = None,
    conn: Connection | None = None,
) -> Return:
    """received -> refunded: the received units are refunded (see the module docstring);
    ``shipping`` (an amount or ``"all"``) refunds shipping too. A refunded return is
    returned unchanged, with no second refund."""
    key = rules.return_uuid(uuid)
    with ctx.transaction(conn) as tx:
        locked = _db.lock_order_of_return(tx, key)
        found = _reread(tx, key)
        if not rules.check_transition(key, found.status, rules.REFUNDED, f"refund return {key}"):
            return found
        lines = [
            {"order_item_id": line.order_item_id, "qty": line.qty_received, "restock": False}
            for line in found.lines
            if line.qty_received > 0
        ]
        note = f"Return {key}" + (f": {found.reason}" if found.reason else "")
        refunded = _refunds.refund(
            ctx,
            locked.order_id,
            lines=lines,
            shipping=shipping,
            reason=_refund_reason(ctx, found),
            note=note,
            conn=tx,
        )
        # The refund wrote the order (its payment status may have moved): lock it anew.
        locked = _db.lock_order_of_return(tx, key)
        change = Change(locked, reason="return refunded")
        watch(ctx, tx, change, "refund_return", result=lambda: done, rma=found)
        change.decide(ctx.config)
        _db.set_return_status(
            tx, found, rules.REFUNDED, reason=None, now=change.now, refund_id=refunded.refund_id
        )
        amount = refunded.amount.quantize(quantum(refunded.currency))
        change.add_activity(f"Return {key} refunded: {amount} {refunded.currency}")
        change.add_event(
            events.RETURN_REFUNDED,
            **_ids(found),
            refund_id=refunded.refund_id,
            amount=str(amount),
            currency=refunded.currency,
        )
        done = _reread(tx, key)
        write_order_change(tx, change)
    return done


def get_return(ctx: Context, uuid: str, *, conn: Connection | None = None) -> Return:
    """One return with its lines and history; ``ReturnNotFound`` if there is none."""
    key = rules.return_uuid(uuid)
    with ctx.reading(conn) as c:
        found = _db.load_return(c, key)
    if found is None:
        raise ReturnNotFound(f"Return not found: {key}", **{"return": key})
    return found


def list_returns(
    ctx: Context, order_ref: OrderRef, *, conn: Connection | None = None
) -> list[Return]:
    """The order's returns with their lines and history, oldest first (``OrderNotFound``)."""
    with ctx.reading(conn) as c:
        found = load_order(c, order_ref, ())
        return _db.load_returns(c, found.order_id)
