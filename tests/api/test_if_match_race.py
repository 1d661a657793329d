"""If-Match under load: against a real `ordermill serve` (two workers) on PostgreSQL.

16 clients read one order, then all change it at the same instant with the ETag they
read: exactly one wins each round, the other 15 get 412. Without If-Match all 16
changes are made, one after the other. The twin runs the same race with the order row
lock switched off (test-only switch) and a pause after the unlocked read, which is what
a version check made before taking the lock amounts to: several clients then pass the
check, and the test must see it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ordermill
from tests.api.test_server import _start, _stop, _together

pytestmark = pytest.mark.postgres_only

CLIENTS = 16
ROUNDS = 5


def _admin(oms: ordermill.Oms) -> dict[str, str]:
    _, secret = oms.create_token(preset="customer_service", name="race")
    return {"Authorization": f"Bearer {secret}"}


def _round(order_url: str, admin: dict[str, str], round_no: int) -> list[int]:
    """All clients read the order (its ETag), then all add a note with If-Match at once."""
    reads = _together(CLIENTS, lambda client: client.get(order_url, headers=admin))
    etags = {r.headers["etag"] for r in reads}
    assert len(etags) == 1, etags
    headers = {**admin, "If-Match": etags.pop()}
    responses = _together(
        CLIENTS,
        lambda client: client.post(
            f"{order_url}/activities", headers=headers, json={"message": f"round {round_no}"}
        ),
    )
    return sorted(r.status_code for r in responses)


def _race(oms: ordermill.Oms, base: str) -> tuple[list[list[int]], str]:
    """``ROUNDS`` rounds on one fresh order: the statuses of each, and the order's uuid."""
    admin = _admin(oms)
    placed = oms.place_order(
        [{"sku": "MUG", "qty": 1, "price": "9.90"}], customer_email="race@example.com"
    )
    url = f"{base}/api/v1/orders/{placed.uuid}"
    return [_round(url, admin, n) for n in range(ROUNDS)], placed.uuid


def test_16_writers_with_if_match_one_wins_per_version(
    oms: ordermill.Oms, db_url: str, tmp_path: Path
) -> None:
    process, base = _start(db_url, tmp_path / "server.log")
    try:
        rounds, uuid = _race(oms, base)
    finally:
        _stop(process)
    for statuses in rounds:
        assert statuses == [201] + [412] * (CLIENTS - 1)
    assert oms.get_order(uuid).version == 1 + ROUNDS


def test_16_writers_without_if_match_all_serialize(
    oms: ordermill.Oms, db_url: str, tmp_path: Path
) -> None:
    process, base = _start(db_url, tmp_path / "server.log")
    try:
        admin = _admin(oms)
        placed = oms.place_order(
            [{"sku": "MUG", "qty": 1, "price": "9.90"}], customer_email="race@example.com"
        )
        url = f"{base}/api/v1/orders/{placed.uuid}/activities"
        responses = _together(
            CLIENTS, lambda client: client.post(url, headers=admin, json={"message": "hi"})
        )
    finally:
        _stop(process)
    assert [r.status_code for r in responses] == [201] * CLIENTS
    assert oms.get_order(placed.uuid).version == 1 + CLIENTS


def test_the_if_match_race_is_caught_when_the_check_is_not_under_the_lock(
    oms: ordermill.Oms, db_url: str, tmp_path: Path
) -> None:
    process, base = _start(
        db_url,
        tmp_path / "server.log",
        env={"ORDERMILL_TEST_DISABLE_LOCKS": "1", "ORDERMILL_TEST_PAUSE_AFTER_LOCK": "0.2"},
    )
    try:
        rounds, _ = _race(oms, base)
    finally:
        _stop(process)
    assert any(statuses.count(201) > 1 for statuses in rounds), rounds
