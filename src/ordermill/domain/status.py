"""Pure status rules: order-status resolution, the forward-only order flow, cancelability,
the order-level shipment rollup and display names. No I/O; every function takes the
``Config`` first, and the costly parts (flow, resolution table) were computed when it was built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ordermill.domain.config import ROLLUP_WORDS, Config, StatusDef
from ordermill.domain.errors import InvalidInput, InvalidStatus, StatusTransitionError

__all__ = [
    "ROLLUP_WORDS",
    "LineShipping",
    "ShipmentRollup",
    "StatusKind",
    "can_cancel_order",
    "check_order_transition",
    "display",
    "is_cancelable",
    "payment_status_choices",
    "resolution_table",
    "resolve_order_status",
    "rollup_shipment_status",
]

StatusKind = Literal["payment", "shipment", "order"]
ShipmentRollup = Literal[
    "pending",
    "partially_shipped",
    "shipped",
    "partially_delivered",
    "delivered",
    "partially_canceled",
    "canceled",
]

# Names for the rollup values when the configuration does not define them (EverShop 2.2's
# ROLLUP_DISPLAY): a configured shipment status of the same code wins.
_ROLLUP_DISPLAY: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "pending": ("Pending", "default"),
        "partially_shipped": ("Partially Shipped", "warning"),
        "shipped": ("Shipped", "warning"),
        "partially_delivered": ("Partially Delivered", "warning"),
        "delivered": ("Delivered", "success"),
        "partially_canceled": ("Partially Canceled", "warning"),
        "canceled": ("Canceled", "destructive"),
    }
)

# A partial rollup is as cancelable as the configured status its live items are in.
_ROLLUP_CANCELABLE_AS = {"partially_shipped": "shipped", "partially_delivered": "delivered"}


def resolve_order_status(config: Config, payment_status: str, shipment_status: str) -> str:
    """The order status for a payment and shipment status pair.

    Mapping keys are tried as ``p:s``, ``*:s``, ``p:*``, ``*:*`` (EverShop's precedence);
    a shipment value may be a rollup word even when it is not configured.
    """
    resolved = config.resolution.get((payment_status, shipment_status))
    if resolved is not None:
        return resolved
    if payment_status not in config.payment_statuses:
        raise _invalid(config, "payment", payment_status)
    if shipment_status not in config.shipment_statuses and shipment_status not in ROLLUP_WORDS:
        raise _invalid(config, "shipment", shipment_status)
    # A validated Config resolves every pair; only one built without validation gets here.
    raise InvalidStatus(
        f"No order status is mapped for payment status {payment_status!r} with shipment "
        f"status {shipment_status!r} (psoMapping has none of '{payment_status}:"
        f"{shipment_status}', '*:{shipment_status}', '{payment_status}:*', '*:*')",
        payment_status=payment_status,
        shipment_status=shipment_status,
    )


def check_order_transition(config: Config, current: str | None, new: str) -> bool:
    """Whether the order status must be written: False for a no-op (same status), True for a
    move forward in the flow. Raises ``StatusTransitionError`` for a move backwards or out of
    a terminal status, and ``InvalidStatus`` when ``new`` is not a configured order status.

    Only the position in the flow matters (as in EverShop), so forward jumps such as
    pending -> completed are allowed. An unknown or missing current status (legacy data)
    never blocks: there is no position to compare with.
    """
    if new not in config.order_statuses:
        raise _invalid(config, "order", new)
    if current == new:
        return False
    if current is None or current not in config.order_statuses:
        return True
    if not config.order_statuses[current].next:
        raise StatusTransitionError(
            f"Order is already {current}", from_status=current, to_status=new
        )
    flow = config.order_status_flow
    if flow.index(current) > flow.index(new):
        raise StatusTransitionError(
            f"Can not revert the status of the order from {current} to {new}",
            from_status=current,
            to_status=new,
        )
    return True


def is_cancelable(config: Config, payment_status: str, shipment_status: str) -> bool:
    """Whether an order in these statuses may be canceled: neither status is configured
    ``isCancelable: false``.

    Unknown codes give False, where EverShop 2.2 says True: a code the configuration does
    not describe (a removed status, an integration's typo) says nothing about what was
    paid or sent, and a cancel (payment canceled, stock put back) cannot be undone, while
    a refused cancel can be retried once the configuration is fixed.
    """
    payment = config.payment_statuses.get(payment_status)
    if payment is None or not payment.is_cancelable:
        return False
    shipment = config.shipment_statuses.get(shipment_status)
    if shipment is not None:
        return shipment.is_cancelable
    if shipment_status in ("pending", "partially_canceled"):
        return True
    like = _ROLLUP_CANCELABLE_AS.get(shipment_status)
    if like is None:
        return False
    configured = config.shipment_statuses.get(like)
    return configured is not None and configured.is_cancelable


@dataclass(frozen=True, slots=True)
class LineShipping:
    """The shipping state of one order line that requires shipping.

    ``shipped`` is the quantity in open (shipped, not yet delivered) shipments,
    ``delivered`` the quantity in delivered ones and ``canceled`` the quantity in canceled
    ones; canceled items may be shipped again, so ``canceled`` is not bounded by the rest.
    """

    ordered: int
    shipped: int = 0
    delivered: int = 0
    canceled: int = 0

    def __post_init__(self) -> None:
        if self.ordered < 1:
            raise InvalidInput(
                f"LineShipping.ordered must be at least 1, got {self.ordered}",
                field="ordered",
                value=self.ordered,
            )
        for field in ("shipped", "delivered", "canceled"):
            value = getattr(self, field)
            if value < 0:
                raise InvalidInput(
                    f"LineShipping.{field} must not be negative, got {value}",
                    field=field,
                    value=value,
                )
        if self.shipped + self.delivered > self.ordered:
            raise InvalidInput(
                f"LineShipping: shipped + delivered ({self.shipped} + {self.delivered}) "
                f"exceeds the ordered quantity {self.ordered}",
                field="shipped",
                value=self.shipped + self.delivered,
            )


def rollup_shipment_status(
    lines: Iterable[LineShipping], *, order_canceled: bool
) -> ShipmentRollup | None:
    """The order-level shipment status derived from its shipments, or None when the order
    has no line to ship (nothing to derive: the caller keeps the stored status)."""
    if order_canceled:
        return "canceled"
    items = tuple(lines)
    if not items:
        return None
    if all(line.delivered == line.ordered for line in items):
        return "delivered"
    if any(line.delivered > 0 for line in items):
        return "partially_delivered"
    if all(line.shipped + line.delivered == line.ordered for line in items):
        return "shipped"
    if any(line.shipped + line.delivered > 0 for line in items):
        return "partially_shipped"
    if any(line.canceled > 0 for line in items):
        # Nothing is live but some shipment was canceled: its items may be shipped again.
        return "partially_canceled"
    return "pending"


def resolution_table(config: Config) -> list[tuple[str, str, str]]:
    """(payment, shipment, order status) for every configured payment status and every
    configured shipment status, then every rollup word not configured as one."""
    return [(payment, shipment, order) for (payment, shipment), order in config.resolution.items()]


def display(config: Config, kind: StatusKind, code: str) -> tuple[str, str]:
    """(name, badge) to show for a status; an unknown code shows as itself, badge default."""
    statuses: Mapping[str, StatusDef]
    if kind == "payment":
        statuses = config.payment_statuses
    elif kind == "shipment":
        statuses = config.shipment_statuses
    elif kind == "order":
        statuses = config.order_statuses
    else:
        raise InvalidInput(
            f"Invalid status kind {kind!r}; allowed: payment, shipment, order", value=kind
        )
    status = statuses.get(code)
    if status is not None:
        return status.name, status.badge
    if kind == "shipment" and code in _ROLLUP_DISPLAY:
        return _ROLLUP_DISPLAY[code]
    return code, "default"


def _invalid(config: Config, kind: StatusKind, value: str) -> InvalidStatus:
    allowed: list[str]
    if kind == "payment":
        allowed = list(config.payment_statuses)
    elif kind == "shipment":
        allowed = [*config.shipment_statuses]
        allowed += [word for word in ROLLUP_WORDS if word not in config.shipment_statuses]
    else:
        allowed = list(config.order_status_flow)
    return InvalidStatus(
        f"Invalid {kind} status {value!r}; allowed: {', '.join(allowed)}",
        kind=kind,
        value=value,
        allowed=allowed,
    )


def can_cancel_order(
    config: Config, status: str, payment_status: str, shipment_status: str
) -> bool:
    """Whether ``cancel_order`` accepts an order in these statuses now: it is not in a
    terminal order status (canceled, closed) and ``is_cancelable`` holds."""
    return status not in config.terminal_order_statuses and is_cancelable(
        config, payment_status, shipment_status
    )


def payment_status_choices(
    config: Config, status: str, payment_status: str, shipment_status: str
) -> list[str]:
    """The payment statuses an order may move to now, in configuration order.

    A choice is offered when the order status it resolves to is allowed by the
    forward-only rule, and, if it would cancel the order, when the order may be canceled
    (such a payment change runs the cancellation, see ``orders.payments``).
    """
    cancelable = can_cancel_order(config, status, payment_status, shipment_status)
    choices = []
    for code in config.payment_statuses:
        if code == payment_status:
            continue
        try:
            resolved = resolve_order_status(config, code, shipment_status)
            check_order_transition(config, status, resolved)
        except (StatusTransitionError, InvalidStatus):
            continue
        if resolved == "canceled" and status != "canceled" and not cancelable:
            continue
        choices.append(code)
    return choices
