"""Tracking URLs: a shipment's carrier and tracking number to its carrier's public
tracking page, from the configuration's carriers registry (``domain.config.carriers``).

Pure: no I/O. A carrier is found by its code or its display name, ignoring case and
surrounding spaces ("UPS", "ups", " Ups "); a free-text carrier the registry does not
know, a carrier without a template, or a shipment without a tracking number has no URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from ordermill.domain.config.carriers import PLACEHOLDERS, CarrierDef

__all__ = ["find_carrier", "tracking_url"]


def find_carrier(carriers: Mapping[str, CarrierDef], carrier: str | None) -> CarrierDef | None:
    """The registry's entry for a shipment's ``carrier`` text, or None."""
    if not carrier:
        return None
    wanted = carrier.strip().casefold()
    if not wanted:
        return None
    found = carriers.get(wanted)
    if found is not None:
        return found
    for definition in carriers.values():
        if definition.name.strip().casefold() == wanted:
            return definition
    return None


def tracking_url(
    carriers: Mapping[str, CarrierDef], carrier: str | None, tracking_number: str | None
) -> str | None:
    """The carrier's tracking URL for this tracking number, or None when there is none.

    The tracking number is percent-encoded (nothing is left unescaped), so a number
    holding ``&``, ``#`` or ``/`` cannot change the URL's shape.
    """
    number = (tracking_number or "").strip()
    found = find_carrier(carriers, carrier)
    if not number or found is None or found.tracking_url is None:
        return None
    url = found.tracking_url
    for placeholder in PLACEHOLDERS:
        url = url.replace(placeholder, quote(number, safe=""))
    return url
