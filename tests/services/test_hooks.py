"""Plugins' hooks around every service: called inside the transaction, after the locks
and rules, in priority order; a hook that raises leaves the data exactly as it was."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import ordermill
from ordermill.domain.new_order import NewOrder
from ordermill.records import Order
from tests.services.shop import place, stock_up

Snapshot = Any


class Recorder:
    """Records every hook call's name (and whether it ran inside a transaction)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def _recording(recorder: Recorder, hook: str) -> Any:
    def impl(conn: Any) -> None:
        assert conn.in_transaction()
        recorder.calls.append(hook)

    impl.__name__ = hook
    return ordermill.hookimpl(impl)


def recorder_plugin() -> tuple[Recorder, Any]:
    from ordermill.orders import hooks

    recorder = Recorder()
    names = [n for n in dir(hooks) if n.startswith(("before_", "after_"))]
    plugin = type("AllHooks", (), {n: staticmethod(_recording(recorder, n)) for n in names})
    return recorder, plugin()


def test_every_service_calls_its_before_and_after_hook(oms: ordermill.Oms) -> None:
    recorder, plugin = recorder_plugin()
    oms.plugins.register(plugin)
    stock_up(oms)
    order = place(oms)
    oms.update_payment_status(order.order_id, "paid")
    shipment = oms.create_shipment(order.uuid, "UPS", None)
    oms.update_shipment(shipment.uuid, tracking_number="1Z")
    oms.mark_delivered(shipment.uuid)
    oms.add_order_activity_log(order.order_id, "Thanks")
    other = place(oms)
    oms.update_shipment_status(other.order_id, "processing")
    sent = oms.create_shipment(other.uuid)
    oms.cancel_shipment(sent.uuid)
    oms.cancel_order(other.uuid)
    line = {"external_reference": "X-1", "customer_email": "a@example.com",
            "items": [{"sku": "MUG", "qty": 1, "price": "3.00"}]}  # fmt: skip
    oms.import_orders(io.BytesIO(json.dumps(line).encode()), file_format="jsonl")
    called = {name.split("_", 1)[1] for name in recorder.calls}
    assert called == {
        "place_order", "update_payment_status", "create_shipment", "update_shipment",
        "mark_delivered", "add_activity", "update_shipment_status", "cancel_shipment",
        "cancel_order", "set_stock", "import_orders",
    }  # fmt: skip
    # Each before-hook has its after-hook, in that order.
    for name in called:
        befores = [c for c in recorder.calls if c == f"before_{name}"]
        assert len(befores) == recorder.calls.count(f"after_{name}") >= 1


def test_hooks_receive_the_locked_order_and_the_result(oms: ordermill.Oms) -> None:
    seen: dict[str, Any] = {}

    class Plugin:
        @ordermill.hookimpl
        def before_place_order(self, order: NewOrder) -> None:
            seen["new"] = order

        @ordermill.hookimpl
        def after_place_order(self, result: Order) -> None:
            seen["placed"] = result

        @ordermill.hookimpl
        def before_update_payment_status(self, order: Order, status: str) -> None:
            seen["before_pay"] = (order.payment_status, status)

        @ordermill.hookimpl
        def after_update_payment_status(self, conn: Any, result: Order) -> None:
            seen["after_pay"] = result.payment_status

    oms.plugins.register(Plugin())
    order = place(oms)
    oms.update_payment_status(order.uuid, "paid")
    assert seen["new"].customer_email == order.customer_email
    assert seen["placed"] == order
    assert seen["before_pay"] == ("pending", "paid")
    assert seen["after_pay"] == "paid"


class Refuse:
    def __init__(self, hook: str, error: Exception) -> None:
        def impl() -> None:
            raise error

        impl.__name__ = hook
        setattr(self, hook, ordermill.hookimpl(impl))


@pytest.mark.parametrize(
    "hook",
    ["before_place_order", "after_place_order", "before_set_stock", "after_set_stock"],
)
def test_a_refused_placement_or_stock_change_writes_nothing(
    oms: ordermill.Oms, db_snapshot: Snapshot, hook: str
) -> None:
    stock_up(oms)
    before = db_snapshot(oms.engine)
    oms.plugins.register(Refuse(hook, ordermill.HookRejected("Not today")))
    with pytest.raises(ordermill.HookRejected, match=r"^Not today$") as refused:
        if "stock" in hook:
            oms.set_stock("MUG", 99)
        else:
            place(oms)
    assert refused.value.code == "hook_rejected"
    assert refused.value.details["hook"] == hook
    assert db_snapshot(oms.engine) == before  # no order, no stock change, no event


