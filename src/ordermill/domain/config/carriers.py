"""The carriers registry: the carriers a shipment may name, each with a display name and,
optionally, the template of its public tracking URL.

A configuration file gives them under ``oms.carriers`` (EverShop's place for them)::

    {"oms": {"carriers": {"ups": {"name": "UPS",
                                  "trackingUrl": "https://www.ups.com/track?tracknum={tracking_number}"}},
             "order": {...}}}

The template holds ``{tracking_number}`` (EverShop's ``{trackingNumber}`` is accepted too)
where the shipment's tracking number goes. A file that gives ``carriers`` replaces the
default registry (UPS, FedEx, USPS, DHL); a file without them keeps it. A shipment's
carrier stays free text: one the registry does not know simply has no tracking URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictStr

__all__ = ["CARRIER_CODE_PATTERN", "PLACEHOLDERS", "CarrierDef", "check_carriers"]

CARRIER_CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
PLACEHOLDERS = ("{tracking_number}", "{trackingNumber}")
_BRACES = re.compile(r"\{[^}]*\}")


class CarrierDef(BaseModel):
    """A carrier: its display name and the template of its tracking URL (None: no URL)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=64)
    tracking_url: StrictStr | None = Field(
        default=None,
        max_length=2048,
        validation_alias=AliasChoices("trackingUrl", "tracking_url"),
    )


def check_carriers(carriers: Mapping[str, CarrierDef], tracking_url_key: str) -> list[str]:
    """Every problem of the registry, each starting with its key path."""
    problems: list[str] = []
    names: dict[str, str] = {}
    for code, carrier in carriers.items():
        where = f"oms.carriers.{code}"
        if not CARRIER_CODE_PATTERN.fullmatch(code):
            problems.append(
                f"oms.carriers: invalid carrier code {code!r}: must match"
                f" ^{CARRIER_CODE_PATTERN.pattern}$"
            )
        folded = carrier.name.strip().casefold()
        if folded in names:
            problems.append(
                f"{where}.name: {carrier.name!r} is also the name of carrier {names[folded]!r}"
            )
        names.setdefault(folded, code)
        template = carrier.tracking_url
        if template is None:
            continue
        if not template.startswith(("https://", "http://")):
            problems.append(f"{where}.{tracking_url_key}: must start with https:// or http://")
        others = [b for b in _BRACES.findall(template) if b not in PLACEHOLDERS]
        if not any(p in template for p in PLACEHOLDERS):
            problems.append(
                f"{where}.{tracking_url_key}: must contain {{tracking_number}}, where the"
                " tracking number goes"
            )
        elif others:
            problems.append(
                f"{where}.{tracking_url_key}: unknown placeholder {others[0]}; only"
                " {tracking_number} is filled in"
            )
    return problems
