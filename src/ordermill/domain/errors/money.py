"""The errors of the payment ledger, refunds and returns (the tree:
``ordermill.domain.errors``)."""

from __future__ import annotations

from ordermill.domain.errors.base import Conflict, InvalidInput, NotFound, OrderNotCancelable

__all__ = [
    "InvalidPayment",
    "InvalidPaymentAmount",
    "InvalidRefund",
    "InvalidReturn",
    "OrderShippedNotRefundable",
    "PaymentReferenceConflict",
    "RefundExceedsBalance",
    "RefundLineNotFound",
    "RefundQtyExceedsRefundable",
    "ReturnExceedsDelivered",
    "ReturnNotFound",
    "ReturnReceiptExceeded",
    "ReturnTransitionError",
    "UnknownRefundReason",
]


class InvalidPayment(InvalidInput):
    """A payment to record with an unknown kind or status, or an unstorable text."""

    code = "invalid_payment"


class InvalidPaymentAmount(InvalidInput):
    """A payment amount that is not money in the order's currency, or more than its kind
    allows now (a capture beyond the open authorization, a refund beyond what was
    captured, a charge beyond the grand total). ``details`` names the amount, the
    kind and the most that was allowed."""

    code = "invalid_payment_amount"


class InvalidRefund(InvalidInput):
    """A refund asked with a malformed line, shipping amount, custom amount or note, or
    asking for nothing; nothing was written. ``details`` names the field and value."""

    code = "invalid_refund"


class UnknownRefundReason(InvalidRefund):
    """A refund reason code the status configuration does not list (``refund_reasons``)."""

    code = "unknown_refund_reason"


class RefundLineNotFound(InvalidRefund):
    """A refund line names an ``order_item_id`` that is not a line of the order."""

    code = "refund_line_not_found"


class OrderShippedNotRefundable(OrderNotCancelable):
    """``cancel_and_refund`` of an order with goods shipped or delivered: a shipped order
    is refunded line by line (``refund``), never canceled."""

    code = "order_shipped_not_refundable"


class RefundExceedsBalance(Conflict):
    """A refund of more than the order's net paid (captured - refunded), or of more
    shipping than is left to refund; ``details`` name the amount and the most allowed."""

    code = "refund_exceeds_balance"


class RefundQtyExceedsRefundable(Conflict):
    """A refund of more units of a line than are left to refund (its qty less the units
    already refunded); ``details`` name the line, the qty asked and the qty left."""

    code = "refund_qty_exceeds_refundable"


class PaymentReferenceConflict(Conflict):
    """A provider's (gateway, reference) already names a ledger row of another order,
    kind, amount or status: a retried webhook repeats its row, it never changes it."""

    code = "payment_reference_conflict"


class ReturnNotFound(NotFound):
    code = "return_not_found"


class InvalidReturn(InvalidInput):
    code = "invalid_return"


class ReturnExceedsDelivered(Conflict):
    code = "return_exceeds_delivered"


class ReturnReceiptExceeded(Conflict):
    code = "return_receipt_exceeded"


class ReturnTransitionError(Conflict):
    code = "return_transition_refused"
