"""The order grid: filters, sortable columns and cursor pagination, all in the URL.

The URL's parameters become a ``query.OrderFilters`` (the same mapping the REST
listing and the CLI use) applied to ``oms.get_orders_base_query()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ordermill.admin.formatting import Badge, badge
from ordermill.admin.web import AdminUser, admin_of, is_htmx, render, url
from ordermill.db.query import OrderFilters, Page
from ordermill.db.query.filters import DEFAULT_SORT
from ordermill.domain.errors import InvalidInput
from ordermill.domain.records import Order
from ordermill.domain.status import ROLLUP_WORDS
from ordermill.oms import Oms

__all__ = ["COLUMNS", "PAGE_SIZES", "GridState", "router"]

router = APIRouter()

PAGE_SIZES = (25, 50, 100)
# (label, sort column); the first click on a date or an amount shows the largest first.
COLUMNS = (
    ("Order", "order_number"),
    ("Date", "created_at"),
    ("Customer", "customer_email"),
    ("Payment", "payment_status"),
    ("Shipment", "shipment_status"),
    ("Status", "status"),
    ("Total", "grand_total"),
)
_DESCENDING_FIRST = frozenset({"created_at", "grand_total"})
_FILTER_PARAMS = ("q", "status", "payment_status", "shipment_status", "from", "to")


@dataclass(frozen=True, slots=True)
class GridState:
    """The grid's URL parameters, as typed by the person (so the form shows them back)."""

    q: str = ""
    status: str = ""
    payment_status: str = ""
    shipment_status: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = DEFAULT_SORT
    size: int = PAGE_SIZES[0]
    cursor: str = ""
    bad_size: str | None = None  # a size that is not one of PAGE_SIZES, as given

    @property
    def size_error(self) -> str | None:
        if self.bad_size is None:
            return None
        choices = ", ".join(str(size) for size in PAGE_SIZES)
        return f"size: {self.bad_size!r} is not a page size (choose {choices})"

    @classmethod
    def from_request(cls, request: Request) -> GridState:
        params = request.query_params

        def get(name: str) -> str:
            return (params.get(name) or "").strip()

        # Compared as text: int() refuses "²", which str.isdigit() lets through.
        size_text = get("size")
        sizes = {str(size): size for size in PAGE_SIZES}
        bad_size = size_text if size_text and size_text not in sizes else None
        size = sizes.get(size_text, PAGE_SIZES[0])
        return cls(
            q=get("q"),
            status=get("status"),
            payment_status=get("payment_status"),
            shipment_status=get("shipment_status"),
            date_from=get("from"),
            date_to=get("to"),
            sort=get("sort") or DEFAULT_SORT,
            size=size,
            cursor=get("cursor"),
            bad_size=bad_size,
        )

    def filters(self) -> OrderFilters:
        return OrderFilters(
            q=self.q or None,
            status=self.status or None,
            payment_status=self.payment_status or None,
            shipment_status=self.shipment_status or None,
            created_from=self.date_from or None,
            created_to=self.date_to or None,
            sort=self.sort,
        )

    def params(self, **changes: str | int) -> dict[str, str]:
        """The non-empty URL parameters of this state with ``changes`` applied."""
        values: dict[str, str | int] = {
            "q": self.q,
            "status": self.status,
            "payment_status": self.payment_status,
            "shipment_status": self.shipment_status,
            "from": self.date_from,
            "to": self.date_to,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "size": "" if self.size == PAGE_SIZES[0] else self.size,
            "cursor": self.cursor,
        }
        values.update(changes)
        if str(values["size"]) == str(PAGE_SIZES[0]):
            values["size"] = ""
        if values["sort"] == DEFAULT_SORT:
            values["sort"] = ""
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    def query_string(self, **changes: str | int) -> str:
        params = self.params(**changes)
        return f"?{urlencode(params)}" if params else ""

    def sort_link(self, column: str) -> str:
        """The URL that sorts by ``column``: flips the direction of the active column."""
        if self.sort == column:
            new = f"-{column}"
        elif self.sort == f"-{column}":
            new = column
        else:
            new = f"-{column}" if column in _DESCENDING_FIRST else column
        return self.query_string(sort=new, cursor="")

    @property
    def filtered(self) -> bool:
        return any((self.q, self.status, self.payment_status, self.shipment_status,
                    self.date_from, self.date_to))  # fmt: skip


def status_options(oms: Oms) -> dict[str, list[Badge]]:
    """Every status a filter may pick; the shipment list includes the order-level rollup
    values (partially shipped and so on), which are what orders actually carry."""
    config = oms.config
    shipment = [*config.shipment_statuses]
    shipment += [word for word in ROLLUP_WORDS if word not in config.shipment_statuses]
    return {
        "status": [badge(config, "order", code) for code in config.order_status_flow],
        "payment_status": [badge(config, "payment", code) for code in config.payment_statuses],
        "shipment_status": [badge(config, "shipment", code) for code in shipment],
    }


@router.get("/orders", name="orders")
def order_grid(request: Request, _: AdminUser) -> Response:
    oms = admin_of(request).oms
    state = GridState.from_request(request)
    error = None
    total = 0
    page = Page(items=[], next_cursor=None)
    try:
        if state.size_error:
            raise InvalidInput(state.size_error, field="size")
        query = state.filters().apply(oms.get_orders_base_query(), config=oms.config)
        page = query.page(state.size, state.cursor or None)
        total = query.count()
    except InvalidInput as exc:  # QueryError: a bad date, sort or cursor in the URL
        error = str(exc)
    orders: list[Order] = page.items
    response = render(
        request,
        "grid.html",
        {
            "title": "Orders",
            "nav": "orders",
            "state": state,
            "orders": orders,
            "next_cursor": page.next_cursor,
            "total": total,
            "error": error,
            "columns": COLUMNS,
            "options": status_options(oms),
            "page_sizes": PAGE_SIZES,
        },
        status_code=422 if error else 200,
    )
    if is_htmx(request):
        # The address bar shows the tidy URL of this view, so it can be shared.
        response.headers["HX-Push-Url"] = url(request, "/orders") + state.query_string()
    return response
