"""Render the admin pages to PNG files for the README: ``make screenshots``.

    python -m tests.admin.screenshots [OUTPUT_DIR]     (default docs/screenshots)

Builds a throwaway SQLite shop with a month of orders, serves the whole app on a free
loopback port and photographs the dashboard, the order grid and an order page with
Debian's chromium, at 1280 px (desktop) and 390 px (phone) wide.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import ordermill
from ordermill.admin.sessions import SECRET_ENV
from ordermill.api import create_app
from tests.admin.seed import place, seed_demo
from tests.admin.server import CHROMIUM, CHROMIUM_ARGS, serve

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


def _showcase_order(oms: ordermill.Oms) -> str:
    """An order in the middle of its life: paid, partly shipped and delivered, with notes."""
    order = place(oms, [("MUG-BLUE", 3), ("TEE-L", 2), ("POSTER-A2", 1)], person=0)
    oms.update_payment_status(order.uuid, "paid")
    items = {item.sku: item.order_item_id for item in oms.get_order(order.uuid).items or ()}
    first = oms.create_shipment(
        order.uuid, "UPS", "1Z999AA10123456784", items=[{"order_item_id": items["TEE-L"], "qty": 2}]
    )
    oms.mark_delivered(first.uuid)
    oms.create_shipment(
        order.uuid, "DHL", "JD014600003828", items=[{"order_item_id": items["MUG-BLUE"], "qty": 2}]
    )
    oms.add_order_activity_log(
        order.uuid, "The last mug is back-ordered; it ships next week.", customer_notified=True
    )
    oms.add_order_activity_log(order.uuid, "Poster to be rolled, not folded.")
    return order.order_number


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        oms = ordermill.connect(f"sqlite:///{tmp}/shop.db")
        oms.migrate()
        seed_demo(oms)
        number = _showcase_order(oms)
        _, secret = oms.create_token(role="admin", label="screenshots")
        os.environ[SECRET_ENV] = "screenshots-only"
        pages = {
            "dashboard": "/admin/",
            "orders": "/admin/orders",
            "order": f"/admin/orders/{number}",
        }
        with serve(create_app(oms)) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for device, (width, height) in VIEWPORTS.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height}, is_mobile=device == "phone"
                )
                tab = context.new_page()
                tab.goto(f"{base}/admin/sign-in")
                tab.get_by_label("Admin token").fill(secret)
                tab.get_by_role("button", name="Sign in").click()
                tab.wait_for_url(f"{base}/admin/")
                for name, path in pages.items():
                    tab.goto(f"{base}{path}")
                    target = out / f"{name}-{device}.png"
                    tab.screenshot(path=str(target), full_page=True)
                    print(f"wrote {target}")
                context.close()
            browser.close()
        oms.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
