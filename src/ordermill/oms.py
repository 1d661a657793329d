"""The ``Oms`` object: one database and one status configuration, every use case a method.

``ordermill.connect(...)`` builds one. The module-level functions of
``ordermill.services`` call the same use cases on a default instance, so the
examples of EverShop's OMS module services translate line for line.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from os import PathLike
from typing import IO, Any

from sqlalchemy.engine import Connection, Engine

from ordermill.auth import tokens as _tokens
from ordermill.db.engine import DEFAULT_URL, create_engine
from ordermill.db.migrate import migrate as _migrate
from ordermill.db.query import OrderFilters, OrderQuery
from ordermill.domain.config import Config, load_config
from ordermill.domain.errors import InvalidInput
from ordermill.domain.new_order import PlaceOrder
from ordermill.domain.records import (
    Activity,
    ApiToken,
    Order,
    Payment,
    Principal,
    SalesReport,
    Shipment,
    StockLevel,
)
from ordermill.domain.status import resolve_order_status as _resolve
from ordermill.orders import activities as _activities
from ordermill.orders import cancel as _cancel
from ordermill.orders import ledger as _ledger
from ordermill.orders import payments as _payments
from ordermill.orders import place as _placement
from ordermill.orders import read as _orders
from ordermill.orders import reports as _reports
from ordermill.orders import shipment_status as _shipment_status
from ordermill.orders import shipments as _shipments
from ordermill.orders import stock as _stock
from ordermill.orders.context import Context
from ordermill.orders.plugins import Plugins, PluginSource
from ordermill.transfer import exports as _exports
from ordermill.transfer import imports as _imports
from ordermill.transfer.orderfile import FileFormat

__all__ = ["ConfigSource", "Oms", "PluginSource", "connect"]

ConfigSource = str | PathLike[str] | Mapping[str, Any] | Config | None
# place_order's locals that are not the order's own values.
_NOT_ORDER = frozenset({"self", "conn"})
_NOT_PAYMENT = frozenset({"self", "order", "kind", "amount"})


class Oms:
    """An order management system over one database.

    Every mutation runs in one transaction: its own, or the caller's when
    ``conn`` is passed (see ``transaction()``).

    Every order parameter takes an id, a uuid or an order number, whatever its
    name: the methods keep the reference document's names (``cancel_order(uuid)``,
    ``update_payment_status(order_id)``, ``create_shipment(order_uuid)``,
    ``get_order(order_id_or_uuid)``), and inside, in the use cases and ``db/``, it is
    an ``order_ref`` (``domain/order_ref.py``).
    """

    def __init__(
        self, engine: Engine, config: Config, *, plugins: PluginSource = "entrypoints"
    ) -> None:
        self.engine = engine
        self.config = config
        self.ctx = Context(engine=engine, config=config)
        self.ctx.plugins.add(plugins)

    @property
    def plugins(self) -> Plugins:
        """This instance's plugins (``register(obj)``); see ``ordermill.orders.hooks``."""
        return self.ctx.plugins

    def __repr__(self) -> str:
        return f"<Oms {self.engine.url.render_as_string(hide_password=True)}>"

    # -- set-up ---------------------------------------------------------------

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        _migrate(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection whose work commits when the block ends and rolls back on an exception.

        Pass it as ``conn=`` to any service to make several calls one transaction.
        """
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    # -- status rules ---------------------------------------------------------

    def resolve_order_status(self, payment_status: str, shipment_status: str) -> str:
        return _resolve(self.config, payment_status, shipment_status)

    # -- orders ---------------------------------------------------------------

    def place_order(
        self,
        items: Sequence[Mapping[str, Any]],
        *,
        customer_email: str,
        customer_id: int | None = None,
        customer_full_name: str | None = None,
        shipping_address: Mapping[str, Any] | None = None,
        billing_address: Mapping[str, Any] | None = None,
        shipping_fee: object = 0,
        tax_amount: object = 0,
        discount_amount: object = 0,
        currency: str = "USD",
        payment_method: str | None = None,
        shipping_method: str | None = None,
        external_reference: str | None = None,
        conn: Connection | None = None,
    ) -> Order:
        """Place an order: validate, take stock, write it with its default statuses.

        The signature of EverShop's OMS module services; the arguments travel on as one
        ``PlaceOrder`` command (``place``), the form the REST service and imports build
        directly.
        """
        arguments = {name: value for name, value in locals().items() if name not in _NOT_ORDER}
        return self.place(PlaceOrder(**arguments), conn=conn)

    def place(self, command: PlaceOrder, *, conn: Connection | None = None) -> Order:
        """Place the order a ``PlaceOrder`` command describes (see ``orders.place``)."""
        return _placement.place_order(self.ctx, command, conn=conn)

    def get_order(
        self,
        order_id_or_uuid: int | str,
        *,
        customer_visible_only: bool = False,
        conn: Connection | None = None,
    ) -> Order:
        """One order by id, uuid, order number or external reference, with every relation loaded.

        An int is an id; text is a uuid or an order number, or else an external reference:
        the external reference is tried only when the text names no order by uuid or number,
        so a reference that looks like another order's number names that other order.
        """
        return _orders.get_order(
            self.ctx, order_id_or_uuid, customer_visible_only=customer_visible_only, conn=conn
        )

    def get_orders_base_query(self) -> OrderQuery:
        """A fresh orders query builder (see ``ordermill.query``): filter, sort, page, load."""
        return OrderQuery(self.engine)

    # -- payment and shipment status, cancellation, activity -------------------
    # Orders are named as in get_order (id, uuid, order number, then external reference:
    # the first that names an order wins); every method locks the order
    # first and runs in one transaction (``conn``: the caller's).

    def update_payment_status(
        self, order_id: int | str, status: str, conn: Connection | None = None
    ) -> Order:
        """Set the payment status; the order status follows (forward only).

        The same status again changes nothing. A change that resolves the order
        to canceled is a cancellation (cancelable check, shipments, restock).
        """
        return _payments.update_payment_status(self.ctx, order_id, status, conn=conn)

    def update_shipment_status(
        self, order_id: int | str, status: str, conn: Connection | None = None
    ) -> Order:
        """Set the order's shipment status: pending/processing while it has no shipment;
        shipped/delivered/canceled act on its shipments (see ``orders.shipment_status``)."""
        return _shipment_status.update_shipment_status(self.ctx, order_id, status, conn=conn)

    def cancel_order(
        self, uuid: int | str, reason: str | None = None, conn: Connection | None = None
    ) -> Order:
        """Cancel the order: payment and open shipments canceled, activity, restock once."""
        return _cancel.cancel_order(self.ctx, uuid, reason, conn=conn)

    def add_order_activity_log(
        self,
        order_id: int | str,
        message: str,
        customer_notified: bool = False,
        conn: Connection | None = None,
    ) -> Activity:
        """Add a note (1 to 2,000 characters) to the order's activity log."""
        return _activities.add_order_activity_log(
            self.ctx, order_id, message, customer_notified, conn=conn
        )

    def record_payment(
        self,
        order: int | str,
        kind: str,
        amount: str | int | Decimal,
        *,
        reference: str | None = None,
        status: str = "succeeded",
        gateway: str | None = None,
        note: str | None = None,
        conn: Connection | None = None,
    ) -> Payment:
        """A payment in the order's ledger; totals and status follow (``orders.ledger``)."""
        options = {k: v for k, v in locals().items() if k not in _NOT_PAYMENT}
        return _ledger.record_payment(self.ctx, order, kind, amount, **options)

    def list_payments(self, order: int | str, *, conn: Connection | None = None) -> list[Payment]:
        return _ledger.list_payments(self.ctx, order, conn=conn)

    # -- shipments --------------------------------------------------------------

    def create_shipment(
        self,
        order_uuid: int | str,
        carrier: str | None = None,
        tracking_number: str | None = None,
        conn: Connection | None = None,
        items: Sequence[Mapping[str, Any]] | None = None,
    ) -> Shipment:
        """Ship ``items`` (``[{"order_item_id": ..., "qty": ...}]``), by default every
        remaining unit of the lines that require shipping."""
        return _shipments.create_shipment(
            self.ctx, order_uuid, carrier, tracking_number, items=items, conn=conn
        )

    def mark_delivered(self, shipment_uuid: str, conn: Connection | None = None) -> Shipment:
        """Mark a shipment delivered; a delivered one is returned unchanged, with no event."""
        return _shipment_status.mark_delivered(self.ctx, shipment_uuid, conn=conn)

    def cancel_shipment(self, shipment_uuid: str, conn: Connection | None = None) -> Shipment:
        """Cancel a shipped shipment (its units may be shipped again)."""
        return _shipment_status.cancel_shipment(self.ctx, shipment_uuid, conn=conn)

    def update_shipment(
        self,
        shipment_uuid: str,
        *,
        carrier: str | _shipments.Unset | None = _shipments.UNSET,
        tracking_number: str | _shipments.Unset | None = _shipments.UNSET,
        conn: Connection | None = None,
    ) -> Shipment:
        """Correct the carrier and/or tracking number; an argument not given is left as is."""
        return _shipments.update_shipment(
            self.ctx,
            shipment_uuid,
            carrier=carrier,
            tracking_number=tracking_number,
            conn=conn,
        )

    def get_shipment(self, shipment_uuid: str, conn: Connection | None = None) -> Shipment:
        return _shipments.get_shipment(self.ctx, shipment_uuid, conn=conn)

    def list_shipments(
        self, order_id_or_uuid: int | str, conn: Connection | None = None
    ) -> list[Shipment]:
        """The order's shipments with their items, oldest first."""
        return _shipments.list_shipments(self.ctx, order_id_or_uuid, conn=conn)

    # -- stock ----------------------------------------------------------------

    def set_stock(
        self, sku: str, qty: int, manage_stock: bool = True, *, conn: Connection | None = None
    ) -> StockLevel:
        return _stock.set_stock(self.ctx, sku, qty, manage_stock=manage_stock, conn=conn)

    def get_stock(self, sku: str, *, conn: Connection | None = None) -> StockLevel:
        return _stock.get_stock(self.ctx, sku, conn=conn)

    # -- API tokens (the REST service's own records) -------------------------------

    def create_token(
        self,
        *,
        role: str,
        customer_id: int | None = None,
        label: str | None = None,
        conn: Connection | None = None,
    ) -> tuple[ApiToken, str]:
        """Create an API token; returns (record, secret). The secret is shown only here."""
        return _tokens.create_token(
            self.ctx, role=role, customer_id=customer_id, label=label, conn=conn
        )

    def list_tokens(self, *, conn: Connection | None = None) -> list[ApiToken]:
        return _tokens.list_tokens(self.ctx, conn=conn)

    def revoke_token(self, token_id: int, *, conn: Connection | None = None) -> ApiToken:
        return _tokens.revoke_token(self.ctx, token_id, conn=conn)

    def authenticate(self, secret: str, *, conn: Connection | None = None) -> Principal | None:
        """The principal of an active token with this secret, or None."""
        return _tokens.authenticate(self.ctx, secret, conn=conn)

    def principal_of(self, token_id: int, *, conn: Connection | None = None) -> Principal | None:
        """The principal of the token with this id while it is active, or None."""
        return _tokens.principal_of(self.ctx, token_id, conn=conn)

    # -- reports, bulk import and export, demo data ------------------------------

    def sales_report(self, *, date_from: date, date_to: date) -> SalesReport:
        """Orders, sales per day and counts by status for the UTC days ``date_from`` to
        ``date_to`` (inclusive); canceled orders are not sales (see ``SalesReport``)."""
        return _reports.sales_report(self.ctx, date_from=date_from, date_to=date_to)

    def import_orders(
        self,
        source: str | PathLike[str] | IO[bytes],
        *,
        file_format: FileFormat | None = None,
        skip_invalid: bool = False,
        take_stock: bool = False,
        renumber: bool = False,
        batch_size: int = _imports.BATCH_SIZE,
        source_name: str | None = None,
        on_problem: Callable[[_imports.ImportProblem], None] | None = None,
        on_progress: Callable[[_imports.ImportProgress], None] | None = None,
    ) -> _imports.ImportResult:
        """Import orders from a JSON Lines or CSV file (``.gz`` too), in batches.

        All or nothing unless ``skip_invalid``; orders already present (same
        ``external_reference``) are skipped; stock is taken only with ``take_stock``.
        See ``ordermill.transfer.imports`` for every rule and ``transfer.orderfile``
        for the file layout.
        """
        return _imports.import_orders(
            self.ctx,
            source,
            file_format=file_format,
            skip_invalid=skip_invalid,
            take_stock=take_stock,
            renumber=renumber,
            batch_size=batch_size,
            source_name=source_name,
            on_problem=on_problem,
            on_progress=on_progress,
        )

    def export_orders(
        self,
        target: str | PathLike[str] | IO[str],
        *,
        filters: OrderFilters | None = None,
        query: OrderQuery | None = None,
        file_format: FileFormat | None = None,
        chunk_size: int = _exports.CHUNK_SIZE,
        on_progress: Callable[[_exports.ExportProgress], None] | None = None,
    ) -> _exports.ExportResult:
        """Stream the orders matching ``filters`` (or a ``query``) to a JSON Lines or CSV
        file that ``import_orders`` reads back; oldest first unless ``filters.sort``."""
        if query is not None and filters is not None:
            raise InvalidInput("export_orders takes filters or a query, not both")
        if query is None:
            chosen = filters or OrderFilters()
            chosen = dataclasses.replace(chosen, sort=chosen.sort or "order_id")
            query = chosen.apply(self.get_orders_base_query(), config=self.config)
        return _exports.export_orders(
            self.ctx,
            target,
            query,
            file_format=file_format,
            chunk_size=chunk_size,
            on_progress=on_progress,
        )


def connect(
    url: str | None = None,
    config: ConfigSource = None,
    *,
    plugins: PluginSource = "entrypoints",
    **engine_options: Any,
) -> Oms:
    """An ``Oms`` over ``url`` (default: ``$ORDERMILL_DATABASE_URL``, else ``sqlite:///ordermill.db``).

    ``config`` is a status configuration: a JSON or TOML path, a dict, or a ``Config``.
    ``plugins``: by default the plugins installed under the ``ordermill.plugins`` entry
    point group; a list of plugin objects instead; None for none.
    """
    resolved = url or os.environ.get("ORDERMILL_DATABASE_URL") or DEFAULT_URL
    return Oms(create_engine(resolved, **engine_options), load_config(config), plugins=plugins)
