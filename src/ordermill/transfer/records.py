"""Checking one order read from an import file: ``place_order``'s rules plus the rules for
what an export carries (uuid, order number, statuses, timestamps, totals, shipments)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordermill.domain.config import ROLLUP_WORDS, Config
from ordermill.domain.errors import InvalidOrder
from ordermill.domain.ledger import LedgerTotals
from ordermill.domain.new_order import (
    PLACE_ORDER_FIELDS,
    NewOrder,
    PlaceOrder,
    to_money,
    validate_new_order,
)
from ordermill.domain.order_state import CANCELED, DELIVERED, SHIPPED
from ordermill.domain.status import LineShipping, resolve_order_status, rollup_shipment_status
from ordermill.transfer.fields import not_allowed, positive_int, short_text, timestamp, uuid_text
from ordermill.transfer.payments import ImportedPayment, validate_payments

__all__ = ["ImportRow", "NewShipment", "validate_record"]

_PLACE_ORDER_KEYS = PLACE_ORDER_FIELDS
_EXTRA_KEYS = frozenset(
    {
        "uuid",
        "order_number",
        "created_at",
        "updated_at",
        "payment_status",
        "shipment_status",
        "status",
        "sub_total",
        "grand_total",
        "shipments",
        "payments",
    }
)
_SHIPMENT_KEYS = frozenset(
    {
        "uuid",
        "carrier",
        "tracking_number",
        "status",
        "created_at",
        "shipped_at",
        "delivered_at",
        "canceled_at",
        "items",
    }
)
_ALL_KEYS = _PLACE_ORDER_KEYS | _EXTRA_KEYS
_SHIPMENT_STATUSES = (SHIPPED, DELIVERED, CANCELED)


@dataclass(frozen=True, slots=True)
class _Derived:
    """What validate_record reads from the configuration for every row. ``Config``'s
    properties go through pydantic's private attributes (~1 µs each); a ``Config`` is
    frozen, so they are read once per configuration."""

    config: Config
    default_payment_status: str
    default_shipment_status: str
    resolution: Mapping[tuple[str, str], str]


_derived: _Derived | None = None


def _derived_from(config: Config) -> _Derived:
    global _derived
    derived = _derived
    if derived is None or derived.config is not config:
        derived = _Derived(
            config,
            config.default_payment_status,
            config.default_shipment_status,
            config.resolution,
        )
        _derived = derived
    return derived


@dataclass(frozen=True, slots=True)
class NewShipment:
    uuid: str | None
    carrier: str | None
    tracking_number: str | None
    status: str
    created_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    canceled_at: datetime | None
    items: tuple[tuple[int, int], ...]  # (index into the order's lines, qty)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """An order that passed validation, with what the file carried beyond place_order."""

    line: int
    new: NewOrder
    uuid: str | None
    order_number: str | None
    created_at: datetime | None
    updated_at: datetime | None
    payment_status: str
    shipment_status: str
    status: str
    restocked: tuple[int, ...]
    shipments: tuple[NewShipment, ...]
    payments: tuple[ImportedPayment, ...]
    totals: LedgerTotals

    @property
    def key(self) -> str:
        return self.new.external_reference or self.uuid or ""

    def stock_needed(self) -> Counter[str]:
        needed: Counter[str] = Counter()
        for line, restocked in zip(self.new.lines, self.restocked, strict=True):
            if line.qty > restocked:
                needed[line.sku] += line.qty - restocked
        return needed


def _shipments(raw: object, new: NewOrder) -> tuple[NewShipment, ...]:
    """The file's shipments of ``new``: each well formed, and no item shipped (by the
    shipments not canceled) more than it was ordered."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InvalidOrder("shipments: expected a list", field="shipments")
    parsed = tuple(_shipment(f"shipments[{i}]", item, new) for i, item in enumerate(raw))
    live: Counter[int] = Counter()
    for shipment in parsed:
        if shipment.status != CANCELED:
            live.update(dict(shipment.items))
    for index, qty in live.items():
        ordered = new.lines[index].qty
        if qty > ordered:
            raise InvalidOrder(
                f"shipments: {qty} units of item {index + 1} ({new.lines[index].sku}) are"
                f" shipped but {ordered} were ordered",
                field="shipments",
            )
    return parsed


