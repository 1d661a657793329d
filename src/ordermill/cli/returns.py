"""``ordermill orders return ...``: returns (RMA) of an order's delivered units.

A line is named by its order item id or its SKU (``--line MUG:1``); a return by its uuid.
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
    open_oms,
    out,
    print_json,
    when,
)
from ordermill.domain.errors import InvalidReturn
from ordermill.domain.records import Order, Return
from ordermill.oms import Oms

__all__ = ["returns_app"]

returns_app = typer.Typer(
    help="Request, approve, decline, receive and refund returns.", no_args_is_help=True
)

ReturnKey = Annotated[str, typer.Argument(help="The return's uuid.", show_default=False)]


def _item(order: Order, text: str, where: str) -> int:
    """An order item id, or the id of the order's one line with this SKU."""
    if text.isdigit():
        return int(text)
    found = [i.order_item_id for i in order.items or () if i.sku == text]
    if len(found) != 1:
        raise InvalidReturn(
            f"{where}: {text!r} is neither an order item id nor the SKU of one line of"
            f" order {order.order_number}",
            field="--line",
        )
    return found[0]


def _parts(text: str, least: int, most: int, shape: str) -> list[str]:
    parts = text.split(":")
    if not least <= len(parts) <= most or not all(parts):
        raise InvalidReturn(f"--line {text!r}: expected {shape}", field="--line")
    return parts


def _qty(text: str, line: str) -> int:
    if not text.isdigit():
        raise InvalidReturn(f"--line {line!r}: {text!r} is not a quantity", field="--line")
    return int(text)


def request_lines(order: Order, lines: list[str]) -> list[dict[str, Any]]:
    """``ITEM:QTY`` options as the lines of a return request."""
    parsed = []
    for text in lines:
        item, qty = _parts(text, 2, 2, "ITEM:QTY")
        parsed.append({"order_item_id": _item(order, item, text), "qty": _qty(qty, text)})
    return parsed


def receipt_lines(order: Order, lines: list[str]) -> list[dict[str, Any]]:
    """``ITEM:QTY:CONDITION[:restock]`` options as the lines of a receipt."""
    parsed = []
    for text in lines:
        parts = _parts(text, 3, 4, "ITEM:QTY:CONDITION[:restock]")
        if len(parts) == 4 and parts[3] != "restock":
            raise InvalidReturn(
                f"--line {text!r}: the 4th part may only be 'restock'", field="--line"
            )
        parsed.append(
            {
                "order_item_id": _item(order, parts[0], text),
                "qty": _qty(parts[1], text),
                "condition": parts[2],
                "restock": len(parts) == 4,
            }
        )
    return parsed


def _summary(oms: Oms, found: Return) -> str:
    skus = {i.order_item_id: i.sku for i in oms.get_order(found.order_id).items or ()}
    units = ", ".join(
        f"{line.qty_received}/{line.qty_requested} x {skus.get(line.order_item_id, '?')}"
        for line in found.lines
    )
    return f"Return {found.uuid} of order {found.order_number}: {found.status} ({units} received)"


LineOption = Annotated[
    list[str],
    typer.Option("--line", help="ITEM:QTY (ITEM: an order item id or a SKU); repeat it."),
]


@returns_app.command("request")
def request(
    order: OrderKey,
    line: LineOption,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it comes back.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A staff note.")] = None,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Request a return of delivered units of an order."""
    with open_oms(database_url, config) as oms:
        found = oms.get_order(order)
        created = oms.request_return(
            found.uuid, request_lines(found, line), reason=reason, note=note
        )
        out.print(_summary(oms, created))


@returns_app.command("approve")
def approve(
    return_uuid: ReturnKey, database_url: DatabaseUrl = DEFAULT_URL, config: ConfigOption = None
) -> None:
    """Approve a requested return: its units are expected back."""
    with open_oms(database_url, config) as oms:
        out.print(_summary(oms, oms.approve_return(return_uuid)))


@returns_app.command("decline")
def decline(
    return_uuid: ReturnKey,
    reason: Annotated[str, typer.Option("--reason", help="Why (the customer sees it).")],
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Decline a requested return."""
    with open_oms(database_url, config) as oms:
        out.print(_summary(oms, oms.decline_return(return_uuid, reason)))


@returns_app.command("cancel")
def cancel(
    return_uuid: ReturnKey, database_url: DatabaseUrl = DEFAULT_URL, config: ConfigOption = None
) -> None:
    """Cancel a requested or approved return."""
    with open_oms(database_url, config) as oms:
        out.print(_summary(oms, oms.cancel_return(return_uuid)))


@returns_app.command("receive")
def receive(
    return_uuid: ReturnKey,
    line: Annotated[
        list[str],
        typer.Option(
            "--line",
            help="ITEM:QTY:CONDITION[:restock] (CONDITION: unopened, opened or damaged;"
            " ':restock' puts the units back into stock); repeat it.",
        ),
    ],
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Record units of an approved return as received."""
    with open_oms(database_url, config) as oms:
        found = oms.get_return(return_uuid)
        order = oms.get_order(found.order_id)
        done = oms.receive_return(found.uuid, receipt_lines(order, line))
        out.print(_summary(oms, done))


@returns_app.command("refund")
def refund(
    return_uuid: ReturnKey,
    shipping: Annotated[
        str | None, typer.Option("--shipping", help="Shipping to refund too: an amount or 'all'.")
    ] = None,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Refund the received units of a return."""
    with open_oms(database_url, config) as oms:
        done = oms.refund_return(return_uuid, shipping=shipping)
        out.print(_summary(oms, done) + f"; refund {done.refund_id}")


def _table(oms: Oms, order: Order, found: list[Return]) -> Table:
    skus = {i.order_item_id: i.sku for i in order.items or ()}
    table = Table(title=f"Returns of order {order.order_number}", title_justify="left")
    for column in ("uuid", "status", "requested", "lines (received/requested)", "reason"):
        table.add_column(column, no_wrap=column in ("uuid", "status"))
    for r in found:
        lines = ", ".join(
            f"{ln.qty_received}/{ln.qty_requested} x {skus.get(ln.order_item_id, '?')}"
            + (f" {ln.condition}" if ln.condition else "")
            for ln in r.lines
        )
        table.add_row(r.uuid, r.status, when(r.requested_at), lines, r.reason or "")
    return table


@returns_app.command("list")
def list_returns(
    order: OrderKey,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """List an order's returns, oldest first."""
    with open_oms(database_url, config) as oms:
        found = oms.get_order(order)
        returns = oms.list_returns(found.uuid)
        if as_json:
            print_json({"items": returns})
            return
        if not returns:
            out.print(f"Order {found.order_number} has no returns.")
            return
        out.print(_table(oms, found, returns))
