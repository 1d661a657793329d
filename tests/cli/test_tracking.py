"""``ordermill orders tracking-link``: issue a link and print its URL once, or revoke it."""

from __future__ import annotations

import json

import pytest

import ordermill
from tests.cli.conftest import Invoke
from tests.services.shop import place


def test_issue_print_and_revoke(cli: Invoke, oms: ordermill.Oms) -> None:
    order = place(oms)
    issued = cli("orders", "tracking-link", order.order_number, "--base-url", "https://shop.test/")
    assert issued.exit_code == 0, issued.output
    url = issued.output.strip().splitlines()[-1]
    assert url.startswith("https://shop.test/track/")
    assert oms.track(url.rsplit("/", 1)[1]).order_number == order.order_number

    again = cli("orders", "tracking-link", order.uuid, "--days", "7", "--json")
    assert again.exit_code == 0, again.output
    shown = json.loads(again.output)
    assert shown["expires_at"] is not None
    with pytest.raises(ordermill.TrackingLinkNotFound):
        oms.track(url.rsplit("/", 1)[1])  # rotated

    revoked = cli("orders", "tracking-link", order.order_number, "--revoke")
    assert revoked.exit_code == 0 and "link revoked" in revoked.output
    with pytest.raises(ordermill.TrackingLinkNotFound):
        oms.track(shown["url"].rsplit("/", 1)[1])
    assert "no live link" in cli("orders", "tracking-link", order.order_number, "--revoke").output


def test_an_unknown_order_exits_1(cli: Invoke, oms: ordermill.Oms) -> None:
    place(oms)
    result = cli("orders", "tracking-link", "99999")
    assert result.exit_code == 1
    assert "Order not found: 99999" in result.output
