"""The status configuration: which payment, shipment and order statuses exist and how a
(payment, shipment) pair resolves to an order status.

A configuration file has EverShop's shape, in JSON (camelCase keys) or TOML (snake_case
keys; camelCase is accepted too)::

    {"oms": {"order": {"paymentStatus": {...}, "shipmentStatus": {...}, "status": {...},
                       "psoMapping": {...}, "reStockAfterCancellation": true}}}

Only that full shape is accepted, never the inner ``order`` or ``oms`` part alone. Each
group the file gives (payment statuses, shipment statuses, order statuses, mapping)
replaces the same group of the defaults; groups it omits keep the defaults.

Everything is checked when a ``Config`` is built and every problem is reported at once in
one ``ConfigError`` whose ``problems`` lines start with the key path. The order-status
flow and the whole resolution table are computed then too, so the status rules that run
on every write are plain dict lookups.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictStr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from ordermill.errors import ConfigError

__all__ = [
    "ROLLUP_WORDS",
    "STATUS_CODE_PATTERN",
    "Config",
    "OrderStatusDef",
    "PaymentStatusDef",
    "ShipmentPhase",
    "ShipmentStatusDef",
    "StatusDef",
    "load_config",
]

logger = logging.getLogger("ordermill.config")

# Order-level shipment values derived from shipments. They need no configuration: a
# mapping key may name them and resolution accepts them even when they are not configured.
ROLLUP_WORDS: tuple[str, ...] = (
    "pending",
    "partially_shipped",
    "partially_delivered",
    "partially_canceled",
)

STATUS_CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_MAPPING_KEY = re.compile(r"(\*|[a-z][a-z0-9_]*):(\*|[a-z][a-z0-9_]*)")
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_]+")

_KEY_HINTS = {
    "shipmentRollup": "ordermill's shipment rollup rules are fixed, see ordermill.status",
    "shipmentRollupCancelable": "set isCancelable on the shipment statuses instead",
}


ShipmentPhase = Literal["shipped", "delivered", "canceled"]

_REQUIRED_PAYMENT = {"canceled": "cancel_order sets it"}
_REQUIRED_SHIPMENT = {
    "shipped": "a new shipment has it",
    "delivered": "mark_delivered sets it",
    "canceled": "cancel_shipment and cancel_order set it",
}


class StatusDef(BaseModel):
    """What every status has: a display name, a badge (a UI variant) and the default flag."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: StrictStr = Field(min_length=1)
    is_default: StrictBool = Field(
        default=False, validation_alias=AliasChoices("isDefault", "is_default")
    )
    badge: StrictStr = "default"


class PaymentStatusDef(StatusDef):
    # EverShop blocks a cancel only on an explicit false, hence the True default.
    is_cancelable: StrictBool = Field(
        default=True, validation_alias=AliasChoices("isCancelable", "is_cancelable")
    )


class ShipmentStatusDef(StatusDef):
    is_cancelable: StrictBool = Field(
        default=True, validation_alias=AliasChoices("isCancelable", "is_cancelable")
    )
    phase: ShipmentPhase | None = None


class OrderStatusDef(StatusDef):
    """An order status; ``next`` only orders the statuses (the flow), it is no allow-list."""

    next: tuple[StrictStr, ...]


def _payment(name: str, badge: str, *, cancelable: bool, default: bool = False) -> PaymentStatusDef:
    return PaymentStatusDef(name=name, badge=badge, is_cancelable=cancelable, is_default=default)


def _shipment(
    name: str,
    badge: str,
    *,
    cancelable: bool,
    phase: ShipmentPhase | None = None,
    default: bool = False,
) -> ShipmentStatusDef:
    return ShipmentStatusDef(
        name=name, badge=badge, is_cancelable=cancelable, phase=phase, is_default=default
    )


def _order(name: str, badge: str, *nexts: str, default: bool = False) -> OrderStatusDef:
    return OrderStatusDef(name=name, badge=badge, next=nexts, is_default=default)