def _shipment(where: str, item: object, new: NewOrder) -> NewShipment:
    if not isinstance(item, Mapping):
        raise InvalidOrder(f"{where}: expected an object", field=where)
    unknown = set(item) - _SHIPMENT_KEYS
    if unknown:
        raise InvalidOrder(f"{where}: unknown keys {sorted(unknown)}", field=where)
    status = item.get("status")
    if status not in _SHIPMENT_STATUSES:
        raise not_allowed(f"{where}.status", str(status), list(_SHIPMENT_STATUSES))
    quantities = _shipment_items(where, item.get("items"), new)
    return NewShipment(
        uuid=uuid_text(item.get("uuid"), f"{where}.uuid"),
        carrier=short_text(item.get("carrier"), f"{where}.carrier", 64),
        tracking_number=short_text(item.get("tracking_number"), f"{where}.tracking_number", 128),
        status=status,
        created_at=timestamp(item.get("created_at"), f"{where}.created_at"),
        shipped_at=timestamp(item.get("shipped_at"), f"{where}.shipped_at"),
        delivered_at=timestamp(item.get("delivered_at"), f"{where}.delivered_at"),
        canceled_at=timestamp(item.get("canceled_at"), f"{where}.canceled_at"),
        items=tuple(quantities.items()),
    )


def _shipment_items(where: str, lines: object, new: NewOrder) -> dict[int, int]:
    """A shipment's ``{"line", "qty"}`` entries as {index into the order's lines: qty}."""
    if not isinstance(lines, list) or not lines:
        raise InvalidOrder(f"{where}.items: a shipment needs at least one item", field=where)
    quantities: dict[int, int] = {}
    for j, entry in enumerate(lines):
        at = f"{where}.items[{j}]"
        if not isinstance(entry, Mapping) or set(entry) - {"line", "qty"}:
            raise InvalidOrder(f"{at}: expected an object with line and qty", field=at)
        number = positive_int(entry.get("line"), f"{at}.line")
        if number > len(new.lines):
            raise InvalidOrder(
                f"{at}.line: {number} but the order has {len(new.lines)} items", field=at
            )
        if not new.lines[number - 1].requires_shipping:
            raise InvalidOrder(
                f"{at}.line: item {number} ({new.lines[number - 1].sku}) is not shipped",
                field=at,
            )
        if number - 1 in quantities:
            raise InvalidOrder(f"{at}.line: item {number} is repeated", field=at)
        quantities[number - 1] = positive_int(entry.get("qty"), f"{at}.qty")
    return quantities


def _rolled_up(new: NewOrder, shipments: tuple[NewShipment, ...], canceled: bool) -> str | None:
    buckets: dict[str, dict[int, int]] = {s: {} for s in _SHIPMENT_STATUSES}
    for s in shipments:
        bucket = buckets[s.status]
        for index, qty in s.items:
            bucket[index] = bucket.get(index, 0) + qty
    in_shipped, in_delivered, in_canceled = (buckets[s] for s in _SHIPMENT_STATUSES)
    lines = [
        LineShipping(
            ordered=line.qty,
            shipped=in_shipped.get(i, 0),
            delivered=in_delivered.get(i, 0),
            canceled=in_canceled.get(i, 0),
        )
        for i, line in enumerate(new.lines)
        if line.requires_shipping
    ]
    return rollup_shipment_status(lines, order_canceled=canceled)


def validate_record(config: Config, data: Mapping[str, Any], *, line: int = 0) -> ImportRow:
    """Check one order read from a file; raise an ``InvalidInput`` naming the first problem.

    1. No key beyond ``place_order``'s arguments and what an export carries.
    2. ``qty_restocked`` taken out of the items (a whole number, at most the qty), the
       rest checked by ``place_order``'s rules.
    3. An ``external_reference`` or a ``uuid``: what makes importing twice safe.
    4. ``sub_total`` and ``grand_total``, when given, equal to those computed.
    5. The statuses: configured, the shipment status agreeing with the shipments,
       the order status resolved when not given.
    6. The payments: a ledger the order allows (``transfer.payments``).
    """
    unknown = data.keys() - _ALL_KEYS
    if unknown:
        raise InvalidOrder(f"unknown keys {sorted(unknown)}", field="(order)")
    items, restocked = _without_restocked(data.get("items"))
    new = validate_new_order(
        PlaceOrder(
            items=items,  # type: ignore[arg-type]
            # Absent (a JSON key left out, an empty CSV cell) is refused like null,
            # by validate_new_order, and never as a missing argument.
            customer_email=data.get("customer_email"),  # type: ignore[arg-type]
            **{
                k: v
                for k, v in data.items()
                if k in _PLACE_ORDER_KEYS and k not in ("items", "customer_email")
            },
        )
    )
    _check_restocked(new, restocked)
    uuid = uuid_text(data.get("uuid"), "uuid")
    if new.external_reference is None and uuid is None:
        raise InvalidOrder(
            "external_reference is required (or uuid): it is what makes importing the same"
            " file twice safe",
            field="external_reference",
        )
    _check_totals(data, new)
    payment_status, shipment_status, status, shipments = _statuses(config, data, new)
    payments, totals = validate_payments(
        data.get("payments"),
        currency=new.currency,
        grand_total=new.grand_total,
        order=new.external_reference or uuid or "",
    )
    return ImportRow(
        line=line,
        new=new,
        uuid=uuid,
        order_number=short_text(data.get("order_number"), "order_number", 32),
        created_at=timestamp(data.get("created_at"), "created_at"),
        updated_at=timestamp(data.get("updated_at"), "updated_at"),
        payment_status=payment_status,
        shipment_status=shipment_status,
        status=status,
        restocked=tuple(restocked),
        shipments=shipments,
        payments=payments,
        totals=totals,
    )


