"""Demo data: made by the real services, spread back in time, the same for the same seed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ordermill
from ordermill.demo import create_demo_data

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _export_without_uuids(oms: ordermill.Oms, path: Path) -> list[dict[str, Any]]:
    oms.export_orders(path)
    records = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        record.pop("uuid")
        for shipment in record["shipments"]:
            shipment.pop("uuid")
        records.append(record)
    return records


def test_same_seed_same_orders_spread_over_the_period(
    oms: ordermill.Oms, tmp_path: Path, sqlite_template: Path
) -> None:
    import shutil

    summary = create_demo_data(oms, orders=30, seed=7, now=NOW)
    assert summary.created and summary.orders == 30
    other_path = tmp_path / "other.db"
    shutil.copyfile(sqlite_template, other_path)
    other = ordermill.connect(f"sqlite:///{other_path}")
    create_demo_data(other, orders=30, seed=7, now=NOW)
    first = _export_without_uuids(oms, tmp_path / "a.jsonl")
    assert first == _export_without_uuids(other, tmp_path / "b.jsonl")
    created = [datetime.fromisoformat(str(r["created_at"])) for r in first]
    assert created == sorted(created)
    assert min(created) >= datetime(2026, 3, 3, tzinfo=UTC) and max(created) <= NOW
    statuses = {r["status"] for r in first}
    assert len(statuses) >= 3
    for record in first:
        for shipment in record["shipments"]:
            assert str(shipment["created_at"]) >= str(record["created_at"])
    other.close()


def test_history_follows_the_planned_times(oms: ordermill.Oms) -> None:
    create_demo_data(oms, orders=20, seed=1, now=NOW)
    for found in oms.get_orders_base_query().execute():
        detail = oms.get_order(found.uuid)
        times = [h.changed_at for h in detail.history or ()]
        assert times == sorted(times)
        assert times[0] == detail.created_at
        assert all(t <= NOW.replace(year=2026, month=7) for t in times)
