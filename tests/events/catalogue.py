"""The generated parts of the event documentation: the catalogue section of
``docs/events.md`` and one JSON Schema per event type under ``docs/events/schemas/``.

``make events-docs`` (or ``ORDERMILL_UPDATE_EVENT_DOCS=1`` when running
``tests/events``) rewrites them from the scenario of ``tests/events/scenario.py``;
``tests/events/test_catalogue.py`` fails while they differ from what is committed.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from ordermill.domain.events import CATALOGUE, EventType
from tests.events.scenario import run_scenario

__all__ = ["DOC", "SCHEMAS", "generate", "main", "schema_of", "section"]

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "events.md"
SCHEMAS = ROOT / "docs" / "events" / "schemas"
BEGIN = "<!-- BEGIN GENERATED CATALOGUE (make events-docs) -->"
END = "<!-- END GENERATED CATALOGUE -->"

_ID = {"type": "integer", "minimum": 1}
_UUID = {"type": "string", "format": "uuid"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_MONEY = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
_STATUS = {"type": "string", "minLength": 1}
_QTY = {"type": "integer", "minimum": 1}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }


FIELDS: dict[str, dict[str, Any]] = {
    "order_id": _ID,
    "order_uuid": _UUID,
    "order_number": {"type": "string", "minLength": 1},
    "external_reference": _TEXT_OR_NULL,
    "customer_id": {"type": ["integer", "null"]},
    "customer_email": {"type": "string", "minLength": 1},
    "grand_total": _MONEY,
    "currency": {"type": "string", "minLength": 1},
    "payment_status": _STATUS,
    "shipment_status": _STATUS,
    "status": _STATUS,
    "from_status": _STATUS,
    "to_status": _STATUS,
    "reason": _TEXT_OR_NULL,
    "restocked": {
        "type": "array",
        "items": _object({"sku": {"type": "string"}, "qty": _QTY}),
    },
    "activity_id": _ID,
    "message": {"type": "string", "minLength": 1},
    "customer_notified": {"type": "boolean"},
    "shipment_id": _ID,
    "shipment_uuid": _UUID,
    "carrier": _TEXT_OR_NULL,
    "tracking_number": _TEXT_OR_NULL,
    "tracking_url": _TEXT_OR_NULL,
    "previous": _object({"carrier": _TEXT_OR_NULL, "tracking_number": _TEXT_OR_NULL}),
    "payment_id": _ID,
    "kind": {"enum": ["authorization", "capture", "sale", "void", "refund"]},
    "amount": _MONEY,
    "gateway": _TEXT_OR_NULL,
    "reference": _TEXT_OR_NULL,
    "refund_id": _ID,
    "shipping_amount": _MONEY,
    "lines": {
        "type": "array",
        "items": _object(
            {
                "order_item_id": _ID,
                "qty": _QTY,
                "amount": _MONEY,
                "qty_restocked": {"type": "integer", "minimum": 0},
            }
        ),
    },
    "return_id": _ID,
    "return_uuid": _UUID,
    "requested_by": {"enum": ["staff", "customer"]},
}
# The ``lines`` of each return event.
LINES = {
    "ordermill.return.requested": _object(
        {"order_item_id": _ID, "sku": {"type": "string"}, "qty": _QTY, "reason": _TEXT_OR_NULL}
    ),
    "ordermill.return.received": _object(
        {
            "order_item_id": _ID,
            "sku": {"type": "string"},
            "qty": _QTY,
            "condition": {"enum": ["unopened", "opened", "damaged"]},
            "restock": {"type": "boolean"},
        }
    ),
}
# Every event's data ends with the actor of the change (``domain/actor.py``).
ACTOR = _object(
    {
        "kind": {"enum": ["staff", "customer", "api_client", "import", "cli", "system"]},
        "id": _TEXT_OR_NULL,
        "name": {"type": "string", "minLength": 1},
    }
)
ITEMS = {
    "ordermill.order.placed": _object(
        {"order_item_id": _ID, "sku": {"type": "string"}, "qty": _QTY, "price": _MONEY}
    ),
}
_SHIPMENT_ITEM = _object({"order_item_id": _ID, "qty": _QTY})


def schema_of(kind: EventType) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the CloudEvent of one event type."""
    data = {
        name: (
            {"type": "array", "items": ITEMS.get(kind.type, _SHIPMENT_ITEM), "minItems": 1}
            if name == "items"
            else {"type": "array", "items": LINES[kind.type], "minItems": 1}
            if name == "lines" and kind.type in LINES
            else FIELDS[name]
        )
        for name in kind.fields
    }
    data["actor"] = ACTOR
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:ordermill:event:{kind.type}",
        "title": kind.type,
        "description": kind.description,
        "type": "object",
        "required": [
            "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data"
        ],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": _UUID,
            "source": {"type": "string", "minLength": 1},
            "type": {"const": kind.type},
            "subject": _UUID,
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "data": _object(data),
        },
        "additionalProperties": False,
    }  # fmt: skip


def section(events: list[dict[str, Any]]) -> str:
    """The catalogue section: each type, its payload's fields and a real example."""
    parts = [BEGIN, ""]
    for kind in CATALOGUE:
        example = next(e for e in events if e["type"] == kind.type)
        fields = ", ".join(f"`{name}`" for name in (*kind.fields, "actor"))
        parts += [
            f"### `{kind.type}`",
            "",
            kind.description.replace("``", "`"),
            "",
            f"Payload (`data`): {fields}. Schema:"
            f" [`events/schemas/{kind.type}.json`](events/schemas/{kind.type}.json).",
            "",
            "```json",
            json.dumps(example, indent=2),
            "```",
            "",
        ]
    parts.append(END)
    return "\n".join(parts)


def generate(directory: Path) -> tuple[str, dict[str, str]]:
    """docs/events.md as it should be, and each schema file's text by file name."""
    events = run_scenario(directory)
    current = DOC.read_text(encoding="utf-8")
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    doc = head + section(events) + tail
    schemas = {
        f"{kind.type}.json": json.dumps(schema_of(kind), indent=2) + "\n" for kind in CATALOGUE
    }
    return doc, schemas


def write(doc: str, schemas: dict[str, str]) -> None:
    DOC.write_text(doc, encoding="utf-8")
    SCHEMAS.mkdir(parents=True, exist_ok=True)
    for stale in SCHEMAS.glob("*.json"):
        if stale.name not in schemas:
            stale.unlink()
    for name, text in schemas.items():
        (SCHEMAS / name).write_text(text, encoding="utf-8")


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        write(*generate(Path(directory)))
    print(f"wrote {DOC.relative_to(ROOT)} and {len(CATALOGUE)} schemas", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
