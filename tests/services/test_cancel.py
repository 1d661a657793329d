"""cancel_order: the seven steps of cancellation in EverShop's OMS module services; managed
undelivered units restocked once."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.tables import order_item
from ordermill.domain.config import Config
from ordermill.orders.stock import MAX_STOCK
from tests.services.shop import (
    activities,
    event_payloads,
    events,
    history,
    item_ids,
    place,
    statuses,
    stock,
    stock_up,
)


def _restocked(oms: ordermill.Oms, order_id: int) -> dict[str, int]:
    with oms.engine.connect() as c:
        found = c.execute(
            sa.select(order_item.c.sku, order_item.c.qty_restocked).where(
                order_item.c.order_id == order_id
            )
        )
        return {r.sku: r.qty_restocked for r in found}


def test_cancel_follows_the_seven_steps(oms: ordermill.Oms) -> None:
    order = place(oms)
    assert stock(oms) == {"MUG": 8, "TEA": 4, "EBOOK": 2}
    canceled = oms.cancel_order(order.uuid, "Customer requested cancellation")
    assert statuses(canceled) == ("canceled", "canceled", "canceled")
    assert activities(oms, order.order_id)[-1] == (
        "Order canceled (Customer requested cancellation)",
        False,
    )
    # Managed lines come back (the digital one too: it was taken); CARD has no stock record.
    assert stock(oms) == {"MUG": 10, "TEA": 5, "EBOOK": 3}
    assert _restocked(oms, order.order_id) == {"MUG": 2, "TEA": 1, "CARD": 0, "EBOOK": 1}
    assert history(oms, order.order_id)[3:] == [
        ("payment", "pending", "canceled"),
        ("shipment", "pending", "canceled"),
        ("order", "pending", "canceled"),
    ]
    assert events(oms, order.order_id)[1:] == [
        "ordermill.order.payment_status_changed",
        "ordermill.order.shipment_status_changed",
        "ordermill.order.status_changed",
        "ordermill.order.canceled",
    ]
    [payload] = event_payloads(oms, order.order_id, "ordermill.order.canceled")
    assert payload["reason"] == "Customer requested cancellation"
    assert payload["restocked"] == [
        {"sku": "EBOOK", "qty": 1},
        {"sku": "MUG", "qty": 2},
        {"sku": "TEA", "qty": 1},
    ]


@pytest.mark.parametrize("key", ["order_id", "uuid", "order_number"])
def test_cancel_accepts_id_uuid_or_number_and_no_reason(oms: ordermill.Oms, key: str) -> None:
    order = place(oms)
    assert oms.cancel_order(getattr(order, key)).status == "canceled"
    assert activities(oms, order.order_id)[-1] == ("Order canceled", False)


def test_processing_shipment_status_is_cancelable(oms: ordermill.Oms) -> None:
    order = place(oms)
    oms.update_shipment_status(order.order_id, "processing")
    assert statuses(oms.cancel_order(order.uuid)) == ("canceled", "canceled", "canceled")


def test_no_restock_when_the_configuration_says_so(db_url: str) -> None:
    config = Config.default().model_copy(update={"restock_after_cancellation": False})
    oms = ordermill.connect(db_url, config)
    try:
        order = place(oms)
        oms.cancel_order(order.uuid)
        assert stock(oms) == {"MUG": 8, "TEA": 4, "EBOOK": 2}
        assert set(_restocked(oms, order.order_id).values()) == {0}
        [payload] = event_payloads(oms, order.order_id, "ordermill.order.canceled")
        assert payload["restocked"] == []
    finally:
        oms.close()


def test_unmanaged_stock_is_never_restocked(oms: ordermill.Oms) -> None:
    stock_up(oms)
    oms.set_stock("TEA", 5, manage_stock=False)
    order = place(oms)
    oms.cancel_order(order.uuid)
    assert stock(oms) == {"MUG": 10, "TEA": 5, "EBOOK": 3}
    assert _restocked(oms, order.order_id)["TEA"] == 0


def _lenient(db_url: str) -> ordermill.Oms:
    """Shipped and delivered orders may be canceled (a shop that takes returns)."""
    base = Config.default()
    shipments = {
        code: status.model_copy(update={"is_cancelable": True})
        for code, status in base.shipment_statuses.items()
    }
    return ordermill.connect(db_url, base.model_copy(update={"shipment_statuses": shipments}))


def test_open_shipments_are_canceled_and_delivered_units_stay_out_of_stock(db_url: str) -> None:
    oms = _lenient(db_url)
    try:
        order = place(oms)
        ids = item_ids(oms, order)
        mugs = oms.create_shipment(
            order.uuid, "UPS", "1Z1", items=[{"order_item_id": ids["MUG"], "qty": 2}]
        )
        tea = oms.create_shipment(
            order.uuid, "DHL", "JD1", items=[{"order_item_id": ids["TEA"], "qty": 1}]
        )
        oms.mark_delivered(tea.uuid)
        assert oms.get_order(order.uuid).shipment_status == "partially_delivered"
        canceled = oms.cancel_order(order.uuid)
        assert statuses(canceled) == ("canceled", "canceled", "canceled")
        assert oms.get_shipment(mugs.uuid).status == "canceled"
        assert oms.get_shipment(mugs.uuid).canceled_at is not None
        assert oms.get_shipment(tea.uuid).status == "delivered"
        assert stock(oms) == {"MUG": 10, "TEA": 4, "EBOOK": 3}
        assert _restocked(oms, order.order_id) == {"MUG": 2, "TEA": 0, "CARD": 0, "EBOOK": 1}
        assert [
            p["shipment_uuid"]
            for p in event_payloads(oms, order.order_id, "ordermill.shipment.canceled")
        ] == [mugs.uuid]
    finally:
        oms.close()


def test_a_second_cancel_restores_nothing(oms: ordermill.Oms, db_snapshot: Any) -> None:
    order = place(oms)
    oms.cancel_order(order.uuid)
    before = db_snapshot(oms.engine)
    with pytest.raises(ordermill.OrderNotCancelable, match="already canceled"):
        oms.cancel_order(order.uuid)
    assert db_snapshot(oms.engine) == before


def test_stock_is_set_within_one_range_and_a_restock_may_pass_it(oms: ordermill.Oms) -> None:
    """A cancel never fails for want of room: stock is set up to MAX_STOCK and the
    column holds a restock on top of it (it overflowed a 32-bit column on PostgreSQL)."""
    for qty in (MAX_STOCK + 1, -1):
        with pytest.raises(ordermill.InvalidInput, match=f"from 0 to {MAX_STOCK}"):
            oms.set_stock("MUG", qty)
    stock_up(oms)
    placed = place(oms)
    oms.set_stock("MUG", MAX_STOCK)
    canceled = oms.cancel_order(placed.uuid, "restock past the maximum")
    assert canceled.status == "canceled"
    assert stock(oms)["MUG"] == MAX_STOCK + 2
    assert oms.get_stock("MUG").qty == MAX_STOCK + 2
