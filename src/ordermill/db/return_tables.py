"""The return (RMA) tables (migration 0008): a return of some delivered units of an
order, its lines, and the history of its status.

A return's status moves forward only (``domain/returns.py``); each status it reaches
has its time on the return row, and each move a row of ``return_status_history``.
Rows are written only under the lock of the return's order (``db/locks.py``), as
shipments are. ``return_line.qty_restocked`` is the part of the received units put
back into stock (never more than received, never more than requested).
"""

from __future__ import annotations

import sqlalchemy as sa

from ordermill.db.tables import Code, Id, UtcDateTime, metadata, utcnow

__all__ = ["order_return", "return_line", "return_status_history"]

order_return = sa.Table(
    "order_return",
    metadata,
    sa.Column("return_id", Id, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.Uuid(as_uuid=False), nullable=False, unique=True),
    sa.Column(
        "order_id",
        Id,
        sa.ForeignKey("order.order_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("status", Code, nullable=False),
    sa.Column("reason", sa.String(255)),
    sa.Column("note", sa.Text),
    sa.Column("requested_by", sa.String(16), nullable=False),
    sa.Column("decline_reason", sa.String(255)),
    # The refund that paid it back (``refund.refund_id``), once refunded.
    sa.Column("refund_id", sa.BigInteger),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("approved_at", UtcDateTime),
    sa.Column("declined_at", UtcDateTime),
    sa.Column("canceled_at", UtcDateTime),
    sa.Column("received_at", UtcDateTime),
    sa.Column("refunded_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=utcnow),
    sa.CheckConstraint(
        "status IN ('requested', 'approved', 'declined', 'canceled', 'received', 'refunded')",
        name="status",
    ),
    sa.CheckConstraint("requested_by IN ('staff', 'customer')", name="requested_by"),
)

return_line = sa.Table(
    "return_line",
    metadata,
    sa.Column("return_line_id", Id, primary_key=True, autoincrement=True),
    sa.Column(
        "return_id",
        Id,
        sa.ForeignKey("order_return.return_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "order_item_id",
        Id,
        sa.ForeignKey("order_item.order_item_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("qty_requested", sa.Integer, nullable=False),
    sa.Column("qty_received", sa.Integer, nullable=False, default=0),
    sa.Column("qty_restocked", sa.Integer, nullable=False, default=0),
    # The condition and the back-to-stock decision of the line's latest receipt.
    sa.Column("condition", sa.String(16)),
    sa.Column("restock", sa.Boolean),
    sa.Column("reason", sa.String(255)),
    sa.CheckConstraint("qty_requested > 0", name="qty_positive"),
    sa.CheckConstraint(
        "qty_received >= 0 AND qty_received <= qty_requested", name="received_bounded"
    ),
    sa.CheckConstraint(
        "qty_restocked >= 0 AND qty_restocked <= qty_received", name="restock_bounded"
    ),
    sa.UniqueConstraint("return_id", "order_item_id"),
)

return_status_history = sa.Table(
    "return_status_history",
    metadata,
    sa.Column("history_id", Id, primary_key=True, autoincrement=True),
    sa.Column(
        "return_id",
        Id,
        sa.ForeignKey("order_return.return_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("from_status", Code),
    sa.Column("to_status", Code, nullable=False),
    sa.Column("reason", sa.String(255)),
    sa.Column("changed_at", UtcDateTime, nullable=False, default=utcnow),
)
