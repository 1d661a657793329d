"""Order versions over HTTP: ``ETag: "<version>"`` on order replies, ``If-Match`` on changes.

An order's ``ETag`` is its version in quotes (``"3"``), a strong validator: every change
of the order, whoever makes it, raises the version (``Order.version``). A mutation sent
with ``If-Match: "3"`` is made only if the order is still at version 3 (checked under
the order's lock), else 412 ``stale_order`` and nothing is written. ``If-Match: *``
and no header at all make the change whatever the version.
"""

from __future__ import annotations

import re

from ordermill.domain.errors import InvalidIfMatch

__all__ = ["etag", "expected_version"]

_ONE = re.compile(r'^(?:W/)?"([1-9][0-9]{0,17})"$')


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names, or None (absent, or ``*``)."""
    if if_match is None:
        return None
    value = if_match.strip()
    if value == "*":
        return None
    found = _ONE.match(value)
    if found is None:
        raise InvalidIfMatch(
            f'If-Match: {if_match[:64]!r} is not an order\'s ETag (one quoted version, e.g. "3")'
            " or *",
            header="If-Match",
        )
    return int(found.group(1))
