"""One mutation of one locked order: what it decides, and the plan of what it writes.

A use case runs, inside ``ctx.transaction(conn)`` (``db/order_state.py`` for the
database steps)::

    locked = lock_order(tx, order_ref)         # 1 statement: the order row, FOR UPDATE
    state = load_state(tx, locked.order_id)    # 1 statement: items with their shipments
    change = Change(locked, reason="...")      # decide: new statuses, activities, events
    change.set_shipment_status(...)
    change.decide(ctx.config)                  # resolve + forward-only check, before writing
    ...the use case's own writes (shipments, stock)...
    row = write_order_change(tx, change)       # change.plan(): order, history, activities,
                                               # events (and registered shipment/stock
                                               # writes): one statement on PostgreSQL,
                                               # one per table on SQLite

Nothing here touches the database: ``Change.plan`` is plain data that
``db/change_statement.write_change`` turns into statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ordermill.domain.actor import Actor, current_actor
from ordermill.domain.config import Config
from ordermill.domain.events import STATUS_CHANGED
from ordermill.domain.status import check_order_transition, resolve_order_status

__all__ = ["Change", "ChangePlan"]

_REASON_MAX = 255


@dataclass(slots=True)
class ChangePlan:
    """What one change writes; empty lists write nothing."""

    order_id: int
    now: datetime
    # The order row's (payment_status, shipment_status, status): every change of an
    # order writes its row, whose version goes up by one; None (placement) writes none.
    statuses: tuple[str, str, str] | None = None
    reason: str = ""
    # field, from (None for a new order's first statuses), to
    history: list[tuple[str, str | None, str]] = field(default_factory=list)
    activities: list[tuple[str, bool]] = field(default_factory=list)  # message, notified
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # name, payload
    delivered_shipments: list[int] = field(default_factory=list)
    canceled_shipments: list[int] = field(default_factory=list)
    restock_items: list[tuple[int, int]] = field(default_factory=list)  # order_item_id, qty
    restock_inventory: list[tuple[str, int]] = field(default_factory=list)  # sku, qty
    # Who made the change (``domain/actor.py``): on its history, activities and events.
    actor: Actor = field(default_factory=current_actor)


class Change:
    """The status, activity and event writes of one mutation of one locked order.

    Status changes are collected first; ``decide`` resolves the order status and
    applies the forward-only rule before the use case writes anything, and ``plan``
    then lists every write of the change: shipment statuses and restocks the use
    case registered, the order row, history, activities and outbox events.

    ``row`` is the locked order (any object with the order table's columns as
    attributes: the database layer hands over its row).
    """

    def __init__(self, locked: Any, *, reason: str) -> None:
        self.row = locked
        self.order_id: int = locked.order_id
        self.reason = reason[:_REASON_MAX]
        self.payment_status: str = locked.payment_status
        self.shipment_status: str = locked.shipment_status
        self.status: str = locked.status
        self.decided = False
        self._activities: list[tuple[str, bool]] = []
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._final_events: list[tuple[str, dict[str, Any]]] = []
        self.now = datetime.now(UTC)
        self._plan = ChangePlan(self.order_id, self.now)
        # Plain callables set by ``orders.plugins.watch``: ``decided_hook`` runs at the end
        # of ``decide`` (rules checked, nothing written), ``written_hook`` with the order
        # row once ``db.order_state.write_order_change`` has written the plan.
        self.decided_hook: Callable[[], None] | None = None
        self.written_hook: Callable[[Any], None] | None = None

    def set_payment_status(self, status: str) -> None:
        self.payment_status = status

    def set_shipment_status(self, status: str | None) -> None:
        """Set the order's shipment status; None (no rollup to apply) keeps it."""
        if status is not None:
            self.shipment_status = status

    def add_activity(self, message: str, *, customer_notified: bool = False) -> None:
        self._activities.append((message, customer_notified))

    def add_event(self, name: str, *, last: bool = False, **payload: Any) -> None:
        """An outbox event (``domain.events``); ``last`` ones follow the status events
        (``ordermill.order.canceled``). Every payload names the order by id and uuid."""
        added = (name, {"order_id": self.order_id, "order_uuid": str(self.row.uuid), **payload})
        (self._final_events if last else self._events).append(added)

    def decide(self, config: Config) -> str:
        """The new order status; raises ``StatusTransitionError`` or ``InvalidStatus``."""
        self.status = resolve_order_status(config, self.payment_status, self.shipment_status)
        check_order_transition(config, self.row.status, self.status)
        self.decided = True
        if self.decided_hook is not None:
            self.decided_hook()
        return self.status

    def status_changes(self) -> Iterator[tuple[str, str, str]]:
        """``(field, from, to)`` for each of the three statuses this change moves."""
        for field_name, before, after in (
            ("payment", self.row.payment_status, self.payment_status),
            ("shipment", self.row.shipment_status, self.shipment_status),
            ("order", self.row.status, self.status),
        ):
            if before != after:
                yield field_name, before, after

    def deliver_shipments(self, shipment_ids: list[int]) -> None:
        """Mark these shipments delivered when the change is written."""
        self._plan.delivered_shipments += shipment_ids

    def cancel_shipments(self, shipment_ids: list[int]) -> None:
        """Mark these shipments canceled when the change is written."""
        self._plan.canceled_shipments += shipment_ids

    def restock(self, lines: list[tuple[int, int]], skus: list[tuple[str, int]]) -> None:
        """Put units back when the change is written: ``(order_item_id, qty)`` on the
        lines, ``(sku, qty)`` in stock, whose rows the caller has already locked."""
        self._plan.restock_items += lines
        self._plan.restock_inventory += skus

    def plan(self) -> ChangePlan:
        """Every write of the decided change; ``RuntimeError`` before ``decide``."""
        if not self.decided:
            raise RuntimeError("Change.decide() must run before the change is written")
        changes = list(self.status_changes())
        plan = self._plan
        plan.statuses = (self.payment_status, self.shipment_status, self.status)
        if changes:
            plan.reason = self.reason
            plan.history = [(name, before, after) for name, before, after in changes]
        plan.activities = self._activities
        plan.events = [
            *self._events,
            *(
                (
                    STATUS_CHANGED[field_name],
                    {
                        "order_id": self.order_id,
                        "order_uuid": str(self.row.uuid),
                        "from_status": before,
                        "to_status": after,
                    },
                )
                for field_name, before, after in changes
            ),
            *self._final_events,
        ]
        return plan
