"""The configuration file's shape: JSON and TOML files, EverShop's ``{"oms": {"order": ...}}``
shape with camelCase or snake_case keys, read into the fields a ``Config`` is built from.

Nothing here builds a ``Config`` (models.py does, from ``ConfigFields``), so models.py can
read files without an import cycle.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
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

from ordermill.domain.config.carriers import CarrierDef
from ordermill.domain.config.problems import _config_error, _describe, _file_error
from ordermill.domain.config.statuses import OrderStatusDef, PaymentStatusDef, ShipmentStatusDef

_SNAKE_ONLY_KEYS = frozenset(
    {"payment_status", "shipment_status", "pso_mapping", "re_stock_after_cancellation",
     "restock_after_cancellation", "is_default", "is_cancelable", "refund_reasons",
     "tracking_url"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConfigFields:
    """The groups a file gave (by ``Config`` field name), whether its keys are snake_case
    (which names the problems in its own spelling) and where it came from."""

    fields: dict[str, Any]
    snake_case: bool
    source: str | None


def read_file(path: str | os.PathLike[str]) -> ConfigFields:
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
    return read_mapping(data, source=str(file))


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
    # code -> label, or a list of codes (each its own label, "wrong_item" -> "Wrong item").
    refund_reasons: dict[str, StrictStr] | list[StrictStr] | None = Field(
        default=None, validation_alias=AliasChoices("refundReasons", "refund_reasons")
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
    carriers: dict[str, CarrierDef] | None = None


class _ConfigFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    oms: _OmsSection


def read_mapping(data: object, source: str | None) -> ConfigFields:
    if not isinstance(data, Mapping):
        reason = f'expected an object shaped {{"oms": {{"order": ...}}}}, got {type(data).__name__}'
        raise _config_error([f"(top level): {reason}"], source)
    try:
        oms = _ConfigFile.model_validate(data).oms
    except ValidationError as exc:
        raise _config_error([_describe(error) for error in exc.errors()], source) from None
    order = oms.order
    given = {
        "payment_statuses": order.payment_status,
        "shipment_statuses": order.shipment_status,
        "order_statuses": order.status,
        "pso_mapping": order.pso_mapping,
        "restock_after_cancellation": order.restock,
        "refund_reasons": _reasons(order.refund_reasons),
        "carriers": oms.carriers,
    }
    fields = {name: value for name, value in given.items() if value is not None}
    return ConfigFields(fields, _uses_snake_case(data), source)


def _reasons(given: dict[str, str] | list[str] | None) -> dict[str, str] | None:
    if given is None or isinstance(given, dict):
        return given
    return {code: code.replace("_", " ").capitalize() for code in given}


def _uses_snake_case(data: Mapping[str, Any]) -> bool:
    order = data["oms"]["order"]
    keys = set(order)
    groups = [*order.values(), data["oms"].get("carriers")]
    for group in groups:
        if isinstance(group, Mapping):
            for status in group.values():
                if isinstance(status, Mapping):
                    keys.update(status)
    return not keys.isdisjoint(_SNAKE_ONLY_KEYS)
