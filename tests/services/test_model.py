"""Random sequences of every service, valid and invalid, against the plain-Python model.

After each step the database must agree with the model (statuses, shipments,
restocked units, stock, activities) and hold the invariants whatever the model
says: order status == resolve(payment, shipment); shipment status == rollup of the
shipments; stock conservation for managed SKUs; shipped units never above ordered;
every status change has a history row and an event.

Profiles: ``ci`` (200 examples of 30 steps, chosen when ``CI=true``) and ``dev``
(a few examples, for a quick local run); ``ORDERMILL_HYPOTHESIS_PROFILE`` overrides.
One database serves every example: the machine empties it when it starts.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter, defaultdict
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import ordermill
from ordermill.db.engine import READ_ONLY, create_engine
from ordermill.db.schema import metadata
from ordermill.db.tables import (
    activity,
    event,
    inventory,
    order,
    order_item,
    shipment,
    shipment_item,
    status_history,
)
from ordermill.domain import errors
from ordermill.domain.config import Config
from ordermill.domain.events import STATUS_CHANGED
from ordermill.domain.status import resolve_order_status
from tests.services.model import CANCELED, DELIVERED, SHIPPED, Line, Model, Refused

settings.register_profile(
    "ci",
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "dev",
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PROFILE = os.environ.get("ORDERMILL_HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev")

MANAGED = ("MUG", "TEA", "EBOOK")
SKUS = (*MANAGED, "CARD", "PIN")  # CARD: no inventory row; PIN: manage_stock off
NO_SUCH_UUID = "00000000-0000-4000-8000-000000000000"


def _lenient(base: Config) -> Config:
    """A shop where paid, shipped and delivered orders may still be canceled."""
    payments = {
        code: s.model_copy(update={"is_cancelable": code != "canceled"})
        for code, s in base.payment_statuses.items()
    }
    shipments = {
        code: s.model_copy(update={"is_cancelable": True})
        for code, s in base.shipment_statuses.items()
    }
    return base.model_copy(update={"payment_statuses": payments, "shipment_statuses": shipments})


CONFIGS = {
    "default": Config.default(),
    "lenient": _lenient(Config.default()),
    "no-restock": Config.default().model_copy(update={"restock_after_cancellation": False}),
}


def _empty(engine: sa.Engine) -> None:
    with engine.begin() as c:
        for table in reversed(metadata.sorted_tables):
            c.execute(table.delete())


def make_machine(engine: sa.Engine) -> type[RuleBasedStateMachine]:  # noqa: C901
    """The state machine over ``engine``. Above the complexity limit only because mccabe
    counts every rule (a method of the class defined here) into this function."""

    class OmsMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            _empty(engine)
            self.oms = ordermill.Oms(engine, Config.default())
            self.model = Model(Config.default(), {}, set())
            self.initial: dict[str, int] = {}
            self.shipments: list[str] = []
            self.uuids: dict[int, str] = {}

        @initialize(
            config=st.sampled_from(["default", "lenient", "lenient", "no-restock"]),
            stock=st.tuples(*(st.integers(0, 40) for _ in MANAGED)),
        )
        def start(self, config: str, stock: tuple[int, ...]) -> None:
            self.oms = ordermill.Oms(engine, CONFIGS[config])
            self.initial = dict(zip(MANAGED, stock, strict=True))
            for sku, qty in self.initial.items():
                self.oms.set_stock(sku, qty)
            self.oms.set_stock("PIN", 0, manage_stock=False)
            self.model = Model(CONFIGS[config], self.initial, {"PIN"})

        # -- calling both sides --------------------------------------------------------

        def _expect(self, refused: type[errors.OmsError] | None, call: Any) -> Any:
            raised: errors.OmsError | None = None
            result = None
            try:
                result = call()
            except errors.OmsError as exc:
                raised = exc
            if refused is None:
                assert raised is None, f"model expected success, got {raised!r}"
            else:
                assert type(raised) is refused, f"expected {refused.__name__}, got {raised!r}"
            return result

        def _run(self, model_call: Any, call: Any) -> Any:
            try:
                model_call()
                refused = None
            except Refused as r:
                refused = r.error
            return self._expect(refused, call)

        def _order(self, pick: int) -> int:
            """An order; more often one still moving, and one with live shipments, because
            that is where the rules interact (a uniform pick mostly finds canceled ones)."""
            orders = self.model.orders
            ids = sorted(orders)
            terminal = self.model.config.terminal_order_statuses
            moving = [i for i in ids if orders[i].status not in terminal]
            shipped = [i for i in moving if any(s.status != CANCELED for s in orders[i].shipments)]
            pool = (shipped if pick < 50 else []) or (moving if pick < 90 else []) or ids
            return pool[pick % len(pool)]

        def _shipment(self, pick: int) -> str:
            """A shipment; more often an open one."""
            opened = [
                s.uuid
                for o in self.model.orders.values()
                for s in o.shipments
                if s.status == SHIPPED
            ]
            pool = (opened if pick < 60 else []) or self.shipments
            return pool[pick % len(pool)]

        def _order_key(self, order_id: int, form: int) -> int | str:
            """Name the order by id or uuid, as callers do."""
            if form % 2 == 0:
                return order_id
            return self.uuids[order_id]

        # -- rules -----------------------------------------------------------------------

        @rule(
            lines=st.lists(
                st.tuples(st.sampled_from(SKUS), st.integers(1, 3)), min_size=1, max_size=3
            )
        )
        def place_order(self, lines: list[tuple[str, int]]) -> None:
            raw = [
                {"sku": sku, "qty": qty, "price": "1", "requires_shipping": sku != "EBOOK"}
                for sku, qty in lines
            ]
            try:
                placed = self.oms.place_order(raw, customer_email="m@example.com")
            except errors.InsufficientStock:
                with pytest.raises(Refused):
                    self.model.place(0, [Line(0, s, q, s != "EBOOK") for s, q in lines])
                return
            self.model.place(
                placed.order_id,
                [
                    Line(item.order_item_id, item.sku, item.qty, item.requires_shipping)
                    for item in placed.items or ()
                ],
            )
            self.uuids[placed.order_id] = placed.uuid

        @precondition(lambda self: self.model.orders)
        @rule(
            pick=st.integers(0, 99),
            form=st.integers(0, 1),
            status=st.sampled_from(["pending", "paid", "failed", "refunded", "canceled", "bogus"]),
        )
        def update_payment_status(self, pick: int, form: int, status: str) -> None:
            order_id = self._order(pick)
            self._run(
                lambda: self.model.update_payment_status(order_id, status),
                lambda: self.oms.update_payment_status(self._order_key(order_id, form), status),
            )

        @precondition(lambda self: self.model.orders)
        @rule(
            pick=st.integers(0, 99),
            status=st.sampled_from(
                ["pending", "processing", "shipped", "delivered", "canceled", "partially_shipped"]
            ),
        )
        def update_shipment_status(self, pick: int, status: str) -> None:
            order_id = self._order(pick)
            before = {s.uuid for s in self.oms.list_shipments(order_id)}
            placeholder = "new"
            self._run(
                lambda: self.model.update_shipment_status(order_id, status, placeholder),
                lambda: self.oms.update_shipment_status(order_id, status),
            )
            self._adopt_new_shipment(order_id, before, placeholder)

        def _adopt_new_shipment(self, order_id: int, before: set[str], placeholder: str) -> None:
            """Give the model's new shipment the uuid the services chose."""
            created = [s.uuid for s in self.oms.list_shipments(order_id) if s.uuid not in before]
            modeled = [s for s in self.model.orders[order_id].shipments if s.uuid == placeholder]
            assert len(created) == len(modeled)
            for s, real in zip(modeled, created, strict=True):
                s.uuid = real
                self.shipments.append(real)

        @precondition(lambda self: self.model.orders)
        @rule(
            pick=st.integers(0, 99),
            form=st.integers(0, 1),
            whole=st.sampled_from([True, True, False]),
            picks=st.lists(
                st.tuples(st.integers(0, 9), st.sampled_from([1, 1, 1, 2, 2, 3, 0, -1])),
                min_size=1,
                max_size=3,
            ),
        )
        def create_shipment(
            self, pick: int, form: int, whole: bool, picks: list[tuple[int, int]]
        ) -> None:
            order_id = self._order(pick)
            lines = sorted(self.model.orders[order_id].lines)
            # Index 9 names an item of no order of this machine (unknown id).
            items = None
            if not whole:
                items = [(lines[i % len(lines)] if i < 9 else 10**6, q) for i, q in picks]
            before = {s.uuid for s in self.oms.list_shipments(order_id)}
            self._run(
                lambda: self.model.create_shipment(order_id, items, "new"),
                lambda: self.oms.create_shipment(
                    self._order_key(order_id, form),
                    "UPS",
                    None,
                    items=None
                    if items is None
                    else [{"order_item_id": i, "qty": q} for i, q in items],
                ),
            )
            self._adopt_new_shipment(order_id, before, "new")

        @precondition(lambda self: self.shipments)
        @rule(pick=st.integers(0, 99), delivered=st.booleans())
        def change_shipment(self, pick: int, delivered: bool) -> None:
            uuid = self._shipment(pick)
            status = DELIVERED if delivered else CANCELED
            call = self.oms.mark_delivered if delivered else self.oms.cancel_shipment
            result = self._run(lambda: self.model.change_shipment(uuid, status), lambda: call(uuid))
            if result is not None:
                assert result.uuid == uuid
                assert result.status == self.model.shipment(uuid)[1].status

        @precondition(lambda self: self.shipments)
        @rule(pick=st.integers(0, 99), tracking=st.sampled_from([None, "1Z1", "1Z2"]))
        def update_shipment(self, pick: int, tracking: str | None) -> None:
            uuid = self._shipment(pick)
            self._run(
                lambda: self.model.update_shipment(uuid, tracking),
                lambda: self.oms.update_shipment(uuid, tracking_number=tracking),
            )

        @precondition(lambda self: self.model.orders)
        @rule(pick=st.integers(0, 99), form=st.integers(0, 1))
        def cancel_order(self, pick: int, form: int) -> None:
            order_id = self._order(pick)
            self._run(
                lambda: self.model.cancel_order(order_id),
                lambda: self.oms.cancel_order(self._order_key(order_id, form), "model"),
            )

        @precondition(lambda self: self.model.orders)
        @rule(pick=st.integers(0, 99), message=st.sampled_from(["Packed", "  ", "x'; --"]))
        def add_activity(self, pick: int, message: str) -> None:
            order_id = self._order(pick)
            self._run(
                lambda: self.model.add_activity(order_id, message),
                lambda: self.oms.add_order_activity_log(order_id, message, True),
            )

        @precondition(lambda self: self.model.orders)
        @rule(which=st.sampled_from(["payment", "shipment", "cancel", "ship", "deliver"]))
        def unknown_records(self, which: str) -> None:
            calls = {
                "payment": lambda: self.oms.update_payment_status(10**6, "paid"),
                "shipment": lambda: self.oms.update_shipment_status(NO_SUCH_UUID, "shipped"),
                "cancel": lambda: self.oms.cancel_order(NO_SUCH_UUID),
                "ship": lambda: self.oms.create_shipment(NO_SUCH_UUID, None, None),
                "deliver": lambda: self.oms.mark_delivered(NO_SUCH_UUID),
            }
            refused = errors.ShipmentNotFound if which == "deliver" else errors.OrderNotFound
            self._expect(refused, calls[which])

        # -- invariants -------------------------------------------------------------------

        @invariant()
        def database_agrees_with_the_model_and_the_rules(self) -> None:
            check(engine, self.model, self.initial)

    return OmsMachine


