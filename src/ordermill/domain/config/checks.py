"""The semantic checks run when a ``Config`` is built: status codes, default flags,
required statuses, ``next`` targets and cycles, mapping keys and targets, and the
coverage of every payment:shipment pair; then the order-status flow and the resolution
table derived from a configuration that passed them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

from ordermill.domain.config.problems import _KeyNames, _path
from ordermill.domain.config.statuses import (
    ROLLUP_WORDS,
    STATUS_CODE_PATTERN,
    OrderStatusDef,
    PaymentStatusDef,
    ShipmentStatusDef,
    StatusDef,
)


class StatusGroups(Protocol):
    """What the checks read: the four groups of a configuration being built. ``Config``
    has them; it runs these checks, so this module names the shape, not the class."""

    @property
    def payment_statuses(self) -> Mapping[str, PaymentStatusDef]: ...
    @property
    def shipment_statuses(self) -> Mapping[str, ShipmentStatusDef]: ...
    @property
    def order_statuses(self) -> Mapping[str, OrderStatusDef]: ...
    @property
    def pso_mapping(self) -> Mapping[str, str]: ...


_MAPPING_KEY = re.compile(r"(\*|[a-z][a-z0-9_]*):(\*|[a-z][a-z0-9_]*)")

_REQUIRED_PAYMENT = {"canceled": "cancel_order sets it"}
_REQUIRED_SHIPMENT = {
    "shipped": "a new shipment has it",
    "delivered": "mark_delivered sets it",
    "canceled": "cancel_shipment and cancel_order set it",
}


def _check(config: StatusGroups, names: _KeyNames, usable_mapping: Mapping[str, str]) -> list[str]:
    groups: tuple[tuple[str, Mapping[str, StatusDef]], ...] = (
        (names.payment, config.payment_statuses),
        (names.shipment, config.shipment_statuses),
        (names.order, config.order_statuses),
    )
    problems: list[str] = []
    for key, statuses in groups:
        problems.extend(
            f"{_path('oms', 'order', key, code)}: invalid status code {code!r}: "
            f"must match ^{STATUS_CODE_PATTERN.pattern}$"
            for code in statuses
            if not STATUS_CODE_PATTERN.fullmatch(code)
        )
        defaults = _defaults_of(statuses)
        exactly_one = key != names.shipment
        if len(defaults) > 1 or (exactly_one and not defaults):
            rule = "exactly one status must" if exactly_one else "at most one status may"
            found = f"found {len(defaults)}" + (f" ({', '.join(defaults)})" if defaults else "")
            problems.append(
                f"{_path('oms', 'order', key)}: {rule} have {names.is_default} true, {found}"
            )
    # Codes the services write themselves: cancel_order sets payment "canceled", and
    # shipment rows move through shipped, delivered and canceled.
    for key, statuses, required in (
        (names.payment, config.payment_statuses, _REQUIRED_PAYMENT),
        (names.shipment, config.shipment_statuses, _REQUIRED_SHIPMENT),
    ):
        problems.extend(
            f"{_path('oms', 'order', key)}: the status {code!r} is required ({why})"
            for code, why in required.items()
            if code not in statuses
        )
    orders = config.order_statuses
    configured = f"(configured: {', '.join(orders)})"
    for code, status in orders.items():
        problems.extend(
            f"{_path('oms', 'order', names.order, code, 'next')}: {target!r} is not a "
            f"configured order status {configured}"
            for target in status.next
            if target not in orders
        )
    problems.extend(
        f"{_path('oms', 'order', names.order)}: next forms a cycle: {' -> '.join(cycle)}; "
        "statuses may only point forward"
        for cycle in _find_cycles(orders)
    )
    for key in config.pso_mapping:
        if not _MAPPING_KEY.fullmatch(key):
            problems.append(
                f"{_path('oms', 'order', names.mapping, key)}: invalid key {key!r}: expected "
                "'payment:shipment', each side a status code or '*'"
            )
        elif key in usable_mapping and usable_mapping[key] not in orders:
            problems.append(
                f"{_path('oms', 'order', names.mapping, key)}: {usable_mapping[key]!r} is not a "
                f"configured order status {configured}"
            )
    return problems


def _split_mapping(config: StatusGroups) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The well-formed mapping entries, and (key, reason) for those naming a status that is
    not configured. Those are ignored, not refused: they can never match, and a file that
    replaces a status group may legitimately leave default keys such as ``failed:*``."""
    usable: dict[str, str] = {}
    ignored: list[tuple[str, str]] = []
    for key, target in config.pso_mapping.items():
        match = _MAPPING_KEY.fullmatch(key)
        if match is None:
            continue
        payment, shipment = match.groups()
        if payment != "*" and payment not in config.payment_statuses:
            ignored.append((key, f"payment status {payment!r} is not configured"))
        elif shipment not in ("*", *ROLLUP_WORDS) and shipment not in config.shipment_statuses:
            ignored.append((key, f"shipment status {shipment!r} is not configured"))
        else:
            usable[key] = target
    return usable, ignored


def _resolve_all(
    config: StatusGroups, usable_mapping: Mapping[str, str]
) -> tuple[dict[tuple[str, str], str], list[str]]:
    shipments = [*config.shipment_statuses]
    shipments += [word for word in ROLLUP_WORDS if word not in config.shipment_statuses]
    resolution: dict[tuple[str, str], str] = {}
    unresolved: list[str] = []
    for payment in config.payment_statuses:
        for shipment in shipments:
            # EverShop's fixed precedence: a shipment-side wildcard beats a payment-side one.
            for key in (f"{payment}:{shipment}", f"*:{shipment}", f"{payment}:*", "*:*"):
                if key in usable_mapping:
                    resolution[(payment, shipment)] = usable_mapping[key]
                    break
            else:
                unresolved.append(f"{payment}:{shipment}")
    return resolution, unresolved


def _defaults_of(statuses: Mapping[str, StatusDef]) -> list[str]:
    return [code for code, status in statuses.items() if status.is_default]


def _find_cycles(orders: Mapping[str, OrderStatusDef]) -> list[list[str]]:
    """Every cycle closed by a back edge of a depth-first walk, as ``[a, b, a]``."""
    cycles: list[list[str]] = []
    done: set[str] = set()
    path: list[str] = []

    def visit(code: str) -> None:
        path.append(code)
        for target in orders[code].next:
            if target in path:
                cycles.append([*path[path.index(target) :], target])
            elif target in orders and target not in done:
                visit(target)
        path.pop()
        done.add(code)

    for code in orders:
        if code not in done:
            visit(code)
    return cycles


def _topological_flow(orders: Mapping[str, OrderStatusDef]) -> tuple[str, ...]:
    incoming = dict.fromkeys(orders, 0)
    for status in orders.values():
        for target in set(status.next):
            incoming[target] += 1
    flow: list[str] = []
    while len(flow) < len(orders):
        # The first declared status that nothing still pending points to (Kahn, stable).
        code = next(c for c in orders if incoming[c] == 0 and c not in flow)
        flow.append(code)
        for target in set(orders[code].next):
            incoming[target] -= 1
    return tuple(flow)
