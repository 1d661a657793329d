"""Reading one value of an import file, each refusal an ``InvalidOrder`` (or an
``InvalidStatus``) that names the field, the value and the reason."""

from __future__ import annotations

import uuid as uuid_lib
from datetime import UTC, datetime

from ordermill.domain.errors import InvalidOrder, InvalidStatus
from ordermill.domain.text import unstorable

__all__ = ["not_allowed", "positive_int", "short_text", "timestamp", "uuid_text"]


def timestamp(value: object, field_name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidOrder(
            f"{field_name}: {value!r} is not an ISO 8601 timestamp", field=field_name
        )
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidOrder(
            f"{field_name}: {value!r} is not an ISO 8601 timestamp", field=field_name
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def short_text(value: object, field_name: str, max_len: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidOrder(f"{field_name}: {value!r} is not a string", field=field_name)
    text = value.strip()
    if len(text) > max_len or unstorable(text):
        raise InvalidOrder(
            f"{field_name}: {text[:40]!r} is longer than {max_len} characters, has a NUL"
            " or is not valid Unicode",
            field=field_name,
        )
    return text or None


def uuid_text(value: object, field_name: str) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid_lib.UUID(str(value).strip()))
    except ValueError:
        raise InvalidOrder(f"{field_name}: {value!r} is not a UUID", field=field_name) from None


def positive_int(value: object, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidOrder(f"{field_name}: {value!r} is not a positive integer", field=field_name)
    return value


def not_allowed(kind: str, value: str, allowed: list[str]) -> InvalidStatus:
    return InvalidStatus(
        f"Invalid {kind} {value!r}; allowed: {', '.join(allowed)}",
        kind=kind,
        value=value,
        allowed=allowed,
    )
