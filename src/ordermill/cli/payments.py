"""``ordermill payments record|list``: an order's payment ledger.

An order is named by its number or its uuid.
"""

from __future__ import annotations

from typing import Annotated

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
from ordermill.domain.records import Payment

__all__ = ["register"]

payments_app = typer.Typer(help="Record payments and show an order's ledger.", no_args_is_help=True)


def _table(payments: list[Payment]) -> Table:
    table = Table(title="Payments", title_justify="left", header_style="bold")
    for column in ("id", "when", "kind", "status", "amount", "gateway", "reference", "note"):
        table.add_column(
            column,
            justify="right" if column in ("id", "amount") else "left",
            # A narrow terminal wraps the other columns, never an amount.
            no_wrap=column in ("id", "kind", "status", "amount"),
        )
    for p in payments:
        table.add_row(
            str(p.payment_id),
            when(p.created_at),
            p.kind,
            p.status,
            money(p.amount, p.currency),
            p.gateway or "",
            p.reference or "",
            p.note or "",
        )
    return table


@payments_app.command("record")
def record(
    order: OrderKey,
    kind: Annotated[str, typer.Argument(help="authorization, capture, sale, void or refund.")],
    amount: Annotated[str, typer.Argument(help="In the order's currency, e.g. 12.50.")],
    reference: Annotated[
        str | None, typer.Option("--reference", help="The provider's id (recorded once).")
    ] = None,
    gateway: Annotated[str | None, typer.Option("--gateway", help="The provider.")] = None,
    status: Annotated[
        str, typer.Option("--status", help="succeeded, or failed (moves no money).")
    ] = "succeeded",
    note: Annotated[str | None, typer.Option("--note", help="A note for staff.")] = None,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Record a payment; the order's totals and payment status follow."""
    with open_oms(database_url, config) as oms:
        recorded = oms.record_payment(
            order, kind, amount, reference=reference, status=status, gateway=gateway, note=note
        )
        found = oms.get_order(order)
    if as_json:
        print_json(recorded)
        return
    out.print(
        f"Recorded {recorded.status} {recorded.kind} of {money(recorded.amount, recorded.currency)}"
        f" (payment {recorded.payment_id}) on order {found.order_number}: payment status"
        f" {found.payment_status}, net paid {money(found.net_paid)},"
        f" balance due {money(found.balance_due, found.currency)}"
    )


@payments_app.command("list")
def list_payments(
    order: OrderKey,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Show the order's payment ledger, oldest first."""
    with open_oms(database_url, config) as oms:
        payments = oms.list_payments(order)
    if as_json:
        print_json({"items": payments})
        return
    if not payments:
        out.print("No payments recorded.")
        return
    out.print(_table(payments))


def register(app: typer.Typer) -> None:
    app.add_typer(payments_app, name="payments", rich_help_panel="Operate")
