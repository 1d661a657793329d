"""docs/events.md and docs/events/schemas/ say what the code writes: the examples are
the outbox rows of a real scenario, each valid against its committed schema."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from ordermill.domain import events
from ordermill.domain.cloudevents import envelope
from tests.events.catalogue import DOC, SCHEMAS, generate, schema_of, write
from tests.events.scenario import run_scenario

UPDATE = os.environ.get("ORDERMILL_UPDATE_EVENT_DOCS") == "1"


def test_the_docs_and_schemas_are_current(tmp_path: Path) -> None:
    doc, schemas = generate(tmp_path)
    if UPDATE:
        write(doc, schemas)
    stale = [
        name
        for name, text in schemas.items()
        if not (SCHEMAS / name).exists() or (SCHEMAS / name).read_text(encoding="utf-8") != text
    ]
    extra = sorted({p.name for p in SCHEMAS.glob("*.json")} - set(schemas))
    hint = "run `make events-docs` (or ORDERMILL_UPDATE_EVENT_DOCS=1) and commit the result"
    assert DOC.read_text(encoding="utf-8") == doc, f"docs/events.md is stale: {hint}"
    assert not stale, f"stale or missing schemas {stale}: {hint}"
    assert not extra, f"schemas of no event type {extra}: {hint}"


def test_every_event_of_the_scenario_is_valid_against_its_committed_schema(
    tmp_path: Path,
) -> None:
    seen = set()
    for cloud_event in run_scenario(tmp_path):
        path = SCHEMAS / f"{cloud_event['type']}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        validator.validate(cloud_event)
        seen.add(cloud_event["type"])
    # Every type of the catalogue has an example, so every schema is exercised.
    assert seen == {kind.type for kind in events.CATALOGUE}


def test_a_schema_refuses_a_payload_that_lost_a_field() -> None:
    [kind] = [k for k in events.CATALOGUE if k.type == events.ORDER_CANCELED]
    subject = "00000000-0000-4000-8000-000000000001"
    data = {"order_id": 1, "order_uuid": subject, "reason": None}
    event_id = "00000000-0000-4000-a000-000000000007"
    cloud_event = envelope(event_id, kind.type, subject, datetime.now(UTC), data)
    with pytest.raises(jsonschema.ValidationError, match="restocked"):
        jsonschema.validate(cloud_event, schema_of(kind))


def test_the_catalogue_names_each_type_once_in_one_scheme() -> None:
    types = [kind.type for kind in events.CATALOGUE]
    assert len(types) == len(set(types))
    subjects = ("ordermill.order.", "ordermill.shipment.", "ordermill.return.")
    assert all(t.startswith(subjects) for t in types)
    # Types added after the catalogue (returns) have no legacy name.
    assert set(events.LEGACY_NAMES.values()) <= set(types)


def test_the_envelope_is_structured_mode_cloudevents_1_0() -> None:
    time = datetime(2025, 5, 1, 9, 30, 0, 123000, tzinfo=UTC)
    assert envelope("12", events.ORDER_PLACED, "u-1", time, {"order_id": 1}) == {
        "specversion": "1.0",
        "id": "12",
        "source": "/ordermill",
        "type": "ordermill.order.placed",
        "subject": "u-1",
        "time": "2025-05-01T09:30:00.123000Z",
        "datacontenttype": "application/json",
        "data": {"order_id": 1},
    }
    naive = envelope("1", events.ORDER_PLACED, "u", datetime(2025, 5, 1), {}, source="/shop")
    assert (naive["time"], naive["source"]) == ("2025-05-01T00:00:00Z", "/shop")
    # An event about no order has no subject: the optional attribute is absent, not null.
    assert "subject" not in envelope("2", events.ORDER_PLACED, None, time, {})
