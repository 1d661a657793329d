"""What a client reads when its request does not validate: each error named as the client
wrote the field (``items[0].price``), in the services' words where they have some (money),
never with Pydantic's internal tags; broken JSON said with its line and column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ordermill.domain.errors import InvalidInput
from ordermill.domain.new_order import to_money

__all__ = ["describe_validation_errors"]


def describe_validation_errors(
    raw: Iterable[Mapping[str, Any]], body: object
) -> tuple[str, list[dict[str, Any]]]:
    """The problem's ``detail`` and its ``errors``, one per field."""
    errors: list[dict[str, Any]] = []
    for error in raw:
        where = "" if error.get("type") == "json_invalid" else _where(error.get("loc", ()))
        message = _message(error, body)
        if errors and errors[-1]["field"] == where:
            continue  # the other members of a union (a string, or else an integer)
        errors.append(
            {
                "loc": [str(part) for part in error.get("loc", ()) if not _is_tag(part)],
                "field": where,
                "message": message,
                "type": str(error.get("type", "")),
            }
        )
    first = errors[0] if errors else {"field": "", "message": "invalid request"}
    detail = (
        first["message"]
        if first["type"] == "json_invalid"
        else (f"{first['field'] or 'request'}: {first['message']}")
    )
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    return detail, errors


# Money fields of the request bodies (schemas.Money): their errors are the services'.
_MONEY_FIELDS = frozenset({"price", "shipping_fee", "tax_amount", "discount_amount"})


def _is_tag(part: object) -> bool:
    """Pydantic's name for a member of a union ("constrained-str"), not a field."""
    return isinstance(part, str) and ("-" in part or "[" in part)


def _where(loc: Sequence[object]) -> str:
    """``items[0].price`` for a body field; ``query parameter limit`` for the others."""
    parts = [part for part in loc if not _is_tag(part)]
    if not parts:
        return ""
    source, *path = parts
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f"{'.' if text else ''}{part}"
    if source == "body":
        return text
    return f"{source} parameter {text}".strip()


def _message(error: Mapping[str, Any], body: object) -> str:
    kind, loc = error.get("type"), error.get("loc", ())
    if kind == "json_invalid":
        return _json_error(error, body)
    named = [part for part in loc if isinstance(part, str) and not _is_tag(part)]
    if named and named[-1] in _MONEY_FIELDS and loc[0] == "body":
        try:
            to_money(error.get("input"), _where(loc))
        except InvalidInput as refused:
            return refused.message.partition(": ")[2] or refused.message
        # Valid for the services but not for the contract (e.g. 5 decimal places).
    return str(error.get("msg", ""))


def _json_error(error: Mapping[str, Any], body: object) -> str:
    """Where the JSON broke, as line and column (FastAPI gives a character offset)."""
    reason = str(error.get("ctx", {}).get("error", "invalid JSON"))
    offset = error.get("loc", ("body", 0))[-1]
    if isinstance(body, str) and isinstance(offset, int):
        before = body[:offset]
        line, column = before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
        return f"The request body is not valid JSON: {reason} at line {line}, column {column}"
    return f"The request body is not valid JSON: {reason}"
