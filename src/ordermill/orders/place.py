"""Placing an order, in one transaction.

1. The command is validated (``domain.new_order.validate_new_order``): every value
   checked before the database is touched; ``InvalidOrder`` names the first bad one.
2. The first statuses are decided: the configuration's defaults and the order status
   they resolve to.
3. The stock of every managed SKU is locked (in SKU order, ``db/locks.py``), checked
   and taken; ``InsufficientStock`` names every short SKU and nothing is written.
4. The order, its lines and addresses are inserted, then its first status history,
   activity and ``ordermill.order.placed`` event go through the write seam of every change
   (``Placement.plan`` -> ``db.change_statement.write_change``: one statement on
   PostgreSQL), all in ``db.placement.write_placement``; an
   ``external_reference`` another order already has raises
   ``DuplicateExternalReference`` naming that order, and the transaction rolls back.
5. The ``Order`` is built from the rows just written, not read back.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.placement import take_stock, write_placement
from ordermill.db.tables import utcnow
from ordermill.domain.config import Config
from ordermill.domain.new_order import NewOrder, Placement, PlaceOrder, validate_new_order
from ordermill.domain.records import Order
from ordermill.domain.status import resolve_order_status
from ordermill.orders.context import Context

__all__ = ["decide_placement", "place_order"]


def decide_placement(config: Config, new: NewOrder) -> Placement:
    """Step 2: a new order starts at the configured default statuses."""
    payment_status = config.default_payment_status
    shipment_status = config.default_shipment_status
    return Placement(
        order=new,
        payment_status=payment_status,
        shipment_status=shipment_status,
        status=resolve_order_status(config, payment_status, shipment_status),
    )


def place_order(ctx: Context, command: PlaceOrder, *, conn: Connection | None = None) -> Order:
    """Place the order ``command`` describes; see the module docstring for the steps."""
    new = validate_new_order(command)
    placement = decide_placement(ctx.config, new)
    now = utcnow()
    with ctx.transaction(conn) as tx:
        ctx.plugins.call("before_place_order", conn=tx, order=new)
        take_stock(tx, new.stock_needed())
        order_row, item_rows = write_placement(tx, ctx.dialect, placement, now)
        items = tuple(rows.item_from_row(r) for r in item_rows)
        placed = rows.order_from_row(order_row, items=items)
        ctx.plugins.call("after_place_order", conn=tx, order=new, result=placed)
    return placed