_DEFAULT_PAYMENT_STATUSES = {
    "pending": _payment("Pending", "default", cancelable=True, default=True),
    "paid": _payment("Paid", "success", cancelable=False),
    "failed": _payment("Failed", "destructive", cancelable=True),
    "refunded": _payment("Refunded", "outline", cancelable=False),
    "canceled": _payment("Canceled", "destructive", cancelable=False),
}
# The phases are not in the reference document; they tell shipment code which quantity
# bucket a shipment in that status counts towards, as EverShop 2.2 does.
_DEFAULT_SHIPMENT_STATUSES = {
    "pending": _shipment("Pending", "default", cancelable=True, default=True),
    "processing": _shipment("Processing", "warning", cancelable=True),
    "shipped": _shipment("Shipped", "warning", cancelable=False, phase="shipped"),
    "delivered": _shipment("Delivered", "success", cancelable=False, phase="delivered"),
    "canceled": _shipment("Canceled", "destructive", cancelable=False, phase="canceled"),
}
_DEFAULT_ORDER_STATUSES = {
    "pending": _order("Pending", "default", "processing", "canceled", "closed", default=True),
    "processing": _order("Processing", "warning", "shipped", "completed", "canceled", "closed"),
    "shipped": _order("Shipped", "warning", "completed", "canceled", "closed"),
    "completed": _order("Completed", "success", "closed"),
    "canceled": _order("Canceled", "destructive"),
    "closed": _order("Closed", "outline"),
}
_DEFAULT_PSO_MAPPING = {
    "pending:*": "pending",
    "failed:*": "pending",
    "paid:pending": "processing",
    "paid:processing": "processing",
    "paid:partially_shipped": "processing",
    "paid:partially_canceled": "processing",
    "paid:shipped": "shipped",
    "paid:partially_delivered": "shipped",
    "paid:delivered": "completed",
    "refunded:*": "closed",
    "canceled:*": "canceled",
    "*:canceled": "canceled",
}


@dataclass(frozen=True)
class _KeyNames:
    """The file's spelling of the keys, so that problem paths match what the user wrote."""

    payment: str
    shipment: str
    order: str
    mapping: str
    is_default: str


_CAMEL = _KeyNames("paymentStatus", "shipmentStatus", "status", "psoMapping", "isDefault")
_SNAKE = _KeyNames("payment_status", "shipment_status", "status", "pso_mapping", "is_default")
_SNAKE_ONLY_KEYS = frozenset(
    {"payment_status", "shipment_status", "pso_mapping", "re_stock_after_cancellation",
     "restock_after_cancellation", "is_default", "is_cancelable"}
)  # fmt: skip


