"""The idempotency service: one execution per key, records in the mutation's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

import ordermill
from ordermill.api import idempotency
from ordermill.db.tables import idempotency_key, utcnow
from ordermill.domain.records import Principal

PRINCIPAL = Principal(token_id=1, role="admin", customer_id=None)


def _keys(oms: ordermill.Oms) -> list[str]:
    with oms.engine.connect() as c:
        return list(c.execute(sa.select(idempotency_key.c.key).order_by("key")).scalars())


def _counter() -> tuple[list[int], Callable[[Connection], idempotency.StoredResponse]]:
    calls: list[int] = []

    def execute(_conn: Connection) -> idempotency.StoredResponse:
        calls.append(1)
        return idempotency.StoredResponse(201, f'{{"n": {len(calls)}}}', {"Location": "/x"})

    return calls, execute


def test_a_key_executes_once_and_replays_status_body_and_headers(oms: ordermill.Oms) -> None:
    calls, execute = _counter()
    first, replayed = idempotency.run_idempotent(
        oms.ctx,
        principal=PRINCIPAL,
        key="k",
        request_hash="h",
        execute=execute,
    )
    again, replayed_again = idempotency.run_idempotent(
        oms.ctx,
        principal=PRINCIPAL,
        key="k",
        request_hash="h",
        execute=execute,
    )
    assert (replayed, replayed_again) == (False, True)
    assert first == again == idempotency.StoredResponse(201, '{"n": 1}', {"Location": "/x"})
    assert calls == [1]


def test_without_a_key_every_call_executes_and_nothing_is_stored(oms: ordermill.Oms) -> None:
    calls, execute = _counter()
    for _ in range(2):
        idempotency.run_idempotent(
            oms.ctx, principal=PRINCIPAL, key=None, request_hash="h", execute=execute
        )
    assert calls == [1, 1]
    assert _keys(oms) == []


def test_a_failure_stores_nothing_and_rolls_back_the_work(oms: ordermill.Oms) -> None:
    def fail(conn: Connection) -> idempotency.StoredResponse:
        oms.set_stock("MUG", 5, conn=conn)
        raise ordermill.InsufficientStock("no")

    with pytest.raises(ordermill.InsufficientStock):
        idempotency.run_idempotent(
            oms.ctx, principal=PRINCIPAL, key="k", request_hash="h", execute=fail
        )
    assert _keys(oms) == []
    with pytest.raises(ordermill.StockNotFound):
        oms.get_stock("MUG")


def test_a_different_request_with_the_key_is_refused(oms: ordermill.Oms) -> None:
    calls, execute = _counter()
    idempotency.run_idempotent(
        oms.ctx, principal=PRINCIPAL, key="k", request_hash="h1", execute=execute
    )
    with pytest.raises(ordermill.IdempotencyKeyReused):
        idempotency.run_idempotent(
            oms.ctx, principal=PRINCIPAL, key="k", request_hash="h2", execute=execute
        )
    assert calls == [1]


def test_an_expired_record_is_ignored_and_old_records_are_pruned(oms: ordermill.Oms) -> None:
    calls, execute = _counter()
    long_ago = utcnow() - timedelta(hours=25)
    for key in ("old-1", "old-2", "k"):
        idempotency.run_idempotent(
            oms.ctx,
            principal=PRINCIPAL,
            key=key,
            request_hash="h",
            execute=execute,
            now=long_ago,
        )
    recent = utcnow() - timedelta(hours=23)
    idempotency.run_idempotent(
        oms.ctx,
        principal=PRINCIPAL,
        key="recent",
        request_hash="h",
        execute=execute,
        now=recent,
    )
    assert len(calls) == 4
    # "k" is 25 hours old: treated as absent, executed again; the write prunes the other old ones.
    _, replayed = idempotency.run_idempotent(
        oms.ctx,
        principal=PRINCIPAL,
        key="k",
        request_hash="other",
        execute=execute,
    )
    assert replayed is False
    assert len(calls) == 5
    assert _keys(oms) == ["k", "recent"]
    assert idempotency.prune(oms.ctx, older_than=timedelta(hours=1)) == 1
    assert _keys(oms) == ["k"]


def test_a_keyed_request_prunes_a_bounded_batch(oms: ordermill.Oms) -> None:
    long_ago = utcnow() - timedelta(days=3)
    with oms.engine.begin() as c:
        c.execute(
            idempotency_key.insert(),
            [
                {
                    "principal": "token:1",
                    "key": f"old-{i:04d}",
                    "request_hash": "h",
                    "response_status": 200,
                    "response_body": "{}",
                    "created_at": long_ago,
                }
                for i in range(idempotency.PRUNE_BATCH + 30)
            ],
        )
    _, execute = _counter()
    idempotency.run_idempotent(
        oms.ctx, principal=PRINCIPAL, key="new", request_hash="h", execute=execute
    )
    assert len(_keys(oms)) == 30 + 1


@pytest.mark.postgres_only
def test_a_duplicate_while_the_first_is_in_flight_is_refused(oms: ordermill.Oms) -> None:
    _, execute = _counter()
    owner = idempotency.principal_name(PRINCIPAL)
    with oms.transaction() as conn:
        assert idempotency.claim(oms.ctx, conn, principal=owner, key="k", request_hash="h") is None
        with pytest.raises(ordermill.IdempotencyKeyInFlight, match="still being processed"):
            idempotency.run_idempotent(
                oms.ctx, principal=PRINCIPAL, key="k", request_hash="h", execute=execute
            )
        # Another key, or another caller's same key, is not held up.
        other = Principal(token_id=2, role="admin", customer_id=None)
        idempotency.run_idempotent(
            oms.ctx, principal=other, key="k", request_hash="h", execute=execute
        )


@pytest.mark.parametrize("key", ["", "x" * 256, "new\nline", "\u00e9t\u00e9"])
def test_malformed_keys_are_refused(oms: ordermill.Oms, key: str) -> None:
    _, execute = _counter()
    with pytest.raises(ordermill.InvalidIdempotencyKey):
        idempotency.run_idempotent(
            oms.ctx, principal=PRINCIPAL, key=key, request_hash="h", execute=execute
        )


def test_fingerprints_ignore_key_order_but_not_values() -> None:
    fp = idempotency.request_fingerprint
    assert fp("post", "/a", {"x": 1, "y": 2}) == fp("POST", "/a", {"y": 2, "x": 1})
    assert fp("POST", "/a", {"x": 1}) != fp("POST", "/a", {"x": 2})
    assert fp("POST", "/a", None) != fp("POST", "/b", None)
    assert fp("POST", "/a", None) != fp("PUT", "/a", None)
