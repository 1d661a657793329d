"""The order grid: filters, sort and cursor pages from the URL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

import ordermill
from tests.admin.conftest import Admin
from tests.admin.seed import backdate, place, seed_small

_ROW = re.compile(r'<tr data-order="(\d+)">')


def numbers(html: str) -> list[str]:
    return _ROW.findall(html)


@pytest.fixture
def orders(oms: ordermill.Oms) -> list[ordermill.Order]:
    """Four orders: 10001 paid (to ship), 10002 pending, 10003 paid and shipped, 10004
    pending; 10001 placed 40 days ago."""
    shop = seed_small(oms)
    backdate(oms, shop.to_ship, datetime.now(UTC) - timedelta(days=40))
    return [shop.to_ship, shop.to_cancel, *shop.others]


def test_grid_lists_orders_newest_first_with_badges(
    admin: Admin, orders: list[ordermill.Order]
) -> None:
    page = admin.get("/admin/orders")
    assert page.status_code == 200
    assert numbers(page.text) == ["10004", "10003", "10002", "10001"]
    assert "4 orders" in page.text
    for text in ('data-status="paid"', 'data-status="shipped"', "Katherine Johnson", "$54.80"):
        assert text in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("payment_status=paid", ["10003", "10001"]),
        ("payment_status=pending", ["10004", "10002"]),
        ("shipment_status=shipped", ["10003"]),
        ("status=processing", ["10001"]),
        ("q=grace", ["10002"]),
        ("q=10003", ["10003"]),
        ("payment_status=paid&shipment_status=pending", ["10001"]),
        (f"to={(datetime.now(UTC) - timedelta(days=30)).date()}", ["10001"]),
        (f"from={(datetime.now(UTC) - timedelta(days=30)).date()}", ["10004", "10003", "10002"]),
        ("q=nobody-has-this", []),
    ],
)
def test_filters(
    admin: Admin, orders: list[ordermill.Order], query: str, expected: list[str]
) -> None:
    page = admin.get(f"/admin/orders?{query}")
    assert page.status_code == 200
    assert numbers(page.text) == expected
    if not expected:
        assert "No order matches these filters" in page.text


def test_filter_form_shows_the_filters_of_the_url(
    admin: Admin, orders: list[ordermill.Order]
) -> None:
    html = admin.get("/admin/orders?payment_status=paid&q=ada&from=2026-01-02").text
    assert '<option value="paid" selected>' in html
    assert 'name="q" type="search" value="ada"' in html
    assert 'name="from" type="date" value="2026-01-02"' in html
    assert 'href="/admin/orders"' in html  # clear


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("grand_total", ["10003", "10004", "10002", "10001"]),
        ("-grand_total", ["10001", "10002", "10004", "10003"]),
        ("order_number", ["10001", "10002", "10003", "10004"]),
        ("created_at", ["10001", "10002", "10003", "10004"]),
    ],
)
def test_sort(admin: Admin, orders: list[ordermill.Order], sort: str, expected: list[str]) -> None:
    assert numbers(admin.get(f"/admin/orders?sort={sort}").text) == expected


def test_sort_links_flip_the_direction(admin: Admin, orders: list[ordermill.Order]) -> None:
    html = admin.get("/admin/orders?sort=grand_total&payment_status=paid").text
    links = dict(re.findall(r'<a href="([^"]+)" class="sort[^"]*">([A-Za-z]+)', html))
    by_label = {label: href for href, label in links.items()}
    total = parse_qs(urlsplit(by_label["Total"].replace("&amp;", "&")).query)
    assert total == {"sort": ["-grand_total"], "payment_status": ["paid"]}
    date = parse_qs(urlsplit(by_label["Date"].replace("&amp;", "&")).query)
    assert date == {"payment_status": ["paid"]}  # newest first is the default
    assert 'aria-sort="ascending"' in html


def test_cursor_pages_cover_every_order_once(oms: ordermill.Oms, admin: Admin) -> None:
    seed_small(oms)
    oms.set_stock("SOCKS-3", 1000)
    for i in range(50):
        place(oms, [("SOCKS-3", 1)], person=i)
    seen: list[str] = []
    path = "/admin/orders?payment_status=pending"
    pages = 0
    while path:
        html = admin.get(path).text
        seen += numbers(html)
        pages += 1
        found = re.search(r'<a class="button" rel="next" href="([^"]+)"', html)
        path = found.group(1).replace("&amp;", "&") if found else ""
        if found:
            assert "payment_status=pending" in path
    assert pages == 3
    assert len(seen) == len(set(seen)) == 52
    assert seen == sorted(seen, reverse=True)


def test_page_size_choice(oms: ordermill.Oms, admin: Admin) -> None:
    seed_small(oms)
    for i in range(30):
        place(oms, [("SOCKS-3", 1)], person=i)
    assert len(numbers(admin.get("/admin/orders").text)) == 25
    assert len(numbers(admin.get("/admin/orders?size=50").text)) == 34
    assert admin.get("/admin/orders?size=7").status_code == 422  # only the sizes offered


@pytest.mark.parametrize(
    "query",
    [
        "from=yesterday",
        "sort=password",
        "cursor=not-a-cursor",
        "to=2026-13-45",
        "size=%C2%B2",  # "²": a digit to str.isdigit(), not to int()
        "size=%D9%A5",  # an Arabic-Indic five: int() reads it
        "size=-25",
        "size=7",
        "size=1e9",
    ],
)
def test_bad_url_values_are_explained_not_a_traceback(
    admin: Admin, orders: list[ordermill.Order], query: str
) -> None:
    page = admin.get(f"/admin/orders?{query}")
    assert page.status_code == 422
    assert "Those filters could not be used" in page.text
    assert "Traceback" not in page.text


def test_htmx_filtering_pushes_the_tidy_url(admin: Admin, orders: list[ordermill.Order]) -> None:
    response = admin.get(
        "/admin/orders?q=&status=&payment_status=paid&shipment_status=&from=&to=",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/admin/orders?payment_status=paid"


def test_shipment_filter_offers_the_rollup_values(
    admin: Admin, orders: list[ordermill.Order]
) -> None:
    html = admin.get("/admin/orders").text
    select = html[html.index('id="grid-shipment_status"') :]
    select = select[: select.index("</select>")]
    for code in ("pending", "shipped", "delivered", "partially_shipped", "partially_delivered"):
        assert f'value="{code}"' in select