class Config(BaseModel):
    """The validated, frozen status configuration; build it with the class methods.

    The mappings are typed read-only (``Mapping``) and never mutated: the flow and the
    resolution table are derived from them once, here. Derive a changed configuration
    with ``model_copy(update=...)``, which validates again. Direct construction
    (``Config(payment_statuses=...)``, Python names) applies the same checks but reports
    them through pydantic's ``ValidationError``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    payment_statuses: Mapping[str, PaymentStatusDef] = Field(
        default_factory=lambda: dict(_DEFAULT_PAYMENT_STATUSES)
    )
    shipment_statuses: Mapping[str, ShipmentStatusDef] = Field(
        default_factory=lambda: dict(_DEFAULT_SHIPMENT_STATUSES)
    )
    order_statuses: Mapping[str, OrderStatusDef] = Field(
        default_factory=lambda: dict(_DEFAULT_ORDER_STATUSES)
    )
    pso_mapping: Mapping[str, StrictStr] = Field(default_factory=lambda: dict(_DEFAULT_PSO_MAPPING))
    restock_after_cancellation: StrictBool = True

    _flow: tuple[str, ...] = PrivateAttr(default=())
    _terminal: tuple[str, ...] = PrivateAttr(default=())
    _resolution: dict[tuple[str, str], str] = PrivateAttr(default_factory=dict)
    _defaults: tuple[str, str, str] = PrivateAttr(default=("", "", ""))
    _hash: int = PrivateAttr(default=0)

    @model_validator(mode="after")
    def _check_and_index(self, info: ValidationInfo) -> Self:
        context = info.context if isinstance(info.context, Mapping) else {}
        names = _SNAKE if context.get("snake_case") else _CAMEL
        source = context.get("source")
        usable_mapping, ignored = _split_mapping(self)
        for key, reason in ignored:
            logger.warning(
                "%s%s: %s; this mapping entry is ignored",
                f"{source}: " if source else "",
                _path("oms", "order", names.mapping, key),
                reason,
            )
        problems = _check(self, names, usable_mapping)
        resolution, unresolved = _resolve_all(self, usable_mapping)
        if unresolved:
            problems.append(
                f"{_path('oms', 'order', names.mapping)}: no order status for "
                f"{len(unresolved)} payment:shipment pair(s): {', '.join(unresolved)}"
            )
        if problems:
            raise _config_error(problems, source)
        self._flow = _topological_flow(self.order_statuses)
        self._terminal = tuple(code for code in self._flow if not self.order_statuses[code].next)
        self._resolution = resolution
        shipment_default = _defaults_of(self.shipment_statuses)
        self._defaults = (
            _defaults_of(self.payment_statuses)[0],
            shipment_default[0] if shipment_default else "pending",
            _defaults_of(self.order_statuses)[0],
        )
        self._hash = hash(
            (tuple(self.payment_statuses.items()), tuple(self.shipment_statuses.items()),
             tuple(self.order_statuses.items()), tuple(self.pso_mapping.items()),
             self.restock_after_cancellation)
        )  # fmt: skip
        return self

    def __hash__(self) -> int:
        return self._hash

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Copy, re-validating an ``update`` (pydantic's copy would skip the checks and caches)."""
        if not update:
            return super().model_copy(deep=deep)
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return _build(type(self), {**fields, **update}, snake_case=False, source=None)

    @property
    def default_payment_status(self) -> str:
        return self._defaults[0]

    @property
    def default_shipment_status(self) -> str:
        """The shipment status flagged default, else ``pending`` (EverShop 2.2 flags none)."""
        return self._defaults[1]

    @property
    def default_order_status(self) -> str:
        return self._defaults[2]

    @property
    def order_status_flow(self) -> tuple[str, ...]:
        """Order statuses in topological order of ``next``, ties in declaration order."""
        return self._flow

    @property
    def terminal_order_statuses(self) -> tuple[str, ...]:
        """Order statuses with an empty ``next``, in flow order: an order never leaves them."""
        return self._terminal

    @property
    def resolution(self) -> Mapping[tuple[str, str], str]:
        """(payment, shipment) -> order status, for every configured payment status and
        every configured shipment status or rollup word, in that declaration order."""
        return self._resolution

    @classmethod
    def default(cls) -> Config:
        return _default_config()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """Build from the ``{"oms": {"order": {...}}}`` shape, camelCase or snake_case keys."""
        return _from_mapping(data, source=None)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Config:
        """Load a ``.json`` or ``.toml`` file; any other suffix is a ``ConfigError``."""
        file = Path(path)
        suffix = file.suffix.lower()
        if suffix not in (".json", ".toml"):
            raise _file_error(
                file, f"unsupported file type {file.suffix or '(none)'!r}; use .json or .toml"
            )
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            raise _file_error(file, "file not found") from None
        except OSError as exc:
            raise _file_error(file, f"cannot read the file ({exc.strerror or exc})") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _file_error(file, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
        try:
            data = json.loads(text) if suffix == ".json" else tomllib.loads(text)
        except json.JSONDecodeError as exc:
            reason = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            raise _file_error(file, reason) from None
        except tomllib.TOMLDecodeError as exc:
            raise _file_error(file, f"invalid TOML: {exc}") from None
        return _from_mapping(data, source=str(file))


def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any] | Config | None = None,
) -> Config:
    """The configuration from a file path (a ``str`` is always a path, never JSON text), a
    ``{"oms": {"order": ...}}`` mapping, a ``Config`` (returned as is) or ``None`` (defaults)."""
    if source is None:
        return Config.default()
    if isinstance(source, Config):
        return source
    if isinstance(source, Mapping):
        return Config.from_dict(source)
    if isinstance(source, str | os.PathLike):
        return Config.from_file(source)
    raise TypeError(
        f"load_config() takes a file path, a mapping, a Config or None, not {type(source).__name__}"
    )


@cache
def _default_config() -> Config:
    return Config()


_C = TypeVar("_C", bound=Config)


