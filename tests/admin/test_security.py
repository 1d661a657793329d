"""CSRF on every form, security headers, local assets only, error pages without tracebacks."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

import ordermill
from ordermill.admin.app import ROUTERS
from ordermill.events import webhooks
from tests.admin.conftest import Admin
from tests.admin.seed import Seeded, seed_small
from tests.admin.server import serve

Snapshot = Callable[[Any], dict[str, list[dict[str, Any]]]]


def post_paths(shop: Seeded, oms: ordermill.Oms) -> list[str]:
    """Every POST route of the admin, with real orders, shipments and returns in the path."""
    [shipment] = oms.list_shipments(shop.others[0].uuid)
    oms.mark_delivered(shipment.uuid)
    item_id = (shop.others[0].items or ())[0].order_item_id
    asked = oms.request_return(shop.others[0].uuid, [{"order_item_id": item_id, "qty": 1}])
    endpoint, _ = webhooks.add_endpoint(
        oms.engine, "http://127.0.0.1:9/hook", ["*"], allow_private_network=True
    )
    values = {
        "key": shop.others[0].order_number,
        "shipment_uuid": shipment.uuid,
        "endpoint_id": endpoint.endpoint_id,
        "return_uuid": asked.uuid,
        "action": "approve",
    }
    paths = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and "POST" in (route.methods or ()):
                paths.append("/admin" + route.path.format(**values))
    return paths


def test_every_post_route_refuses_a_request_without_the_csrf_token(
    oms: ordermill.Oms, admin: Admin, db_snapshot: Snapshot
) -> None:
    shop = seed_small(oms)
    paths = post_paths(shop, oms)  # (adds a webhook endpoint, before the snapshot)
    # sign-in, sign-out, the seven order actions, the three of refunds (price, refund,
    # cancel and refund), the return actions (one route), the two tracking link actions
    # and the five webhook actions
    assert len(paths) == 20
    form = {"payment_status": "paid", "message": "x", "reason": "x", "confirm": "yes",
            "carrier": "X", "token": "omt_x", "url": "http://127.0.0.1:9/x", "events": "*",
            "allow_private_network": "yes", "event_id": "1"}  # fmt: skip
    before = db_snapshot(oms.engine)
    for path in paths:
        for token, headers in (("", {}), ("forged", {}), ("", {"X-CSRF-Token": "forged"})):
            response = admin.client.post(
                path, data={**form, "csrf_token": token}, headers=headers, follow_redirects=False
            )
            assert response.status_code == 403, (path, token, headers)
            assert "nothing was changed" in response.text
    assert db_snapshot(oms.engine) == before
    # Still signed in: a refused form does not end the session.
    assert admin.get("/admin/orders").status_code == 200


def test_the_htmx_header_is_accepted_instead_of_the_field(oms: ordermill.Oms, admin: Admin) -> None:
    shop = seed_small(oms)
    response = admin.client.post(
        f"/admin/orders/{shop.to_ship.order_number}/notes",
        data={"message": "via htmx"},
        headers={"X-CSRF-Token": admin.csrf, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "via htmx" in response.text


def test_pages_send_security_headers_and_are_not_cached(oms: ordermill.Oms, admin: Admin) -> None:
    shop = seed_small(oms)
    for path in ("/admin/", "/admin/orders", f"/admin/orders/{shop.to_ship.order_number}",
                 "/admin/sign-in", "/admin/nowhere"):  # fmt: skip
        response = admin.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"


def test_nothing_loads_from_another_host(oms: ordermill.Oms, admin: Admin) -> None:
    shop = seed_small(oms)
    assets: set[str] = set()
    for path in ("/admin/", "/admin/orders", f"/admin/orders/{shop.to_ship.order_number}",
                 "/admin/sign-in"):  # fmt: skip
        html = admin.get(path).text
        for attr, target in re.findall(r'\b(src|href|action)="([^"]*)"', html):
            assert not re.match(r"(?i)^(https?:)?//", target), (path, attr, target)
            if "/static/" in target:
                assets.add(target.replace("&amp;", "&"))
    assert {a.split("?")[0] for a in assets} == {
        "/admin/static/admin.css",
        "/admin/static/htmx.min.js",
    }
    for asset in assets:
        response = admin.client.get(asset)
        assert response.status_code == 200
    css = admin.client.get("/admin/static/admin.css").text
    assert "url(" not in css and "@import" not in css


def test_static_files_need_no_sign_in(anonymous: Admin) -> None:
    assert anonymous.client.get("/admin/static/htmx.min.js").status_code == 200
    assert anonymous.client.get("/admin/static/../templates/base.html").status_code == 404


def test_an_unexpected_error_is_a_plain_500_page(
    oms: ordermill.Oms, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = seed_small(oms)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(oms, "get_order", broken)
    response = admin.get(f"/admin/orders/{shop.to_ship.order_number}")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_unknown_pages_and_methods_are_html_errors(admin: Admin) -> None:
    response = admin.get("/admin/no-such-page")
    assert response.status_code == 404
    assert "There is no such page." in response.text
    response = admin.client.get("/admin/sign-out")
    assert response.status_code == 405
    assert "text/html" in response.headers["content-type"]


def test_a_form_over_the_size_limit_is_a_413_page_chunked_or_not(
    admin_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Over a real connection: a chunked body is only found too large while the form is
    read (it came out as a 500 page); a declared Content-Length is refused up front."""
    form = {"content-type": "application/x-www-form-urlencoded"}

    def chunked() -> Iterator[bytes]:
        yield b"token="
        for _ in range(24):  # 1.5 MiB in 64 KiB chunks, no Content-Length
            yield b"a" * 65536

    with serve(admin_app) as base, caplog.at_level(logging.ERROR):
        streamed = httpx.post(f"{base}/admin/sign-in", content=chunked(), headers=form)
        declared = httpx.post(
            f"{base}/admin/sign-in", content=b"token=" + b"a" * (3 << 19), headers=form
        )
    assert streamed.request.headers.get("transfer-encoding") == "chunked"
    assert streamed.status_code == 413, streamed.text[:200]
    assert "larger than the server accepts" in streamed.text
    assert declared.status_code == 413
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
