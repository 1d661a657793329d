"""``ordermill orders refund|refunds|cancel-and-refund``: give money back for lines and
shipping, list an order's refunds, cancel a paid order that nothing was shipped of.

An order is named by its number or its uuid.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from ordermill.cli.common import (
    DEFAULT_URL,
    ConfigOption,
    DatabaseUrl,
    JsonOption,
    OrderKey,
    money,
    open_oms,
    out,
    print_json,
    when,
)
from ordermill.cli.orders import orders_app
from ordermill.cli.render import order_statuses
from ordermill.domain.errors import InvalidRefund
from ordermill.domain.records import Refund

__all__ = ["parse_line", "register"]

_LINE_HELP = (
    "ITEM_ID:QTY, or ITEM_ID:QTY:restock to put the units back into stock; repeat it for each line."
)


def parse_line(text: str) -> dict[str, Any]:
    """``"7:2"`` -> ``{"order_item_id": 7, "qty": 2, "restock": False}``; ``"7:2:restock"``
    restocks. ``InvalidRefund`` names a malformed one."""
    parts = text.split(":")
    ok = len(parts) in (2, 3) and all(p.strip().isdigit() for p in parts[:2])
    if not ok or (len(parts) == 3 and parts[2].strip().lower() != "restock"):
        raise InvalidRefund(
            f"--line {text!r}: expected ITEM_ID:QTY or ITEM_ID:QTY:restock", field="line"
        )
    return {
        "order_item_id": int(parts[0]),
        "qty": int(parts[1]),
        "restock": len(parts) == 3,
    }


def _table(refunds: list[Refund]) -> Table:
    table = Table(title="Refunds", title_justify="left", header_style="bold")
    for column in ("id", "when", "amount", "shipping", "reason", "lines", "note"):
        table.add_column(
            column,
            justify="right" if column in ("id", "amount", "shipping") else "left",
            no_wrap=column in ("id", "amount", "shipping", "reason"),
        )
    for r in refunds:
        lines = ", ".join(
            f"{x.qty} x {x.order_item_id}" + (f" ({x.qty_restocked} restocked)"
                                              if x.qty_restocked else "")
            for x in r.lines
        )  # fmt: skip
        table.add_row(
            str(r.refund_id),
            when(r.created_at),
            money(r.amount, r.currency),
            money(r.shipping_amount, r.currency),
            r.reason,
            lines,
            r.note or "",
        )
    return table


@orders_app.command("refund")
def refund(
    order: OrderKey,
    reason: Annotated[
        str, typer.Option("--reason", help="A refund reason code (see the configuration).")
    ],
    line: Annotated[list[str] | None, typer.Option("--line", help=_LINE_HELP)] = None,
    shipping: Annotated[
        str | None, typer.Option("--shipping", help='"all" the shipping left, or an amount.')
    ] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="A custom amount, up to the net paid.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note for staff.")] = None,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Refund units of lines and shipping (or a custom amount): the ledger, the payment
    status and the stock follow."""
    lines = [parse_line(text) for text in line] if line else None
    with open_oms(database_url, config) as oms:
        done = oms.refund(
            order, lines=lines, shipping=shipping, amount=amount, reason=reason, note=note
        )
        found = oms.get_order(order)
    if as_json:
        print_json(done)
        return
    restocked = sum(x.qty_restocked for x in done.lines)
    out.print(
        f"Refunded {money(done.amount, done.currency)} (refund {done.refund_id}, {done.reason})"
        f" on order {found.order_number}"
        + (f", {restocked} unit(s) restocked" if restocked else "")
        + f": payment status {found.payment_status},"
        f" net paid {money(found.net_paid, found.currency)}"
    )


@orders_app.command("refunds")
def list_refunds(
    order: OrderKey,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Show the order's refunds, oldest first."""
    with open_oms(database_url, config) as oms:
        found = oms.list_refunds(order)
    if as_json:
        print_json({"items": found})
        return
    if not found:
        out.print("No refunds.")
        return
    out.print(_table(found))


@orders_app.command("cancel-and-refund")
def cancel_and_refund(
    order: OrderKey,
    reason: Annotated[str | None, typer.Option("--reason", help="Kept in the log.")] = None,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Cancel an order, first refunding what it paid when nothing was shipped."""
    with open_oms(database_url, config) as oms:
        updated = oms.cancel_and_refund(order, reason)
        out.print(order_statuses(oms.config, updated))


def register(app: typer.Typer) -> None:
    """Nothing to add: the commands above are on ``ordermill orders`` (``orders_app``)."""
