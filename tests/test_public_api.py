"""The public surface is explicit: sorted ``__all__`` lists, each name importable."""

from __future__ import annotations

import importlib

import pytest

import ordermill

PUBLIC_MODULES = [
    "ordermill",
    "ordermill.errors",
    "ordermill.records",
    "ordermill.query",
    "ordermill.services",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    for symbol in exported:
        assert hasattr(module, symbol), f"{name}.{symbol} is in __all__ but missing"


def test_every_error_has_a_stable_unique_code() -> None:
    errors = [
        getattr(ordermill.errors, n)
        for n in ordermill.errors.__all__
        if isinstance(getattr(ordermill.errors, n), type)
    ]
    codes = [e.code for e in errors]
    assert len(codes) == len(set(codes))
    assert all(code.replace("_", "").isalpha() and code.islower() for code in codes)


def test_errors_are_exported_from_the_package() -> None:
    for name in ordermill.errors.__all__:
        assert getattr(ordermill, name) is getattr(ordermill.errors, name)
