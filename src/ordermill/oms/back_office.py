"""The back office: stock, API tokens, reports, bulk import and export."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date
from os import PathLike
from typing import IO

from sqlalchemy.engine import Connection

from ordermill.auth import tokens as _tokens
from ordermill.db.query import OrderFilters, OrderQuery
from ordermill.domain.actor import Actor, acting_as
from ordermill.domain.errors import InvalidInput
from ordermill.domain.records import ApiToken, Principal, SalesReport, StockLevel
from ordermill.oms.base import OmsBase
from ordermill.orders import reports as _reports
from ordermill.orders import stock as _stock
from ordermill.transfer import exports as _exports
from ordermill.transfer import imports as _imports
from ordermill.transfer.orderfile import FileFormat


class BackOfficeFacade(OmsBase):
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
        role: str = "admin",
        customer_id: int | None = None,
        label: str | None = None,
        scopes: Iterable[str] | None = None,
        preset: str | None = None,
        name: str | None = None,
        conn: Connection | None = None,
    ) -> tuple[ApiToken, str]:
        """Create an API token; returns (record, secret). The secret is shown only here.

        A staff token (role ``admin``) gets ``scopes``, a ``preset``'s scopes (admin,
        warehouse, customer_service) or, with neither, every scope; a customer token
        (``role="customer"``, ``customer_id=``) sees its own orders only.
        """
        return _tokens.create_token(
            self.ctx,
            role=role,
            customer_id=customer_id,
            label=label,
            scopes=scopes,
            preset=preset,
            name=name,
            conn=conn,
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
        """Orders, net sales per day (gross less refunds, each refund on the day it was
        recorded) and counts by status for the UTC days ``date_from`` to ``date_to``
        (inclusive); canceled orders are not sales (see ``SalesReport``)."""
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
        actor: Actor | None = None,
    ) -> _imports.ImportResult:
        """Import orders from a JSON Lines or CSV file (``.gz`` too), in batches.

        All or nothing unless ``skip_invalid``; orders already present (same
        ``external_reference``) are skipped; stock is taken only with ``take_stock``.
        See ``ordermill.transfer.imports`` for every rule and ``transfer.orderfile``
        for the file layout.
        """
        with acting_as(actor or _imports.import_actor(source, source_name)):
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
            query = chosen.apply(OrderQuery(self.read_engine), config=self.config)
        return _exports.export_orders(
            self.ctx,
            target,
            query,
            file_format=file_format,
            chunk_size=chunk_size,
            on_progress=on_progress,
        )
