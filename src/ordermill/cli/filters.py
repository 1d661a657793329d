"""The listing filters shared by ``orders list`` and ``export``, mapped to ``OrderFilters``
(the same mapping as the REST listing and the admin grid)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Annotated

import typer

from ordermill.db.query import OrderFilters
from ordermill.db.query.columns import coerce, column_spec
from ordermill.domain.config import Config
from ordermill.domain.errors import QueryError
from ordermill.domain.status import StatusKind

__all__ = [
    "CreatedFrom",
    "CreatedTo",
    "CustomerId",
    "PaymentStatus",
    "Search",
    "ShipmentStatus",
    "Sort",
    "Status",
    "config_code",
    "order_filters",
    "with_config_codes",
]

_PANEL = "Filters"
PaymentStatus = Annotated[
    list[str] | None,
    typer.Option("--payment-status", help="Payment status (repeat for any of several).",
                 rich_help_panel=_PANEL),
]  # fmt: skip
ShipmentStatus = Annotated[
    list[str] | None,
    typer.Option("--shipment-status", help="Shipment status (repeat for any of several).",
                 rich_help_panel=_PANEL),
]  # fmt: skip
Status = Annotated[
    list[str] | None,
    typer.Option("--status", help="Order status (repeat for any of several).",
                 rich_help_panel=_PANEL),
]  # fmt: skip
CustomerId = Annotated[
    int | None, typer.Option("--customer-id", help="One customer's orders.", rich_help_panel=_PANEL)
]


def _moment(value: str | None) -> str | None:
    # Checked here so that a bad date is reported against the option, not created_at.
    if value not in (None, ""):
        try:
            coerce(column_spec("created_at"), value)
        except QueryError:
            raise typer.BadParameter(
                f"{value!r} is not a date: expected YYYY-MM-DD or an ISO 8601 time"
            ) from None
    return value


CreatedFrom = Annotated[
    str | None,
    typer.Option("--from", help="Created at or after (YYYY-MM-DD or ISO 8601 time, UTC).",
                 rich_help_panel=_PANEL, callback=_moment),
]  # fmt: skip
CreatedTo = Annotated[
    str | None,
    typer.Option("--to", help="Created at or before (a date includes that whole day).",
                 rich_help_panel=_PANEL, callback=_moment),
]  # fmt: skip
Search = Annotated[
    str | None,
    typer.Option("--search", "-q",
                 help="Order number, customer email or name contains this,"
                      " or external reference is this.",
                 rich_help_panel=_PANEL),
]  # fmt: skip
Sort = Annotated[
    str | None,
    typer.Option("--sort", help="Columns, '-' for descending, e.g. -created_at,order_number.",
                 rich_help_panel=_PANEL),
]  # fmt: skip


def config_code(config: Config, kind: StatusKind, value: str) -> str:
    """``value`` as the configuration spells that status: the command line takes status
    codes in any case (``--status Paid``). Anything else is left for the service to refuse."""
    statuses: Mapping[str, object] = {
        "payment": config.payment_statuses,
        "shipment": config.shipment_statuses,
        "order": config.order_statuses,
    }[kind]
    if value in statuses:
        return value
    matches = [code for code in statuses if code.casefold() == value.strip().casefold()]
    return matches[0] if len(matches) == 1 else value


def with_config_codes(filters: OrderFilters, config: Config) -> OrderFilters:
    """``filters`` with every status code as the configuration spells it."""
    changed: dict[str, str | list[str]] = {}
    for field, kind in _STATUS_FILTERS.items():
        wanted = getattr(filters, field)
        if isinstance(wanted, str) and wanted:
            changed[field] = config_code(config, kind, wanted)
        elif wanted:
            changed[field] = [config_code(config, kind, code) for code in wanted]
    return dataclasses.replace(filters, **changed)  # type: ignore[arg-type]


_STATUS_FILTERS: dict[str, StatusKind] = {
    "payment_status": "payment",
    "shipment_status": "shipment",
    "status": "order",
}


def _codes(values: list[str] | None) -> str | list[str] | None:
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def order_filters(
    *,
    payment_status: list[str] | None,
    shipment_status: list[str] | None,
    status: list[str] | None,
    customer_id: int | None,
    created_from: str | None,
    created_to: str | None,
    search: str | None,
    sort: str | None,
) -> OrderFilters:
    return OrderFilters(
        payment_status=_codes(payment_status),
        shipment_status=_codes(shipment_status),
        status=_codes(status),
        customer_id=customer_id,
        created_from=created_from,
        created_to=created_to,
        q=search,
        sort=sort,
    )