def _without_restocked(items: object) -> tuple[object, list[int]]:
    """Step 2: the items without ``qty_restocked`` (which place_order does not take), and
    that of each item (0 when absent). Anything but a list is left to place_order."""
    restocked: list[int] = []
    if not isinstance(items, list):
        return items, restocked
    stripped = []
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and "qty_restocked" in item:
            item = dict(item)
            value = item.pop("qty_restocked")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidOrder(
                    f"items[{i}].qty_restocked: {value!r} is not a whole number >= 0",
                    field=f"items[{i}].qty_restocked",
                )
            restocked.append(value)
        else:
            restocked.append(0)
        stripped.append(item)
    return stripped, restocked


def _check_restocked(new: NewOrder, restocked: list[int]) -> None:
    for i, (new_line, value) in enumerate(zip(new.lines, restocked, strict=True)):
        if value > new_line.qty:
            raise InvalidOrder(
                f"items[{i}].qty_restocked: {value} exceeds the qty {new_line.qty}",
                field=f"items[{i}].qty_restocked",
            )


def _check_totals(data: Mapping[str, Any], new: NewOrder) -> None:
    """Step 4."""
    for name in ("sub_total", "grand_total"):
        if data.get(name) is None:
            continue
        computed = new.sub_total if name == "sub_total" else new.grand_total
        if to_money(data[name], name) != computed:
            raise InvalidOrder(
                f"{name}: {data[name]} does not match the {computed} computed from the items"
                " and amounts",
                field=name,
            )


def _statuses(
    config: Config, data: Mapping[str, Any], new: NewOrder
) -> tuple[str, str, str, tuple[NewShipment, ...]]:
    """Step 5: the payment, shipment and order statuses, and the shipments."""
    derived = _derived_from(config)
    payment_status = data.get("payment_status") or derived.default_payment_status
    if payment_status not in config.payment_statuses:
        raise not_allowed("payment status", str(payment_status), list(config.payment_statuses))
    status = data.get("status")
    if status is not None and status not in config.order_statuses:
        raise not_allowed("order status", str(status), list(config.order_status_flow))
    shipments = _shipments(data.get("shipments"), new)
    shipment_status = _shipment_status(
        config, data.get("shipment_status"), new, shipments, canceled=status == CANCELED
    )
    if status is None:
        # resolve_order_status's own first step; it is called for what the table lacks.
        status = derived.resolution.get((payment_status, shipment_status))
        if status is None:
            status = resolve_order_status(config, payment_status, shipment_status)
    return payment_status, shipment_status, status, shipments


def _shipment_status(
    config: Config,
    given: Any,
    new: NewOrder,
    shipments: tuple[NewShipment, ...],
    *,
    canceled: bool,
) -> str:
    """The order's shipment status: with shipments, their rollup, as the services keep it
    (a given one must agree); without, the one given or the configured default."""
    rolled_up = _rolled_up(new, shipments, canceled=canceled) if shipments else None
    shipment_status: str
    if given is None:
        shipment_status = rolled_up or _derived_from(config).default_shipment_status
    elif rolled_up is not None and given != rolled_up:
        raise InvalidOrder(
            f"shipment_status: {given!r} disagrees with the order's shipments,"
            f" which make it {rolled_up!r}",
            field="shipment_status",
        )
    else:
        shipment_status = given
    if shipment_status not in config.shipment_statuses and shipment_status not in ROLLUP_WORDS:
        allowed = [*config.shipment_statuses, *ROLLUP_WORDS]
        raise not_allowed("shipment status", str(shipment_status), allowed)
    return shipment_status