@pytest.mark.parametrize("hook", ["before_cancel_order", "after_cancel_order"])
def test_a_refused_cancel_restocks_nothing_and_emits_nothing(
    oms: ordermill.Oms, db_snapshot: Snapshot, hook: str
) -> None:
    order = place(oms)
    before = db_snapshot(oms.engine)
    oms.plugins.register(Refuse(hook, ordermill.HookRejected("Fraud-reviewed")))
    with pytest.raises(ordermill.HookRejected):
        oms.cancel_order(order.uuid)
    assert db_snapshot(oms.engine) == before


@pytest.mark.parametrize(
    "hook", ["before_create_shipment", "after_create_shipment", "after_add_activity"]
)
def test_a_refused_shipment_or_note_writes_nothing(
    oms: ordermill.Oms, db_snapshot: Snapshot, hook: str
) -> None:
    order = place(oms)
    before = db_snapshot(oms.engine)
    oms.plugins.register(Refuse(hook, ordermill.HookRejected("No")))
    with pytest.raises(ordermill.HookRejected):
        if "shipment" in hook:
            oms.create_shipment(order.uuid, "UPS")
        else:
            oms.add_order_activity_log(order.uuid, "Note")
    assert db_snapshot(oms.engine) == before


def test_a_plugin_bug_becomes_hook_rejected_naming_the_plugin(
    oms: ordermill.Oms, db_snapshot: Snapshot, caplog: pytest.LogCaptureFixture
) -> None:
    order = place(oms)
    before = db_snapshot(oms.engine)
    oms.plugins.register(Refuse("before_cancel_order", KeyError("missing")), name="buggy")
    with pytest.raises(ordermill.HookRejected, match="plugin buggy failed in before_cancel_order"):
        oms.cancel_order(order.uuid)
    assert db_snapshot(oms.engine) == before
    assert "Traceback" in caplog.text  # logged for the operator, not shown to the user


def test_rules_and_locks_come_before_the_hooks(oms: ordermill.Oms) -> None:
    recorder, plugin = recorder_plugin()
    order = place(oms)
    oms.update_payment_status(order.uuid, "paid")  # paid: not cancelable by default
    oms.plugins.register(plugin)
    with pytest.raises(ordermill.OrderNotCancelable):
        oms.cancel_order(order.uuid)
    with pytest.raises(ordermill.InsufficientStock):
        place(oms, [{"sku": "MUG", "qty": 1000, "price": "1.00"}])
    assert "before_cancel_order" not in recorder.calls
    assert "after_place_order" not in recorder.calls
    # Setting the status an order already has changes nothing, so no hook runs.
    oms.update_payment_status(order.uuid, "paid")
    assert "before_update_payment_status" not in recorder.calls


def test_hooks_run_by_priority_then_in_registration_order(oms: ordermill.Oms) -> None:
    ran: list[str] = []

    def plugin(label: str, priority: int) -> object:
        class Plugin:
            @ordermill.hookimpl(priority=priority)
            def before_set_stock(self) -> None:
                ran.append(label)

        return Plugin()

    for label, priority in (("a", 0), ("b", 5), ("c", 0), ("d", -1), ("e", 5)):
        oms.plugins.register(plugin(label, priority))
    oms.set_stock("MUG", 1)
    assert ran == ["b", "e", "a", "c", "d"]


def test_two_instances_do_not_share_plugins(db_url: str) -> None:
    recorder, plugin = recorder_plugin()
    first = ordermill.connect(db_url, plugins=[plugin])
    second = ordermill.connect(db_url, plugins=None)
    try:
        second.set_stock("MUG", 1)
        assert recorder.calls == []
        first.set_stock("MUG", 2)
        assert recorder.calls == ["before_set_stock", "after_set_stock"]
    finally:
        first.close()
        second.close()


def test_installed_plugins_are_found_by_entry_point(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_refusing_plugin(tmp_path, monkeypatch)
    oms = ordermill.connect(db_url)  # plugins="entrypoints" is the default
    try:
        assert oms.plugins.names() == ["no_tea"]
        with pytest.raises(ordermill.HookRejected, match="No tea today"):
            oms.set_stock("TEA", 1)
        oms.set_stock("MUG", 1)
    finally:
        oms.close()


def install_refusing_plugin(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution on sys.path whose ``ordermill.plugins`` entry point refuses tea."""
    (directory / "no_tea_plugin.py").write_text(
        "import ordermill\n\n\n"
        "@ordermill.hookimpl\n"
        "def before_set_stock(sku):\n"
        "    if sku == 'TEA':\n"
        "        raise ordermill.HookRejected('No tea today')\n",
        encoding="utf-8",
    )
    info = directory / "no_tea_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: no-tea-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[ordermill.plugins]\nno_tea = no_tea_plugin\n")
    monkeypatch.syspath_prepend(str(directory))
