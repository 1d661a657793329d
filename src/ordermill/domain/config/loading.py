"""Loading a configuration: JSON and TOML files, EverShop's ``{"oms": {"order": ...}}``
file shape with camelCase or snake_case keys, and ``load_config``."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
)

from ordermill.domain.config.models import Config, _build
from ordermill.domain.config.problems import _config_error, _describe, _file_error
from ordermill.domain.config.statuses import OrderStatusDef, PaymentStatusDef, ShipmentStatusDef

_SNAKE_ONLY_KEYS = frozenset(
    {"payment_status", "shipment_status", "pso_mapping", "re_stock_after_cancellation",
     "restock_after_cancellation", "is_default", "is_cancelable"}
)  # fmt: skip


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


def _read_file(path: str | os.PathLike[str]) -> Config:
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


def _uses_snake_case(data: Mapping[str, Any]) -> bool:
    order = data["oms"]["order"]
    keys = set(order)
    for group in order.values():
        if isinstance(group, Mapping):
            for status in group.values():
                if isinstance(status, Mapping):
                    keys.update(status)
    return not keys.isdisjoint(_SNAKE_ONLY_KEYS)
