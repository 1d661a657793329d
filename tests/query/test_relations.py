"""``with_()`` loads each relation for all orders with one query; ``for_customer`` scopes."""

from __future__ import annotations

import pytest

import ordermill
from ordermill import QueryError
from ordermill.db.query import RELATIONS
from ordermill.testing import count_statements
from tests.query.conftest import ids, place

TABLE_OF = {
    "items": "order_item",
    "customer": "customer",
    "shipping_address": "order_address",
    "billing_address": "order_address",  # both addresses come from one query
    "shipments": "shipment",
    "activities": "order_activity",
    "history": "order_status_history",
}


@pytest.fixture
def fifty(oms: ordermill.Oms) -> list[int]:
    placed = place(oms, 50)
    # Orders 0, 4 and 5 are paid with shipment pending: they can be shipped.
    for made in (placed[0], placed[4], placed[5]):
        oms.create_shipment(made.uuid, "UPS", f"1Z{made.order_id:08d}")
        oms.add_order_activity_log(made.order_id, "shipped", True)
    return ids(placed)


@pytest.mark.parametrize(
    "relations",
    [RELATIONS, ("items",), ("shipping_address", "billing_address"), ("items", "shipping_address")],
    ids=lambda r: "+".join(r),
)
def test_one_query_per_relation_over_fifty_orders(
    oms: ordermill.Oms, fifty: list[int], relations: tuple[str, ...]
) -> None:
    query = oms.get_orders_base_query().with_(*relations).order_by("created_at", "DESC")

    with count_statements(oms.engine) as log:
        found = query.execute()

    assert len(found) == 50
    tables = {TABLE_OF[r] for r in relations}
    assert log.count == 1 + len(tables)
    for table in tables:
        assert len(log.matching(f"FROM {table}")) == 1, table
    with count_statements(oms.engine) as five:
        assert len(query.limit(0, 5).execute()) == 5
    assert five.count == log.count  # the number of queries does not grow with the orders


def test_loaded_relations_equal_the_order_detail(oms: ordermill.Oms, fifty: list[int]) -> None:
    found = oms.get_orders_base_query().with_(*RELATIONS).execute()

    assert ids(found) == fifty
    for loaded in found:
        assert loaded == oms.get_order(loaded.order_id)
    shipped = found[0]
    assert shipped.shipments is not None and len(shipped.shipments) == 1
    assert shipped.items is not None and shipped.items[0].qty_shipped == shipped.items[0].qty


def test_relations_not_asked_for_stay_unloaded(oms: ordermill.Oms, fifty: list[int]) -> None:
    [order] = oms.get_orders_base_query().with_("items").limit(0, 1).execute()

    assert order.items is not None
    assert order.shipments is None and order.activities is None and order.customer is None


def test_pages_load_relations_too(oms: ordermill.Oms, fifty: list[int]) -> None:
    query = oms.get_orders_base_query().with_("items", "shipping_address")

    with count_statements(oms.engine) as log:
        page = query.page(20)

    assert len(page.items) == 20
    assert all(o.items and o.shipping_address for o in page.items)
    assert log.count == 3


def test_for_customer_scopes_orders_and_shows_only_notified_activities(
    oms: ordermill.Oms,
) -> None:
    placed = place(oms, 8)
    mine = [o for o in placed if o.customer_id == 1]
    oms.add_order_activity_log(mine[0].order_id, "Your parcel left the warehouse", True)
    oms.add_order_activity_log(mine[0].order_id, "Customer sounded angry, refund?", False)

    scoped = oms.get_orders_base_query().for_customer(1)
    found = scoped.with_("activities").execute()

    assert ids(found) == ids(mine)
    messages = [a.message for o in found for a in o.activities or ()]
    assert messages == ["Your parcel left the warehouse"]
    staff = oms.get_orders_base_query().where("order_id", "=", mine[0].order_id).with_("activities")
    assert len(staff.execute()[0].activities or ()) == 3  # placement, visible, hidden


def test_customer_scope_holds_against_or_where(oms: ordermill.Oms) -> None:
    placed = place(oms, 8)
    mine = ids([o for o in placed if o.customer_id == 1])
    widened = (
        oms.get_orders_base_query()
        .for_customer(1)
        .where("customer_id", "=", 2)
        .or_where("order_id", ">", 0)
        .or_where(lambda g: g.where("customer_id", "is null"))
    )

    assert ids(widened.execute()) == mine
    assert widened.count() == len(mine)
    assert ids(widened.page(50).items) == mine
    assert not oms.get_orders_base_query().for_customer(99).exists()


def test_for_customer_checks_its_argument(oms: ordermill.Oms) -> None:
    q = oms.get_orders_base_query()
    assert q.for_customer(1).for_customer(1).count() == 0
    with pytest.raises(QueryError, match="already scoped to customer 1"):
        q.for_customer(1).for_customer(2)
    with pytest.raises(QueryError, match="expected an integer"):
        q.for_customer("1 OR 1=1")  # type: ignore[arg-type]
