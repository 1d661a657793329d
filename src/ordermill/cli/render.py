"""Rich views of orders: the listing table and the full order page."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ordermill.cli.common import money, status_text, when
from ordermill.domain.config import Config
from ordermill.domain.records import Address, Order

__all__ = ["order_detail", "order_list", "order_statuses"]


def order_statuses(config: Config, order: Order) -> Text:
    """``Order 10001: Processing (payment Paid, shipment Pending)``."""
    return Text.assemble(
        f"Order {order.order_number}: ",
        status_text(config, "order", order.status),
        " (payment ",
        status_text(config, "payment", order.payment_status),
        ", shipment ",
        status_text(config, "shipment", order.shipment_status),
        ")",
    )


def order_list(config: Config, orders: Sequence[Order]) -> Table:
    table = Table(pad_edge=False, box=None, header_style="bold")
    table.add_column("number", no_wrap=True)
    table.add_column("created", no_wrap=True)
    # An email is what an operator copies: folded on a narrow terminal, never cut.
    table.add_column("customer", overflow="fold")
    table.add_column("total", justify="right", no_wrap=True)
    table.add_column("payment")
    table.add_column("shipment")
    table.add_column("status")
    for o in orders:
        table.add_row(
            o.order_number,
            when(o.created_at),
            o.customer_email,
            money(o.grand_total, o.currency),
            status_text(config, "payment", o.payment_status),
            status_text(config, "shipment", o.shipment_status),
            status_text(config, "order", o.status),
        )
    return table


def _address(address: Address | None) -> str:
    if address is None:
        return "-"
    parts = [
        address.full_name,
        address.address_1,
        address.address_2,
        " ".join(p for p in (address.postcode, address.city) if p) or None,
        address.province,
        address.country,
        address.telephone,
    ]
    return ", ".join(p for p in parts if p)


def order_detail(config: Config, order: Order) -> RenderableType:
    """The full order, top to bottom: who and where, items, totals, shipments, activity,
    status history."""
    return Group(
        *_summary(config, order),
        _items(order),
        _totals(order),
        *_shipments(config, order),
        _activity(order),
        _history(order),
    )


def _summary(config: Config, order: Order) -> list[RenderableType]:
    reference = (
        f" · external reference {order.external_reference}" if order.external_reference else ""
    )
    customer_id = f" (customer {order.customer_id})" if order.customer_id is not None else ""
    return [
        Text.assemble((f"Order {order.order_number}", "bold"), f"  uuid {order.uuid}"),
        order_statuses(config, order),
        Text(f"Created {when(order.created_at)} · updated {when(order.updated_at)}{reference}"),
        Text(
            f"Customer: {order.customer_full_name or ''} <{order.customer_email}>{customer_id}"
            f" · payment method {order.payment_method or '-'}"
            f" · shipping method {order.shipping_method or '-'}"
        ),
        Text(f"Ship to: {_address(order.shipping_address)}"),
        Text(f"Bill to: {_address(order.billing_address)}"),
    ]


def _items(order: Order) -> Table:
    items = Table(title="Items", title_justify="left", header_style="bold")
    for column in ("id", "sku", "name", "qty", "price", "total", "shipped", "delivered"):
        items.add_column(column, justify="right" if column not in ("sku", "name") else "left")
    for i in order.items or ():
        items.add_row(
            str(i.order_item_id),
            i.sku,
            i.name or "",
            str(i.qty),
            money(i.unit_price),
            money(i.line_total),
            "-" if not i.requires_shipping else str(i.qty_shipped or 0),
            "-" if not i.requires_shipping else str(i.qty_delivered or 0),
        )
    return items


def _totals(order: Order) -> Table:
    totals = Table(box=None, show_header=False, pad_edge=False)
    totals.add_column(justify="left")
    totals.add_column(justify="right")
    for label, amount in (
        ("Subtotal", order.sub_total),
        ("Shipping", order.shipping_fee),
        ("Tax", order.tax_amount),
        ("Discount", -order.discount_amount),
    ):
        totals.add_row(label, money(amount))
    totals.add_row(
        Text("Grand total", style="bold"),
        Text(money(order.grand_total, order.currency), style="bold"),
    )
    # The payment ledger's totals (``ordermill payments list ORDER`` shows its rows).
    for label, amount in (
        ("Authorized", order.amount_authorized),
        ("Captured", order.amount_captured),
        ("Refunded", order.amount_refunded),
        ("Net paid", order.net_paid),
    ):
        totals.add_row(label, money(amount))
    totals.add_row(
        Text("Balance due", style="bold"),
        Text(money(order.balance_due, order.currency), style="bold"),
    )
    return totals


def _shipments(config: Config, order: Order) -> list[RenderableType]:
    lines: list[RenderableType] = [Text("Shipments", style="italic")]
    for s in order.shipments or ():
        shipped = ", ".join(f"item {si.order_item_id} x {si.qty}" for si in s.items)
        lines.append(
            Text.assemble(
                f"  {s.uuid}  ",
                status_text(config, "shipment", s.status),
                f"  {s.carrier or '-'} {s.tracking_number or ''}  ({shipped})",
                f"  shipped {when(s.shipped_at)}" if s.shipped_at else "",
                f"  delivered {when(s.delivered_at)}" if s.delivered_at else "",
                f"  canceled {when(s.canceled_at)}" if s.canceled_at else "",
            )
        )
    if not order.shipments:
        lines.append(Text("  none"))
    return lines


def _activity(order: Order) -> Table:
    timeline = Table(title="Activity", title_justify="left", box=None, show_header=False)
    timeline.add_column(no_wrap=True)
    timeline.add_column()
    for a in order.activities or ():
        note = " (customer notified)" if a.customer_notified else ""
        timeline.add_row(when(a.created_at), a.message + note)
    return timeline


def _history(order: Order) -> Table:
    history = Table(title="Status history", title_justify="left", box=None, show_header=False)
    history.add_column(no_wrap=True)
    history.add_column()
    for h in order.history or ():
        change = f"{h.field}: {h.from_status or '-'} → {h.to_status}"
        history.add_row(when(h.changed_at), change + (f" ({h.reason})" if h.reason else ""))
    return history
