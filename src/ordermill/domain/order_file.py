"""The order file's layout: its formats and CSV columns (read and written in ``transfer``).

Both the Python export and the PostgreSQL one (``db/pgexport.py``) write these columns,
so they are declared once, here; ``transfer/orderfile.py`` documents the whole format.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from ordermill.domain.new_order import ADDRESS_FIELDS

__all__ = [
    "ADDRESS_FIELDS",
    "CSV_COLUMNS",
    "ITEM_COLUMNS",
    "ORDER_COLUMNS",
    "PAYMENT_KEYS",
    "FileFormat",
    "datetime_text",
    "money_text",
]

FileFormat = Literal["jsonl", "csv"]

ORDER_COLUMNS: tuple[str, ...] = (
    "external_reference",
    "uuid",
    "order_number",
    "created_at",
    "updated_at",
    "customer_email",
    "customer_id",
    "customer_full_name",
    "currency",
    "payment_method",
    "shipping_method",
    "payment_status",
    "shipment_status",
    "status",
    "sub_total",
    "shipping_fee",
    "tax_amount",
    "discount_amount",
    "grand_total",
    *(f"shipping_{f}" for f in ADDRESS_FIELDS),
    *(f"billing_{f}" for f in ADDRESS_FIELDS),
    "shipments",
    "payments",
)
ITEM_COLUMNS: tuple[str, ...] = (
    "item_sku",
    "item_name",
    "item_product_id",
    "item_qty",
    "item_price",
    "item_requires_shipping",
    "item_qty_restocked",
)
CSV_COLUMNS = ORDER_COLUMNS + ITEM_COLUMNS
# An exported payment ledger row, in the order written (``payments``, a JSON list).
PAYMENT_KEYS: tuple[str, ...] = (
    "kind", "status", "amount", "gateway", "reference", "actor", "note", "created_at",
)  # fmt: skip


def money_text(value: Decimal) -> str:
    """The canonical text of an amount: at least 2 decimals, no trailing zeros past them."""
    text = format(value, "f")
    if "." not in text:
        return text + ".00"
    whole, fraction = text.split(".", 1)
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction.ljust(2, '0')}"


def datetime_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat()
