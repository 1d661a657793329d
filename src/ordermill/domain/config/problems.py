"""How a problem is reported: a key path in the file's own spelling (camelCase or
snake_case), and one ``ConfigError`` listing every problem."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ordermill.domain.errors import ConfigError

_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_]+")

_KEY_HINTS = {
    "shipmentRollup": "ordermill's shipment rollup rules are fixed, see ordermill.domain.status",
    "shipmentRollupCancelable": "set isCancelable on the shipment statuses instead",
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