def check(engine: sa.Engine, model: Model, initial: dict[str, int]) -> None:
    config = model.config
    with engine.connect().execution_options(**READ_ONLY) as c:
        orders = {r.order_id: r for r in c.execute(sa.select(order))}
        items = list(c.execute(sa.select(order_item)))
        live = c.execute(
            sa.select(shipment.c.uuid, shipment.c.order_id, shipment.c.status, shipment_item)
            .select_from(shipment.join(shipment_item))
            .order_by(shipment_item.c.shipment_item_id)
        ).all()
        tracking = dict(c.execute(sa.select(shipment.c.uuid, shipment.c.tracking_number)).all())
        stock = {r.sku: r.qty for r in c.execute(sa.select(inventory)) if r.manage_stock}
        history = c.execute(sa.select(status_history).order_by(status_history.c.history_id)).all()
        event_counts = Counter(
            (r.order_id, r.name) for r in c.execute(sa.select(event.c.order_id, event.c.name))
        )
        activity_counts = Counter(r.order_id for r in c.execute(sa.select(activity.c.order_id)))

    assert set(orders) == set(model.orders)
    shipments: dict[str, dict[int, int]] = defaultdict(dict)
    shipment_status: dict[str, str] = {}
    for r in live:
        shipments[str(r.uuid)][r.order_item_id] = r.qty
        shipment_status[str(r.uuid)] = r.status
    for order_id, o in model.orders.items():
        row = orders[order_id]
        # The model's view.
        assert (row.payment_status, row.shipment_status, row.status) == (
            o.payment,
            o.shipment,
            o.status,
        ), f"order {order_id}"
        assert activity_counts[order_id] == o.activities, f"activities of order {order_id}"
        for s in o.shipments:
            assert shipment_status[s.uuid] == s.status
            assert shipments[s.uuid] == s.items
            assert tracking[s.uuid] == s.tracking_number
        # The rules, whatever the model says.
        assert row.status == resolve_order_status(config, row.payment_status, row.shipment_status)
        if o.shipments or row.status == CANCELED:
            assert row.shipment_status == o.rollup(canceled=row.status == CANCELED)
    assert len(shipment_status) == sum(len(o.shipments) for o in model.orders.values())

    restocked: Counter[str] = Counter()
    ordered: Counter[str] = Counter()
    shipped: Counter[int] = Counter()
    for uuid, units in shipments.items():
        if shipment_status[uuid] != CANCELED:
            shipped.update(units)
    for item in items:
        line = model.orders[item.order_id].lines[item.order_item_id]
        assert item.qty_restocked == line.restocked
        assert shipped[item.order_item_id] <= item.qty
        ordered[item.sku] += item.qty
        restocked[item.sku] += item.qty_restocked
    assert stock == model.stock
    for sku, start in initial.items():
        assert start - ordered[sku] + restocked[sku] == stock[sku], sku

    chains: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for h in history:
        chains[(h.order_id, h.field)].append(h)
    for order_id, row in orders.items():
        for field_name, column in (
            ("payment", "payment_status"),
            ("shipment", "shipment_status"),
            ("order", "status"),
        ):
            chain = chains[(order_id, field_name)]
            assert chain[0].from_status is None
            for before, after in itertools.pairwise(chain):
                assert after.from_status == before.to_status != after.to_status
            assert chain[-1].to_status == getattr(row, column)
            changes = len(chain) - 1
            assert event_counts[(order_id, STATUS_CHANGED[field_name])] == changes


def test_random_sequences_of_services_agree_with_the_model(db_url: str) -> None:
    engine = create_engine(db_url)
    if engine.dialect.name == "postgresql":
        # Thousands of tiny commits: waiting for each WAL flush is most of the time, and a
        # test database has nothing to lose in a crash.
        @sa.event.listens_for(engine, "connect")
        def _no_flush_wait(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
            dbapi_connection.commit()

    try:
        run_state_machine_as_test(make_machine(engine), settings=settings.get_profile(PROFILE))
    finally:
        engine.dispose()
