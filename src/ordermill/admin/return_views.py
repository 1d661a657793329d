"""What the Returns card of the order page shows: each return with its lines (the order
items they name) and the actions its status allows."""

from __future__ import annotations

from dataclasses import dataclass

from ordermill.domain import returns as rules
from ordermill.domain.records import Order, OrderItem, Return, ReturnLine
from ordermill.oms import Oms

__all__ = ["CONDITIONS", "ReturnLineView", "ReturnView", "return_views"]

CONDITIONS = rules.CONDITIONS


@dataclass(frozen=True, slots=True)
class ReturnLineView:
    line: ReturnLine
    item: OrderItem | None
    expected: int  # units not received yet


@dataclass(frozen=True, slots=True)
class ReturnView:
    ret: Return
    number: int
    lines: tuple[ReturnLineView, ...]
    can_approve: bool  # and decline
    can_cancel: bool
    can_receive: bool
    can_refund: bool


def return_views(oms: Oms, order: Order) -> list[ReturnView]:
    items = {item.order_item_id: item for item in order.items or ()}
    views = []
    for number, found in enumerate(oms.list_returns(order.order_id), start=1):
        lines = tuple(
            ReturnLineView(
                line=line,
                item=items.get(line.order_item_id),
                expected=line.qty_requested - line.qty_received,
            )
            for line in found.lines
        )
        status = found.status
        views.append(
            ReturnView(
                ret=found,
                number=number,
                lines=lines,
                can_approve=status == rules.REQUESTED,
                can_cancel=status in (rules.REQUESTED, rules.APPROVED),
                can_receive=status in (rules.APPROVED, rules.RECEIVED)
                and any(view.expected for view in lines),
                can_refund=status == rules.RECEIVED,
            )
        )
    return views
