"""The status configuration: loading, merging with the defaults and validation."""

from __future__ import annotations

import copy
import json
import logging
import pickle
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ordermill.domain.config import (
    Config,
    OrderStatusDef,
    PaymentStatusDef,
    ShipmentStatusDef,
    load_config,
)
from ordermill.domain.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_JSON = FIXTURES / "evershop_reference.json"
REFERENCE_TOML = FIXTURES / "reference.toml"
EVERSHOP_2_2 = FIXTURES / "evershop_2_2.json"


def order_section(**groups: Any) -> dict[str, Any]:
    return {"oms": {"order": groups}}


def problems_of(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        Config.from_dict(data)
    return caught.value.problems


def has_problem(problems: list[str], path: str, *fragments: str) -> bool:
    return any(p.startswith(f"{path}: ") and all(f in p for f in fragments) for p in problems)


# -- defaults ------------------------------------------------------------------------------


def test_defaults_follow_the_reference_document() -> None:
    config = Config.default()
    assert list(config.payment_statuses) == [
        "pending",
        "partially_paid",
        "paid",
        "failed",
        "partially_refunded",
        "refunded",
        "canceled",
    ]
    assert {c: (s.is_cancelable, s.badge) for c, s in config.payment_statuses.items()} == {
        "pending": (True, "default"),
        "partially_paid": (False, "warning"),
        "paid": (False, "success"),
        "failed": (True, "destructive"),
        "partially_refunded": (False, "warning"),
        "refunded": (False, "outline"),
        "canceled": (False, "destructive"),
    }
    assert {c: (s.is_cancelable, s.badge) for c, s in config.shipment_statuses.items()} == {
        "pending": (True, "default"),
        "processing": (True, "warning"),
        "shipped": (False, "warning"),
        "delivered": (False, "success"),
        "canceled": (False, "destructive"),
    }
    assert {c: s.next for c, s in config.order_statuses.items()} == {
        "pending": ("processing", "canceled", "closed"),
        "processing": ("shipped", "completed", "canceled", "closed"),
        "shipped": ("completed", "canceled", "closed"),
        "completed": ("closed",),
        "canceled": (),
        "closed": (),
    }
    assert config.pso_mapping["*:canceled"] == "canceled"
    # EverShop's 12 entries, and the payment ledger's partially_paid and partially_refunded.
    assert len(config.pso_mapping) == 20
    assert config.resolution[("partially_paid", "shipped")] == "pending"
    assert config.resolution[("partially_refunded", "delivered")] == "completed"
    assert config.restock_after_cancellation is True
    assert config.default_payment_status == "pending"
    assert config.default_shipment_status == "pending"
    assert config.default_order_status == "pending"
    assert config.order_status_flow == (
        "pending",
        "processing",
        "shipped",
        "completed",
        "canceled",
        "closed",
    )
    assert config.terminal_order_statuses == ("canceled", "closed")


def test_default_is_cached_and_equal_to_a_fresh_one() -> None:
    assert Config.default() is Config.default()
    assert Config.default() == Config() == Config.from_dict(order_section())
    assert hash(Config.default()) == hash(Config())
    assert load_config(None) is Config.default()


# -- loading -------------------------------------------------------------------------------


def test_reference_json_loads_and_keeps_the_default_order_statuses_and_mapping() -> None:
    config = Config.from_file(REFERENCE_JSON)
    default = Config.default()
    assert list(config.payment_statuses) == ["pending", "paid", "refunded", "canceled"]
    assert list(config.shipment_statuses) == [
        "pending",
        "processing",
        "shipped",
        "delivered",
        "canceled",
    ]
    assert config.payment_statuses["paid"] == PaymentStatusDef(name="Paid", is_cancelable=False)
    assert config.shipment_statuses["pending"].is_default
    assert config.order_statuses == default.order_statuses
    assert config.pso_mapping == default.pso_mapping
    assert config.order_status_flow == default.order_status_flow
    assert config.restock_after_cancellation is True


def test_toml_in_snake_case_equals_the_json() -> None:
    from_toml = Config.from_file(REFERENCE_TOML)
    assert from_toml == Config.from_file(REFERENCE_JSON)
    assert hash(from_toml) == hash(Config.from_file(REFERENCE_JSON))


def test_toml_mapping_and_both_restock_spellings(tmp_path: Path) -> None:
    for key in ("re_stock_after_cancellation", "restock_after_cancellation"):
        file = tmp_path / f"{key}.toml"
        file.write_text(f'[oms.order]\n{key} = false\n[oms.order.pso_mapping]\n"*:*" = "pending"\n')
        config = Config.from_file(file)
        assert config.restock_after_cancellation is False
        assert config.pso_mapping == {"*:*": "pending"}


def test_evershop_2_2_file_loads_with_pending_as_initial_shipment_status() -> None:
    config = Config.from_file(EVERSHOP_2_2)
    assert list(config.shipment_statuses) == ["shipped", "delivered", "canceled"]
    assert {c: s.phase for c, s in config.shipment_statuses.items()} == {
        "shipped": "shipped",
        "delivered": "delivered",
        "canceled": "canceled",
    }
    assert config.default_shipment_status == "pending"
    assert config.default_payment_status == "pending"
    assert config.default_order_status == "new"
    assert config.order_status_flow == ("new", "processing", "completed", "canceled", "closed")
    assert config.terminal_order_statuses == ("canceled", "closed")


def test_each_given_group_replaces_the_defaults_and_omitted_groups_stay() -> None:
    config = Config.from_dict(order_section(psoMapping={"*:*": "processing"}))
    assert config.pso_mapping == {"*:*": "processing"}
    assert config.payment_statuses == Config.default().payment_statuses
    assert config.order_statuses == Config.default().order_statuses


def test_load_config_accepts_each_kind_of_source() -> None:
    config = Config.from_file(REFERENCE_JSON)
    assert load_config(str(REFERENCE_JSON)) == config
    assert load_config(REFERENCE_JSON) == config
    assert load_config(json.loads(REFERENCE_JSON.read_text())) == config
    assert load_config(config) is config
    with pytest.raises(TypeError, match="not int"):
        load_config(42)  # type: ignore[arg-type]


def test_python_names_build_the_same_config() -> None:
    config = Config(
        payment_statuses={
            "pending": PaymentStatusDef(name="Pending", is_default=True),
            "canceled": PaymentStatusDef(name="Canceled"),
        },
        shipment_statuses={
            code: ShipmentStatusDef(name=code.title())
            for code in ("pending", "shipped", "delivered", "canceled")
        },
        order_statuses={"new": OrderStatusDef(name="New", is_default=True, next=())},
        pso_mapping={"*:*": "new"},
    )
    assert config.default_order_status == "new"
    with pytest.raises(ValidationError, match="exactly one status must have isDefault"):
        Config(order_statuses={"new": OrderStatusDef(name="New", next=())})


def test_config_is_frozen_hashable_copyable_and_picklable() -> None:
    config = Config.default()
    with pytest.raises(ValidationError, match="frozen"):
        config.restock_after_cancellation = False  # type: ignore[misc]
    assert copy.deepcopy(config) == config
    assert pickle.loads(pickle.dumps(config)) == config  # noqa: S301 (our own bytes)
    assert {config: 1}[Config()] == 1
    assert Config.model_validate(config.model_dump()) == config


def test_model_copy_with_an_update_validates_again() -> None:
    config = Config.default()
    changed = config.model_copy(update={"restock_after_cancellation": False})
    assert changed.restock_after_cancellation is False
    assert changed.order_status_flow == config.order_status_flow
    with pytest.raises(ConfigError, match="no order status for"):
        config.model_copy(update={"pso_mapping": {"paid:*": "processing"}})


# -- validation: one problem each -----------------------------------------------------------


def test_two_default_payment_statuses() -> None:
    statuses = {
        "pending": {"name": "Pending", "isDefault": True},
        "paid": {"name": "Paid", "isDefault": True},
    }
    assert (
        "oms.order.paymentStatus: exactly one status must have isDefault true, "
        "found 2 (pending, paid)"
    ) in problems_of(order_section(paymentStatus=statuses))


def test_no_default_payment_status() -> None:
    problems = problems_of(order_section(paymentStatus={"paid": {"name": "Paid"}}))
    assert has_problem(problems, "oms.order.paymentStatus", "exactly one", "found 0")


def test_two_default_order_statuses() -> None:
    statuses = {
        "new": {"name": "New", "isDefault": True, "next": ["done"]},
        "done": {"name": "Done", "isDefault": True, "next": []},
    }
    problems = problems_of(order_section(status=statuses, psoMapping={"*:*": "new"}))
    assert has_problem(problems, "oms.order.status", "exactly one", "found 2 (new, done)")


def test_two_default_shipment_statuses() -> None:
    statuses = {
        "pending": {"name": "Pending", "isDefault": True},
        "ready": {"name": "Ready", "isDefault": True},
    }
    problems = problems_of(order_section(shipmentStatus=statuses))
    assert has_problem(problems, "oms.order.shipmentStatus", "at most one", "(pending, ready)")


def test_invalid_status_code() -> None:
    statuses = {"pending": {"name": "Pending", "isDefault": True}, "Paid-Up": {"name": "Paid"}}
    problems = problems_of(order_section(paymentStatus=statuses))
    assert has_problem(problems, 'oms.order.paymentStatus."Paid-Up"', "invalid status code")


def test_malformed_mapping_key() -> None:
    mapping = {**Config.default().pso_mapping, "paid-shipped": "shipped"}
    problems = problems_of(order_section(psoMapping=mapping))
    assert problems == [
        "oms.order.psoMapping.\"paid-shipped\": invalid key 'paid-shipped': expected "
        "'payment:shipment', each side a status code or '*'"
    ]


def test_mapping_target_must_be_a_configured_order_status() -> None:
    mapping = {**Config.default().pso_mapping, "paid:shipped": "sent"}
    problems = problems_of(order_section(psoMapping=mapping))
    assert has_problem(problems, 'oms.order.psoMapping."paid:shipped"', "'sent' is not")


def test_next_must_name_configured_statuses() -> None:
    statuses = {
        "new": {"name": "New", "isDefault": True, "next": ["procesing"]},
        "processing": {"name": "Processing", "next": []},
    }
    problems = problems_of(order_section(status=statuses, psoMapping={"*:*": "new"}))
    assert problems == [
        "oms.order.status.new.next: 'procesing' is not a configured order status "
        "(configured: new, processing)"
    ]


def test_cycle_in_next_is_named() -> None:
    statuses = {
        "new": {"name": "New", "isDefault": True, "next": ["processing"]},
        "processing": {"name": "Processing", "next": ["shipped"]},
        "shipped": {"name": "Shipped", "next": ["processing"]},
    }
    problems = problems_of(order_section(status=statuses, psoMapping={"*:*": "new"}))
    assert has_problem(problems, "oms.order.status", "processing -> shipped -> processing")


def test_unknown_keys_are_refused_at_every_level() -> None:
    data = {
        "oms": {
            "order": {
                "paymentStatus": {"paid": {"name": "Paid", "isCancellable": False}},
                "shipmentRollup": {},
            },
            "carriers": {"ups": {"name": "UPS", "trackingURL": "https://x/{tracking_number}"}},
            "paymentMethods": {},
        },
        "shop": {},
    }
    problems = problems_of(data)
    assert "oms.order.paymentStatus.paid.isCancellable: unknown key" in problems
    assert has_problem(problems, "oms.order.shipmentRollup", "unknown key", "fixed")
    assert "oms.carriers.ups.trackingURL: unknown key" in problems
    assert "oms.paymentMethods: unknown key" in problems
    assert has_problem(problems, "shop", "unknown key", '{"oms": {"order"')


def test_order_statuses_take_no_cancel_flag() -> None:
    statuses = {"new": {"name": "New", "isDefault": True, "next": [], "isCancelable": True}}
    problems = problems_of(order_section(status=statuses))
    assert "oms.order.status.new.isCancelable: unknown key" in problems


def test_the_inner_part_alone_is_refused() -> None:
    problems = problems_of({"order": {"psoMapping": {}}})
    assert "oms: required key is missing" in problems


def test_wrong_types_name_the_path_and_value() -> None:
    data = order_section(
        paymentStatus={"pending": {"name": "Pending", "isDefault": "yes"}},
        shipmentStatus={"shipped": {"name": "Shipped", "phase": "in_transit"}},
        status={"new": {"name": "New", "isDefault": True}},
    )
    problems = problems_of(data)
    assert has_problem(problems, "oms.order.paymentStatus.pending.isDefault", "'yes'")
    assert has_problem(problems, "oms.order.shipmentStatus.shipped.phase", "'in_transit'")
    assert "oms.order.status.new.next: required key is missing" in problems


def test_mapping_must_cover_every_pair() -> None:
    mapping = {"pending:*": "pending", "paid:*": "processing"}
    problems = problems_of(order_section(psoMapping=mapping))
    line = next(p for p in problems if p.startswith("oms.order.psoMapping: "))
    assert "failed:pending" in line
    assert "canceled:partially_canceled" in line
    assert "'paid:" not in line and " paid:" not in line
    assert "partially_refunded:pending" in line
    # failed, refunded, canceled, partially_paid, partially_refunded: 5 x 8 pairs.
    assert "40 payment:shipment pair(s)" in line


def test_all_problems_come_in_one_error() -> None:
    data = order_section(
        paymentStatus={
            "pending": {"name": "Pending"},
            "canceled": {"name": "Canceled"},
            "Bad": {"name": "Bad"},
        },
        psoMapping={"*:*": "nowhere"},
    )
    with pytest.raises(ConfigError) as caught:
        Config.from_dict(data)
    assert len(caught.value.problems) == 3
    assert all(line in str(caught.value) for line in caught.value.problems)


def test_problem_paths_use_the_snake_case_the_file_used(tmp_path: Path) -> None:
    file = tmp_path / "two_defaults.toml"
    file.write_text(
        REFERENCE_TOML.read_text()
        + '\n[oms.order.payment_status.failed]\nname = "Failed"\nis_default = true\n'
    )
    with pytest.raises(ConfigError) as caught:
        Config.from_file(file)
    assert caught.value.problems == [
        "oms.order.payment_status: exactly one status must have is_default true, "
        "found 2 (pending, failed)"
    ]
    assert str(file) in str(caught.value)


def test_mapping_key_naming_an_unknown_status_is_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mapping = {**Config.default().pso_mapping, "paypal_captured:*": "processing"}
    mapping["*:in_transit"] = "shipped"
    with caplog.at_level(logging.WARNING, logger="ordermill.config"):
        config = Config.from_dict(order_section(psoMapping=mapping))
    messages = [r.getMessage() for r in caplog.records if r.name == "ordermill.config"]
    assert any('"paypal_captured:*"' in m and "'paypal_captured'" in m for m in messages)
    assert any('"*:in_transit"' in m and "shipment status 'in_transit'" in m for m in messages)
    assert ("paypal_captured", "pending") not in config.resolution


def test_reference_json_warns_about_the_default_failed_mapping(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="ordermill.config"):
        Config.from_file(REFERENCE_JSON)
    assert any(
        str(REFERENCE_JSON) in r.getMessage() and '"failed:*"' in r.getMessage()
        for r in caplog.records
    )


# -- file errors ---------------------------------------------------------------------------


def test_unsupported_suffix(tmp_path: Path) -> None:
    file = tmp_path / "statuses.yaml"
    file.write_text("oms: {}")
    with pytest.raises(ConfigError, match=r"unsupported file type '\.yaml'") as caught:
        Config.from_file(file)
    assert str(file) in caught.value.problems[0]


def test_missing_file(tmp_path: Path) -> None:
    file = tmp_path / "absent.json"
    with pytest.raises(ConfigError, match="file not found") as caught:
        load_config(file)
    assert str(file) in str(caught.value)


def test_invalid_json(tmp_path: Path) -> None:
    file = tmp_path / "broken.json"
    file.write_text('{"oms": {"order": {,}}}')
    with pytest.raises(ConfigError, match="invalid JSON at line 1 column 20") as caught:
        Config.from_file(file)
    assert str(file) in str(caught.value)


def test_invalid_toml(tmp_path: Path) -> None:
    file = tmp_path / "broken.toml"
    file.write_text("[oms.order\n")
    with pytest.raises(ConfigError, match="invalid TOML") as caught:
        Config.from_file(file)
    assert str(file) in str(caught.value)


def test_json_that_is_not_an_object(tmp_path: Path) -> None:
    file = tmp_path / "list.json"
    file.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="got list") as caught:
        Config.from_file(file)
    assert str(file) in str(caught.value)
