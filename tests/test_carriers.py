"""Carriers: the registry in the configuration, and the tracking URL a shipment gets from it,
on the REST shipment, in the shipment events and from ``config check``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ordermill
from ordermill.cli import app as cli_app
from ordermill.domain.carriers import tracking_url
from ordermill.domain.config import Config, load_config
from ordermill.domain.errors import ConfigError
from tests.services.shop import event_payloads, place, stock_up

DEFAULTS = Config.default().carriers

EXPECTED = {
    "UPS": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr=1Z999AA10123456784",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels=1Z999AA10123456784",
    "DHL": "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
    "?submit=1&tracking-id=1Z999AA10123456784",
}


@pytest.mark.parametrize("carrier", sorted(EXPECTED))
def test_each_default_carrier_has_its_tracking_url(carrier: str) -> None:
    assert tracking_url(DEFAULTS, carrier, "1Z999AA10123456784") == EXPECTED[carrier]
    # By code or by name, whatever the case and surrounding spaces.
    assert (
        tracking_url(DEFAULTS, f"  {carrier.lower()} ", "1Z999AA10123456784") == (EXPECTED[carrier])
    )


@pytest.mark.parametrize(
    ("carrier", "number"),
    [("Royal Mail", "RM123"), ("La Poste", "LP1"), ("UPS", None), ("UPS", "  "), (None, "X")],
)
def test_a_free_text_carrier_or_a_missing_number_has_no_url(
    carrier: str | None, number: str | None
) -> None:
    assert tracking_url(DEFAULTS, carrier, number) is None


def test_the_tracking_number_cannot_change_the_urls_shape() -> None:
    url = tracking_url(DEFAULTS, "UPS", "1Z&evil=1#x/../y")
    assert url == "https://www.ups.com/track?tracknum=1Z%26evil%3D1%23x%2F..%2Fy"


def test_a_file_with_carriers_replaces_the_registry(tmp_path: Path) -> None:
    file = tmp_path / "shop.json"
    file.write_text(
        json.dumps(
            {
                "oms": {
                    "order": {},
                    "carriers": {
                        "colissimo": {
                            "name": "Colissimo",
                            "trackingUrl": "https://www.laposte.fr/outils/suivre-vos-envois?code={trackingNumber}",
                        },
                        "default": {"name": "Default"},
                    },
                }
            }
        )
    )
    config = load_config(file)
    assert list(config.carriers) == ["colissimo", "default"]
    assert tracking_url(config.carriers, "colissimo", "6A1") == (
        "https://www.laposte.fr/outils/suivre-vos-envois?code=6A1"
    )
    assert tracking_url(config.carriers, "Default", "6A1") is None
    assert tracking_url(config.carriers, "UPS", "6A1") is None  # replaced, not merged

    result = CliRunner().invoke(cli_app, ["config", "check", str(file)])
    assert result.exit_code == 0, result.output
    assert "Carriers: Colissimo, Default (no tracking URL)" in result.output


def test_a_toml_file_spells_it_tracking_url(tmp_path: Path) -> None:
    file = tmp_path / "shop.toml"
    file.write_text(
        '[oms.order]\n[oms.carriers.gls]\nname = "GLS"\n'
        'tracking_url = "https://gls-group.com/track/{tracking_number}"\n'
    )
    assert tracking_url(load_config(file).carriers, "gls", "9") == "https://gls-group.com/track/9"


def test_an_evershop_file_without_carriers_keeps_the_defaults() -> None:
    config = load_config(Path(__file__).parent / "fixtures" / "evershop_2_2.json")
    assert [c.name for c in config.carriers.values()] == ["UPS", "FedEx", "USPS", "DHL"]


def test_bad_carriers_are_each_reported_with_their_key_path(tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text(
        json.dumps(
            {
                "oms": {
                    "order": {},
                    "carriers": {
                        "Acme": {"name": "Acme"},
                        "ftp": {"name": "Ftp", "trackingUrl": "ftp://x/{tracking_number}"},
                        "nohole": {"name": "No hole", "trackingUrl": "https://x/track"},
                        "other": {
                            "name": "Other",
                            "trackingUrl": "https://x/{tracking_number}/{id}",
                        },
                        "ups": {"name": "UPS"},
                        "ups2": {"name": "ups"},
                    },
                }
            }
        )
    )
    with pytest.raises(ConfigError) as raised:
        load_config(file)
    problems = raised.value.problems
    assert "oms.carriers: invalid carrier code 'Acme': must match ^[a-z][a-z0-9_]*$" in problems
    assert "oms.carriers.ftp.trackingUrl: must start with https:// or http://" in problems
    assert any(p.startswith("oms.carriers.nohole.trackingUrl: must contain") for p in problems)
    assert any(
        p.startswith("oms.carriers.other.trackingUrl: unknown placeholder {id}") for p in problems
    )
    assert "oms.carriers.ups2.name: 'ups' is also the name of carrier 'ups'" in problems
    result = CliRunner().invoke(cli_app, ["config", "check", str(file)])
    assert result.exit_code == 2
    assert "oms.carriers.ftp.trackingUrl" in result.output


def test_shipment_events_carry_the_tracking_url(oms: ordermill.Oms) -> None:
    stock_up(oms)
    order = place(oms)
    shipment = oms.create_shipment(order.uuid, "FedEx", "1Z999AA10123456784")
    oms.update_shipment(shipment.uuid, carrier="Royal Mail")
    oms.mark_delivered(shipment.uuid)
    [created] = event_payloads(oms, order.order_id, "ordermill.shipment.created")
    [updated] = event_payloads(oms, order.order_id, "ordermill.shipment.updated")
    [delivered] = event_payloads(oms, order.order_id, "ordermill.shipment.delivered")
    assert created["tracking_url"] == EXPECTED["FedEx"]
    assert updated["tracking_url"] is None  # a carrier the registry does not know
    assert delivered["tracking_url"] is None
