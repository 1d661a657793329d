"""The default statuses, payment:shipment -> order mapping (EverShop's) and carriers, used
for every group a configuration does not give."""

from __future__ import annotations

from ordermill.domain.config.carriers import CarrierDef
from ordermill.domain.config.statuses import (
    OrderStatusDef,
    PaymentStatusDef,
    ShipmentPhase,
    ShipmentStatusDef,
)


def _payment(name: str, badge: str, *, cancelable: bool, default: bool = False) -> PaymentStatusDef:
    return PaymentStatusDef(name=name, badge=badge, is_cancelable=cancelable, is_default=default)


def _shipment(
    name: str,
    badge: str,
    *,
    cancelable: bool,
    phase: ShipmentPhase | None = None,
    default: bool = False,
) -> ShipmentStatusDef:
    return ShipmentStatusDef(
        name=name, badge=badge, is_cancelable=cancelable, phase=phase, is_default=default
    )


def _order(name: str, badge: str, *nexts: str, default: bool = False) -> OrderStatusDef:
    return OrderStatusDef(name=name, badge=badge, next=nexts, is_default=default)


_DEFAULT_PAYMENT_STATUSES = {
    "pending": _payment("Pending", "default", cancelable=True, default=True),
    # partially_paid and partially_refunded are set by the payment ledger
    # (domain/ledger.py); money was taken, so a cancel must wait for the refunds.
    "partially_paid": _payment("Partially Paid", "warning", cancelable=False),
    "paid": _payment("Paid", "success", cancelable=False),
    "failed": _payment("Failed", "destructive", cancelable=True),
    "partially_refunded": _payment("Partially Refunded", "warning", cancelable=False),
    "refunded": _payment("Refunded", "outline", cancelable=False),
    "canceled": _payment("Canceled", "destructive", cancelable=False),
}
# The phases are not in EverShop's OMS module services; they tell shipment code which quantity
# bucket a shipment in that status counts towards, as EverShop 2.2 does.
_DEFAULT_SHIPMENT_STATUSES = {
    "pending": _shipment("Pending", "default", cancelable=True, default=True),
    "processing": _shipment("Processing", "warning", cancelable=True),
    "shipped": _shipment("Shipped", "warning", cancelable=False, phase="shipped"),
    "delivered": _shipment("Delivered", "success", cancelable=False, phase="delivered"),
    "canceled": _shipment("Canceled", "destructive", cancelable=False, phase="canceled"),
}
_DEFAULT_ORDER_STATUSES = {
    "pending": _order("Pending", "default", "processing", "canceled", "closed", default=True),
    "processing": _order("Processing", "warning", "shipped", "completed", "canceled", "closed"),
    "shipped": _order("Shipped", "warning", "completed", "canceled", "closed"),
    "completed": _order("Completed", "success", "closed"),
    "canceled": _order("Canceled", "destructive"),
    "closed": _order("Closed", "outline"),
}
_DEFAULT_PSO_MAPPING = {
    "pending:*": "pending",
    "failed:*": "pending",
    "paid:pending": "processing",
    "paid:processing": "processing",
    "paid:partially_shipped": "processing",
    "paid:partially_canceled": "processing",
    "paid:shipped": "shipped",
    "paid:partially_delivered": "shipped",
    "paid:delivered": "completed",
    # Part paid is still waiting for its money, as pending is; part refunded is paid
    # goods, whose order status follows the shipments as paid does.
    "partially_paid:*": "pending",
    "partially_refunded:pending": "processing",
    "partially_refunded:processing": "processing",
    "partially_refunded:partially_shipped": "processing",
    "partially_refunded:partially_canceled": "processing",
    "partially_refunded:shipped": "shipped",
    "partially_refunded:partially_delivered": "shipped",
    "partially_refunded:delivered": "completed",
    "refunded:*": "closed",
    "canceled:*": "canceled",
    "*:canceled": "canceled",
}

# The reasons a refund may give (``refund``), code -> label; a configuration's
# ``refundReasons`` replaces them (EverShop's files have none: they keep these).
_DEFAULT_REFUND_REASONS = {
    "customer_request": "Customer request",
    "damaged": "Damaged",
    "not_received": "Not received",
    "wrong_item": "Wrong item",
    "fraud": "Fraud",
    "other": "Other",
}

# The carriers a shipment's carrier is matched against for its tracking URL.
_DEFAULT_CARRIERS = {
    "ups": CarrierDef(
        name="UPS", tracking_url="https://www.ups.com/track?tracknum={tracking_number}"
    ),
    "fedex": CarrierDef(
        name="FedEx", tracking_url="https://www.fedex.com/fedextrack/?trknbr={tracking_number}"
    ),
    "usps": CarrierDef(
        name="USPS",
        tracking_url="https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking_number}",
    ),
    "dhl": CarrierDef(
        name="DHL",
        tracking_url=(
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
            "?submit=1&tracking-id={tracking_number}"
        ),
    ),
}
