"""The payment ledger's statements: find a provider's row, add a row with the order's new
totals, list an order's rows.

Invariant: the order's totals (``amount_authorized``, ``amount_captured``,
``amount_voided``, ``amount_refunded``) are the sums of its succeeded ledger rows.
Both are written here, together, by a caller holding the order's lock
(``db/order_state.lock_order_by_ref``) that computed the totals from the locked row;
nothing else writes either.

Why not a part of the change statement (``change_statement.py``): that statement's
``order`` part already updates the order row (its statuses), and PostgreSQL leaves
undefined which of two updates of one row in one statement wins. Putting the totals
in that part would change the statement of every other change; this module's own
statement (on PostgreSQL the totals update is a CTE of the row insert) costs one
round trip and keeps the change seam as it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.errors import IntegrityError
from ordermill.db.tables import LEDGER_TOTALS, order, payment
from ordermill.domain.actor import current_actor
from ordermill.domain.errors import PaymentReferenceConflict
from ordermill.domain.ledger import LedgerTotals, NewPayment
from ordermill.domain.order_ref import OrderRef, order_not_found, order_ref_key

__all__ = ["find_payment", "insert_payment", "list_payments"]

_FIND = sa.select(payment).where(
    payment.c.gateway == sa.bindparam("gateway"),
    payment.c.reference == sa.bindparam("reference"),
)
# The order's id with each of its rows (one row of NULLs when it has none), by each
# column an order can be named by: one statement tells "no order" from "no payments".
_LIST = {
    column: sa.select(order.c.order_id.label("of_order"), *payment.c)
    .select_from(order.outerjoin(payment, payment.c.order_id == order.c.order_id))
    .where(order.c[column] == sa.bindparam("key"))
    .order_by(payment.c.payment_id)
    for column in ("order_id", "uuid", "order_number")
}
_INSERTED = ("order_id", "kind", "status", "amount", "currency", "gateway", "reference", "note",
             "created_at", "actor", "actor_name")  # fmt: skip
# Named parameters (p_...): with the totals update as a CTE, a parameter named like an
# order column would also be SET on the order.
_INSERT = (
    payment.insert()
    .values({name: sa.bindparam(f"p_{name}", type_=payment.c[name].type) for name in _INSERTED})
    .returning(*payment.c)
)
_SET_TOTALS = (
    order.update()
    .where(order.c.order_id == sa.bindparam("b_order_id"))
    .values({name: sa.bindparam(f"b_{name}", type_=order.c[name].type) for name in LEDGER_TOTALS})
)
# PostgreSQL: the totals update runs as a CTE of the insert, one statement.
_INSERT_WITH_TOTALS = _INSERT.add_cte(_SET_TOTALS.cte("w_totals"))


def find_payment(tx: Connection, gateway: str | None, reference: str) -> Row[Any] | None:
    """The ledger row a provider's (gateway, reference) names, if any."""
    return tx.execute(_FIND, {"gateway": gateway or "", "reference": reference}).first()


def insert_payment(
    tx: Connection,
    order_id: int,
    new: NewPayment,
    *,
    currency: str,
    totals: LedgerTotals | None,
    now: datetime,
) -> Row[Any]:
    """Add ``new`` to the order's ledger and, when it moves money, set the order's
    ``totals``; returns the row, which records the actor of the call.
    ``PaymentReferenceConflict`` when another transaction recorded the same
    (gateway, reference) first."""
    actor = current_actor()
    values = {
        "p_order_id": order_id,
        "p_kind": new.kind,
        "p_status": new.status,
        "p_amount": new.amount,
        "p_currency": currency,
        "p_gateway": new.gateway or "",
        "p_reference": new.reference,
        "p_note": new.note,
        "p_created_at": now,
        "p_actor": actor.ref,
        "p_actor_name": actor.name,
    }
    try:
        if totals is None:
            return tx.execute(_INSERT, values).one()
        sums = {
            f"b_{name}": value
            for name, value in zip(
                LEDGER_TOTALS,
                (totals.authorized, totals.captured, totals.voided, totals.refunded),
                strict=True,
            )
        }
        if tx.dialect.name == "postgresql":
            return tx.execute(_INSERT_WITH_TOTALS, {**values, "b_order_id": order_id, **sums}).one()
        tx.execute(_SET_TOTALS, {"b_order_id": order_id, **sums})
        return tx.execute(_INSERT, values).one()
    except IntegrityError as exc:
        text = str(exc.orig)
        if "uq_order_payment_gateway_reference" in text or "order_payment.reference" in text:
            raise PaymentReferenceConflict(
                f"The payment reference {new.reference!r} of gateway {new.gateway!r} was"
                " recorded by another request at the same time",
                gateway=new.gateway,
                reference=new.reference,
            ) from None
        raise


def list_payments(conn: Connection, order_ref: OrderRef) -> list[Row[Any]]:
    """The ledger rows of the order ``order_ref`` names, oldest first;
    ``OrderNotFound`` when there is no such order."""
    column, value = order_ref_key(order_ref)
    found = list(conn.execute(_LIST[column], {"key": value}))
    if not found:
        raise order_not_found(order_ref)
    return [r for r in found if r.payment_id is not None]
