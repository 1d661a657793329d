"""Guest tracking links on both databases: issue, rotate, revoke, expire, and what the
public read shows; a wrong, revoked or expired token costs the same statements."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.locks import lock_switches
from ordermill.db.tracking_tables import tracking_link
from ordermill.testing import count_statements
from tests.conftest import snapshot
from tests.services.shop import place, stock_up
from tests.services.test_concurrency import together

CANARY = "CANARY-internal-3b1f fraud check"
ADDRESS = {
    "full_name": "Ada Lovelace",
    "address_1": "12 St James's Square",
    "city": "London",
    "postcode": "SW1Y 4JH",
    "country": "GB",
    "telephone": "+44 20 7946 0000",
}


def placed_order(oms: ordermill.Oms) -> ordermill.Order:
    stock_up(oms)
    order = oms.place_order(
        [{"sku": "MUG", "qty": 2, "price": "9.90", "name": "Mug"}],
        customer_email="ada@example.com",
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
    )
    oms.add_order_activity_log(order.uuid, CANARY, customer_notified=False)
    oms.add_order_activity_log(order.uuid, "Your parcel is on its way", customer_notified=True)
    oms.create_shipment(order.uuid, "USPS", "9400100000000000000000")
    return order


def expire(oms: ordermill.Oms, link: ordermill.TrackingLink) -> None:
    """Move the link's expiry into the past (the service refuses to set one there)."""
    with oms.engine.begin() as conn:
        conn.execute(
            sa.update(tracking_link)
            .where(tracking_link.c.link_id == link.link_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


def test_a_link_opens_the_guest_view_and_nothing_internal(oms: ordermill.Oms) -> None:
    order = placed_order(oms)
    link = oms.tracking_link(order.uuid)
    assert link.token is not None and len(link.token) == 43
    assert link.path == f"/track/{link.token}"
    seen = oms.track(link.token)
    assert seen.order_number == order.order_number
    assert seen.status_name == "Pending"
    assert [(i.name, i.qty) for i in seen.items] == [("Mug", 2)]
    [shipment] = seen.shipments
    assert shipment.carrier == "USPS"
    assert shipment.tracking_url == (
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000000"
    )
    assert [a.message for a in seen.activities] == ["Your parcel is on its way"]
    assert (seen.city, seen.country) == ("London", "GB")
    assert CANARY not in repr(seen)
    for private in ("Ada Lovelace", "St James", "SW1Y", "7946", "ada@example.com", "9.90"):
        assert private not in repr(seen)


def test_the_token_is_stored_only_as_its_hash(oms: ordermill.Oms) -> None:
    order = placed_order(oms)
    link = oms.tracking_link(order.uuid)
    assert link.token is not None
    dump = repr(snapshot(oms.engine))
    assert link.token not in dump
    assert hashlib.sha256(link.token.encode()).hexdigest() in dump
    # Reading the link back never gives the token.
    read = oms.get_tracking_link(order.order_number)
    assert read is not None and read.token is None and read.path is None
    assert read.link_id == link.link_id


def test_issuing_again_rotates_and_revoking_ends_it(oms: ordermill.Oms) -> None:
    order = placed_order(oms)
    first = oms.tracking_link(order.uuid)
    second = oms.tracking_link(order.order_id)
    with pytest.raises(ordermill.TrackingLinkNotFound):
        oms.track(first.token or "")
    assert oms.track(second.token or "").order_number == order.order_number
    revoked = oms.revoke_tracking_link(order.uuid)
    assert revoked is not None and revoked.link_id == second.link_id
    assert revoked.revoked_at is not None
    with pytest.raises(ordermill.TrackingLinkNotFound):
        oms.track(second.token or "")
    assert oms.get_tracking_link(order.uuid) is None
    assert oms.revoke_tracking_link(order.uuid) is None  # nothing live: nothing changes
    with oms.engine.connect() as conn:
        live = conn.execute(
            sa.select(sa.func.count())
            .select_from(tracking_link)
            .where(tracking_link.c.revoked_at.is_(None))
        ).scalar()
    assert live == 0


def test_an_expiring_link_works_until_then(oms: ordermill.Oms) -> None:
    order = placed_order(oms)
    until = datetime.now(UTC) + timedelta(days=30)
    link = oms.tracking_link(order.uuid, expires_at=until)
    assert link.expires_at == until
    assert oms.track(link.token or "").order_number == order.order_number
    expire(oms, link)
    with pytest.raises(ordermill.TrackingLinkNotFound) as raised:
        oms.track(link.token or "")
    assert str(raised.value) == "There is no tracking page at this address."


@pytest.mark.parametrize(
    "expires_at",
    [datetime.now(UTC) - timedelta(minutes=1), datetime(2030, 1, 1), "2030-01-01"],
    ids=["past", "naive", "text"],
)
def test_a_bad_expiry_is_refused_and_nothing_is_written(
    oms: ordermill.Oms, expires_at: object
) -> None:
    order = placed_order(oms)
    before = snapshot(oms.engine)
    with pytest.raises(ordermill.InvalidInput) as raised:
        oms.tracking_link(order.uuid, expires_at=expires_at)  # type: ignore[arg-type]
    assert raised.value.details["field"] == "expires_at"
    assert snapshot(oms.engine) == before


def test_an_unknown_order_has_no_link(oms: ordermill.Oms) -> None:
    for call in (oms.tracking_link, oms.revoke_tracking_link, oms.get_tracking_link):
        with pytest.raises(ordermill.OrderNotFound):
            call("99999")


def test_wrong_revoked_and_expired_tokens_cost_what_a_right_one_does(
    oms: ordermill.Oms,
) -> None:
    order = placed_order(oms)
    right = oms.tracking_link(order.uuid).token or ""
    other = placed_order(oms)
    revoked = oms.tracking_link(other.uuid).token or ""
    oms.revoke_tracking_link(other.uuid)
    third = placed_order(oms)
    expired_link = oms.tracking_link(third.uuid)
    expire(oms, expired_link)

    def statements(token: str) -> list[str]:
        with count_statements(oms.engine) as log, suppress(ordermill.TrackingLinkNotFound):
            oms.track(token)
        return [s for s in log.statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]

    expected = statements(right)
    assert len(expected) == 5  # the link with its order, items, address, shipments, activities
    wrong = "A" * 43
    for token in (wrong, revoked, expired_link.token or "", "", "x" * 500, right[:-1]):
        assert statements(token) == expected, token


def test_placement_writes_no_link(oms: ordermill.Oms) -> None:
    place(oms)
    with oms.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tracking_link)).scalar() == 0


