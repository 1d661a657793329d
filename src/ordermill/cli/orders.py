"""``ordermill orders ...``: list, show and operate orders (pay, ship, deliver, cancel, note,
return).

An order is named by its number, its uuid or its external reference (in that precedence).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer

from ordermill.cli.common import (
    DEFAULT_URL,
    ConfigOption,
    DatabaseUrl,
    JsonOption,
    OrderKey,
    open_oms,
    out,
    print_json,
)
from ordermill.cli.filters import (
    CreatedFrom,
    CreatedTo,
    CustomerId,
    PaymentStatus,
    Search,
    ShipmentStatus,
    Sort,
    Status,
    config_code,
    order_filters,
    with_config_codes,
)
from ordermill.cli.render import order_detail, order_list, order_statuses
from ordermill.cli.returns import returns_app
from ordermill.db.query import MAX_PAGE_SIZE
from ordermill.domain.errors import InvalidInput, ShipmentTransitionError
from ordermill.domain.records import Order
from ordermill.oms import Oms

__all__ = ["register"]

orders_app = typer.Typer(help="List, show and operate orders.", no_args_is_help=True)
orders_app.add_typer(returns_app, name="return")


@orders_app.command("list")
def list_orders(
    payment_status: PaymentStatus = None,
    shipment_status: ShipmentStatus = None,
    status: Status = None,
    customer_id: CustomerId = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    search: Search = None,
    sort: Sort = None,
    limit: Annotated[
        int, typer.Option("--limit", help=f"Orders per page (1 to {MAX_PAGE_SIZE}).")
    ] = 20,
    cursor: Annotated[
        str | None, typer.Option("--cursor", help="The next page's cursor, from the last page.")
    ] = None,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """List orders, newest first, with the same filters as the REST listing."""
    filters = order_filters(
        payment_status=payment_status,
        shipment_status=shipment_status,
        status=status,
        customer_id=customer_id,
        created_from=created_from,
        created_to=created_to,
        search=search,
        sort=sort,
    )
    with open_oms(database_url, config) as oms:
        filters = with_config_codes(filters, oms.config)
        page = filters.apply(oms.get_orders_base_query(), config=oms.config).page(limit, cursor)
        resolved = oms.config
    if as_json:
        print_json({"items": page.items, "next_cursor": page.next_cursor})
        return
    if not page.items:
        out.print("No orders match.")
        return
    out.print(order_list(resolved, page.items))
    if page.next_cursor:
        out.print(f"More: --cursor {page.next_cursor}", soft_wrap=True)


@orders_app.command("show")
def show(
    order: OrderKey,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Show an order: items, totals, addresses, shipments, activity and status history."""
    with open_oms(database_url, config) as oms:
        found = oms.get_order(order)
        resolved = oms.config
    if as_json:
        print_json(found)
        return
    out.print(order_detail(resolved, found))


@orders_app.command("pay")
def pay(
    order: OrderKey,
    status: Annotated[str, typer.Option("--status", help="The payment status to set.")] = "paid",
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Set the payment status (default: paid); the order status follows."""
    with open_oms(database_url, config) as oms:
        updated = oms.update_payment_status(order, config_code(oms.config, "payment", status))
        out.print(order_statuses(oms.config, updated))


def _items(values: list[str] | None) -> list[dict[str, Any]] | None:
    if not values:
        return None
    items = []
    for value in values:
        item_id, sep, qty = value.partition(":")
        if not sep or not item_id.strip().isdigit() or not qty.strip().isdigit():
            raise InvalidInput(
                f"--item {value!r}: expected ITEM_ID:QTY, e.g. --item 12:1"
                " (item ids are shown by `ordermill orders show`)",
                field="item",
            )
        items.append({"order_item_id": int(item_id), "qty": int(qty)})
    return items


@orders_app.command("ship")
def ship(
    order: OrderKey,
    carrier: Annotated[str | None, typer.Option("--carrier", help="e.g. UPS.")] = None,
    tracking: Annotated[str | None, typer.Option("--tracking", help="Tracking number.")] = None,
    item: Annotated[
        list[str] | None,
        typer.Option("--item", help="ITEM_ID:QTY to ship (repeat); default: all remaining."),
    ] = None,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Create a shipment: the given items, or every unit not shipped yet."""
    items = _items(item)
    with open_oms(database_url, config) as oms:
        shipment = oms.create_shipment(order, carrier, tracking, items=items)
        updated = oms.get_order(order)
        shipped = ", ".join(f"{i.order_item_id} x {i.qty}" for i in shipment.items)
        out.print(f"Shipment {shipment.uuid} created ({shipped}).")
        out.print(order_statuses(oms.config, updated))


def _shipment_uuid(value: str | None) -> str | None:
    # Malformed input is a usage error (exit 2), not a shipment that was not found (1).
    if value is not None:
        try:
            uuid.UUID(value.strip())
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not a shipment uuid") from None
    return value


@orders_app.command("deliver")
def deliver(
    order: Annotated[
        str | None,
        typer.Argument(metavar="[ORDER]", help="Order number, uuid or external reference."),
    ] = None,
    shipment: Annotated[
        str | None,
        typer.Option(
            "--shipment", help="Deliver only this shipment (uuid).", callback=_shipment_uuid
        ),
    ] = None,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Mark an order's open shipments delivered, or one shipment with --shipment."""
    if (order is None) == (shipment is None):
        raise InvalidInput("give an ORDER, or --shipment UUID (not both)")
    with open_oms(database_url, config) as oms:
        if shipment is not None:
            delivered = oms.mark_delivered(shipment)
            out.print(f"Shipment {delivered.uuid} delivered.")
            updated = oms.get_order(delivered.order_id)
        else:
            assert order is not None
            updated = _deliver_open_shipments(oms, order)
        out.print(order_statuses(oms.config, updated))


def _deliver_open_shipments(oms: Oms, order: str) -> Order:
    """Mark the order's open (shipped) shipments delivered, in one transaction.

    Unlike ``update_shipment_status(order, "delivered")``, which also ships the
    remaining units in a shipment without carrier, this delivers only what was
    shipped: an order with no open shipment is refused with the way forward.
    """
    with oms.transaction() as conn:
        opened = [s for s in oms.list_shipments(order, conn=conn) if s.status == "shipped"]
        if not opened:
            raise ShipmentTransitionError(
                f"Order {order} has no open shipment to deliver;"
                f" ship it first with `ordermill orders ship {order}`",
                order=order,
            )
        for shipment in opened:
            oms.mark_delivered(shipment.uuid, conn=conn)
            out.print(f"Shipment {shipment.uuid} delivered.")
        return oms.get_order(order, conn=conn)


@orders_app.command("cancel")
def cancel(
    order: OrderKey,
    reason: Annotated[str | None, typer.Option("--reason", help="Kept in the log.")] = None,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Cancel an order: its payment and open shipments are canceled and stock restocked."""
    with open_oms(database_url, config) as oms:
        updated = oms.cancel_order(order, reason)
        out.print(order_statuses(oms.config, updated))


@orders_app.command("note")
def note(
    order: OrderKey,
    message: Annotated[str, typer.Argument(help="The note (1 to 2,000 characters).")],
    customer_visible: Annotated[
        bool, typer.Option("--customer-visible", help="Show it to the customer.")
    ] = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Add a note to the order's activity log."""
    with open_oms(database_url, config) as oms:
        added = oms.add_order_activity_log(order, message, customer_visible)
    visible = " (visible to the customer)" if added.customer_notified else ""
    out.print(f"Note {added.activity_id} added to order {order}{visible}.")


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders", rich_help_panel="Operate")