class _OrderSection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    payment_status: dict[str, PaymentStatusDef] | None = Field(
        default=None, validation_alias=AliasChoices("paymentStatus", "payment_status")
    )
    shipment_status: dict[str, ShipmentStatusDef] | None = Field(
        default=None, validation_alias=AliasChoices("shipmentStatus", "shipment_status")
    )
    status: dict[str, OrderStatusDef] | None = None
    pso_mapping: dict[str, StrictStr] | None = Field(
        default=None, validation_alias=AliasChoices("psoMapping", "pso_mapping")
    )
    restock: StrictBool | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "reStockAfterCancellation", "re_stock_after_cancellation", "restock_after_cancellation"
        ),
    )


class _OmsSection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    order: _OrderSection


class _ConfigFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    oms: _OmsSection


def _from_mapping(data: object, source: str | None) -> Config:
    if not isinstance(data, Mapping):
        reason = f'expected an object shaped {{"oms": {{"order": ...}}}}, got {type(data).__name__}'
        raise _config_error([f"(top level): {reason}"], source)
    try:
        order = _ConfigFile.model_validate(data).oms.order
    except ValidationError as exc:
        raise _config_error([_describe(error) for error in exc.errors()], source) from None
    given = {
        "payment_statuses": order.payment_status,
        "shipment_statuses": order.shipment_status,
        "order_statuses": order.status,
        "pso_mapping": order.pso_mapping,
        "restock_after_cancellation": order.restock,
    }
    fields = {name: value for name, value in given.items() if value is not None}
    return _build(Config, fields, snake_case=_uses_snake_case(data), source=source)


def _build(cls: type[_C], fields: Mapping[str, Any], *, snake_case: bool, source: str | None) -> _C:
    try:
        return cls.model_validate(fields, context={"snake_case": snake_case, "source": source})
    except ValidationError as exc:
        # The semantic checks raise ConfigError inside pydantic, which wraps it: unwrap.
        for error in exc.errors():
            cause = error.get("ctx", {}).get("error")
            if isinstance(cause, ConfigError):
                raise cause from None
        raise _config_error([_describe(error) for error in exc.errors()], source) from None


def _uses_snake_case(data: Mapping[str, Any]) -> bool:
    order = data["oms"]["order"]
    keys = set(order)
    for group in order.values():
        if isinstance(group, Mapping):
            for status in group.values():
                if isinstance(status, Mapping):
                    keys.update(status)
    return not keys.isdisjoint(_SNAKE_ONLY_KEYS)


def _check(config: Config, names: _KeyNames, usable_mapping: Mapping[str, str]) -> list[str]:
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


def _split_mapping(config: Config) -> tuple[dict[str, str], list[tuple[str, str]]]:
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
    config: Config, usable_mapping: Mapping[str, str]
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


def _path(*segments: str | int) -> str:
    text = ""
    for segment in segments:
        if isinstance(segment, int):
            text += f"[{segment}]"
            continue
        part = segment if _PLAIN_SEGMENT.fullmatch(segment) else json.dumps(segment)
        text += f".{part}" if text else part
    return text


def _describe(error: Mapping[str, Any]) -> str:
    loc = error["loc"]
    path = _path(*loc) if loc else "(top level)"
    if error["type"] == "extra_forbidden":
        hint = _KEY_HINTS.get(str(loc[-1]))
        if len(loc) == 1:
            hint = 'the configuration must be shaped {"oms": {"order": {...}}}'
        return f"{path}: unknown key" + (f" ({hint})" if hint else "")
    if error["type"] == "missing":
        return f"{path}: required key is missing"
    got = repr(error["input"])
    got = got if len(got) <= 60 else got[:57] + "..."
    message = str(error["msg"])
    return f"{path}: {message[:1].lower()}{message[1:]}, got {got}"


def _config_error(problems: list[str], source: str | None) -> ConfigError:
    where = f" in {source}" if source else ""
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    listing = "".join(f"\n  - {problem}" for problem in problems)
    return ConfigError(
        f"Invalid status configuration{where} ({count}):{listing}", problems=problems, source=source
    )


def _file_error(file: Path, reason: str) -> ConfigError:
    return ConfigError(
        f"Cannot load the status configuration {file}: {reason}",
        problems=[f"{file}: {reason}"],
        source=str(file),
    )