def test_the_library_functions_work_on_the_default_instance(
    default_oms: ordermill.Oms,
) -> None:
    from ordermill import services

    order = placed_order(default_oms)
    link = services.tracking_link(order.uuid)
    assert services.track(link.token or "").order_number == order.order_number
    assert services.get_tracking_link(order.uuid) is not None
    assert services.revoke_tracking_link(order.uuid) is not None


# -- rotations racing on one order (PostgreSQL) -----------------------------------------


@pytest.fixture
def wide_oms(db_url: str) -> Iterator[ordermill.Oms]:
    oms = ordermill.connect(db_url, pool_size=17, max_overflow=0)
    yield oms
    oms.close()


def _rotation_race(oms: ordermill.Oms) -> list[str]:
    order = placed_order(oms)
    issued: list[str] = []

    def rotate() -> None:
        issued.append(oms.tracking_link(order.uuid).token or "")

    outcomes = Counter(together([rotate] * 16))
    problems = [] if outcomes == {"ok": 16} else [f"outcomes {dict(outcomes)}"]
    opening = []
    for token in issued:
        try:
            oms.track(token)
            opening.append(token)
        except ordermill.TrackingLinkNotFound:
            pass
    if len(opening) != 1:
        problems.append(f"{len(opening)} live links")
    return problems


@pytest.mark.postgres_only
def test_16_rotations_at_once_leave_exactly_one_live_link(wide_oms: ordermill.Oms) -> None:
    for repetition in range(5):
        assert _rotation_race(wide_oms) == [], f"repetition {repetition}"


@pytest.mark.postgres_only
def test_the_rotation_race_is_caught_without_the_row_lock(
    wide_oms: ordermill.Oms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock_switches(), "disable_locks", True)
    monkeypatch.setattr(lock_switches(), "pause_after_lock", 0.05)
    seen = [_rotation_race(wide_oms) for _ in range(3)]
    print("violations without the lock:", seen)
    assert any(seen), "16 unlocked rotations went unnoticed: the race test is too weak"
