"""``Config``: the validated, frozen status configuration, and its construction."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import cache
from typing import Any, Self, TypeVar

from pydantic import (
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

from ordermill.domain.config.carriers import CarrierDef, check_carriers
from ordermill.domain.config.checks import (
    _check,
    _defaults_of,
    _resolve_all,
    _split_mapping,
    _topological_flow,
)
from ordermill.domain.config.defaults import (
    _DEFAULT_CARRIERS,
    _DEFAULT_ORDER_STATUSES,
    _DEFAULT_PAYMENT_STATUSES,
    _DEFAULT_PSO_MAPPING,
    _DEFAULT_REFUND_REASONS,
    _DEFAULT_SHIPMENT_STATUSES,
)
from ordermill.domain.config.files import ConfigFields, read_file, read_mapping
from ordermill.domain.config.problems import _CAMEL, _SNAKE, _config_error, _describe, _path
from ordermill.domain.config.statuses import (
    STATUS_CODE_PATTERN,
    OrderStatusDef,
    PaymentStatusDef,
    ShipmentStatusDef,
)
from ordermill.domain.errors import ConfigError

# Named for the package, not this module, so that log filters set on "ordermill.config"
# before the split keep matching.
logger = logging.getLogger("ordermill.config")


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
    # code -> label: the reasons a refund may give.
    refund_reasons: Mapping[str, StrictStr] = Field(
        default_factory=lambda: dict(_DEFAULT_REFUND_REASONS)
    )
    carriers: Mapping[str, CarrierDef] = Field(default_factory=lambda: dict(_DEFAULT_CARRIERS))

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
        problems.extend(_check_refund_reasons(self.refund_reasons, names))
        problems += check_carriers(
            self.carriers, "tracking_url" if context.get("snake_case") else "trackingUrl"
        )
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
             self.restock_after_cancellation, tuple(self.refund_reasons.items()),
             tuple(self.carriers.items()))
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
        return _build_from(read_mapping(data, source=None))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Config:
        """Load a ``.json`` or ``.toml`` file; any other suffix is a ``ConfigError``."""
        return _build_from(read_file(path))


def _check_refund_reasons(reasons: Mapping[str, str], names: object) -> list[str]:
    key = "refund_reasons" if names is _SNAKE else "refundReasons"
    if not reasons:
        return [f"{_path('oms', 'order', key)}: at least one refund reason is needed"]
    return [
        f"{_path('oms', 'order', key, code)}: invalid reason code {code!r}: "
        f"must match ^{STATUS_CODE_PATTERN.pattern}$"
        for code in reasons
        if not STATUS_CODE_PATTERN.fullmatch(code)
    ]


@cache
def _default_config() -> Config:
    return Config()


_C = TypeVar("_C", bound=Config)


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


def _build_from(read: ConfigFields) -> Config:
    return _build(Config, read.fields, snake_case=read.snake_case, source=read.source)
