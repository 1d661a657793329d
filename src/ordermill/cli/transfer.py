"""``ordermill import`` and ``ordermill export``: orders in and out as JSON Lines or CSV.

The layout is documented in ``ordermill.transfer.orderfile``; what export writes,
import reads back. Both stream (memory stays flat) and show a progress bar with the
rate and the time left when stderr is a terminal.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ordermill.cli.common import DEFAULT_URL, ConfigOption, DatabaseUrl, err, open_oms, out
from ordermill.cli.filters import (
    CreatedFrom,
    CreatedTo,
    CustomerId,
    PaymentStatus,
    Search,
    ShipmentStatus,
    Status,
    order_filters,
    with_config_codes,
)
from ordermill.transfer.exports import ExportProgress
from ordermill.transfer.imports import BATCH_SIZE, ImportProgress

__all__ = ["register"]


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


FormatOption = Annotated[
    Format | None,
    typer.Option("--format", help="jsonl or csv; default: from the file name (.jsonl, .csv, .gz)."),
]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="Do not show a progress bar.")]


def _progress(unit: str, disabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[done]:,} " + unit),
        TextColumn("{task.fields[rate]:,.0f} " + unit + "/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=disabled or not err.is_terminal,
        transient=False,
    )


def import_file(
    file: Annotated[
        Path, typer.Argument(help="A .jsonl or .csv file (.gz too).", exists=True, dir_okay=False)
    ],
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the good orders, report and skip bad ones."),
    ] = False,
    take_stock: Annotated[
        bool,
        typer.Option("--take-stock", help="Take managed stock for the imported orders."),
    ] = False,
    renumber: Annotated[
        bool,
        typer.Option("--renumber", help="Give new order numbers instead of the file's."),
    ] = False,
    file_format: FormatOption = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Orders per batch.", min=1, max=50_000)
    ] = BATCH_SIZE,
    no_progress: NoProgress = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Import orders from JSON Lines or CSV; every row is checked like place_order.

    Without --skip-invalid nothing is imported when any row is bad (each is reported
    with its line). Orders already present (same external_reference) are skipped, so a
    file can be imported again safely. The file's statuses, numbers, dates and shipments
    are kept. Stock is not taken unless --take-stock: imported orders are history.
    """
    started = time.monotonic()
    with open_oms(database_url, config) as oms, _progress("orders", no_progress) as progress:
        task = progress.add_task(f"Importing {file.name}", total=None, done=0, rate=0.0)

        def on_progress(p: ImportProgress) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            progress.update(
                task,
                completed=p.bytes_read,
                total=p.total_bytes,
                done=p.orders_read,
                rate=p.orders_read / elapsed,
            )

        result = oms.import_orders(
            file,
            file_format=file_format.value if file_format else None,
            skip_invalid=skip_invalid,
            take_stock=take_stock,
            renumber=renumber,
            batch_size=batch_size,
            on_progress=on_progress,
        )
    elapsed = time.monotonic() - started
    for problem in result.problems:
        err.print(Text(f"  skipped {problem}"))
    if result.invalid > len(result.problems):
        err.print(f"  ... and {result.invalid - len(result.problems)} more")
    out.print(
        f"Imported {result.imported:,} orders from {file.name}"
        f" ({result.skipped:,} already present, {result.invalid:,} invalid)"
        f" in {elapsed:.1f} s{'; stock taken' if take_stock and result.imported else ''}."
    )


def export_file(
    file: Annotated[str, typer.Argument(help="Where to write (.jsonl, .csv, .gz); - for stdout.")],
    payment_status: PaymentStatus = None,
    shipment_status: ShipmentStatus = None,
    status: Status = None,
    customer_id: CustomerId = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    search: Search = None,
    sort: Annotated[
        str | None, typer.Option("--sort", help="Default: order_id (oldest first).")
    ] = None,
    file_format: FormatOption = None,
    no_progress: NoProgress = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Export orders (with items, addresses and shipments) to JSON Lines or CSV, streamed.

    Takes the filters of `orders list`. The file imports back with `ordermill import`.
    """
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
    to_stdout = file == "-"
    chosen = file_format.value if file_format else ("jsonl" if to_stdout else None)
    started = time.monotonic()
    with open_oms(database_url, config) as oms, _progress("orders", no_progress) as progress:
        task = progress.add_task(f"Exporting {file}", total=None, done=0, rate=0.0)

        def on_progress(p: ExportProgress) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            progress.update(
                task,
                completed=p.orders_written,
                total=p.total,
                done=p.orders_written,
                rate=p.orders_written / elapsed,
            )

        result = oms.export_orders(
            sys.stdout if to_stdout else Path(file),
            filters=with_config_codes(filters, oms.config),
            file_format=chosen,  # type: ignore[arg-type]
            on_progress=on_progress,
        )
    message = (
        f"Exported {result.orders:,} orders ({result.items:,} items) to {file}"
        f" in {time.monotonic() - started:.1f} s."
    )
    (err if to_stdout else out).print(message)


def register(app: typer.Typer) -> None:
    app.command("import", rich_help_panel="Import and export")(import_file)
    app.command("export", rich_help_panel="Import and export")(export_file)
