"""Admin test fixtures: the admin app in-process, an admin token, a signed-in client."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import ordermill
from ordermill.admin.sessions import SECRET_ENV
from ordermill.api import create_app
from tests.admin.server import CHROMIUM, CHROMIUM_ARGS, serve

SECRET_KEY = "test-secret-key-for-admin-sessions"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


class Admin:
    """A browser-like client of the admin: keeps the cookie, knows the CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        if response.status_code < 500 and 'name="csrf_token"' in response.text:
            self.csrf = csrf_from(response.text)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a form with this session's CSRF token (unless ``data`` sets its own)."""
        body = {"csrf_token": self.csrf, **(data or {})}
        kwargs.setdefault("follow_redirects", False)
        response = self.client.post(path, data=body, **kwargs)
        if 'name="csrf_token"' in response.text:
            self.csrf = csrf_from(response.text)
        return response

    def sign_in(self, secret: str) -> Any:
        self.get("/admin/sign-in")
        response = self.post("/admin/sign-in", {"token": secret})
        assert response.status_code == 303, response.text
        self.get("/admin/orders")
        return response


@pytest.fixture
def admin_app(oms: ordermill.Oms, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    """The whole service as ``ordermill serve`` runs it: the admin mounted by create_app."""
    monkeypatch.setenv(SECRET_ENV, SECRET_KEY)
    return create_app(oms)


@pytest.fixture
def admin_secret(oms: ordermill.Oms) -> str:
    _, secret = oms.create_token(role="admin", label="admin tests")
    return secret


@pytest.fixture
def anonymous(admin_app: FastAPI) -> Iterator[Admin]:
    with TestClient(admin_app, raise_server_exceptions=False) as client:
        yield Admin(client)


@pytest.fixture
def admin(anonymous: Admin, admin_secret: str) -> Admin:
    anonymous.sign_in(admin_secret)
    return anonymous


# -- browser tests ----------------------------------------------------------------------

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report on the test, so the page fixture knows a test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright; never a downloaded browser.

    Package-scoped: Playwright's sync API keeps an event loop running in this thread
    until it stops, and later tests (the event relay's) start their own with asyncio.run.
    """
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(f"browser tests skipped: {message}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def live_server(admin_app: FastAPI) -> Iterator[str]:
    """The whole service on a free loopback port, over this test's database."""
    with serve(admin_app) as base_url:
        yield base_url


@contextmanager
def _tab(
    browser: Any, request: pytest.FixtureRequest, tmp_path: Path, **options: Any
) -> Iterator[Any]:
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
        failed = getattr(request.node, "report_call", None)
        if failed is not None and failed.failed:
            shot = tmp_path / "failure.png"
            tab.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failed page: {shot}")
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh browser tab at 1280x900; when the test fails, the page is saved as
    ``failure.png`` in the test's temporary directory (the path is printed)."""
    with _tab(browser, request, tmp_path, viewport={"width": 1280, "height": 900}) as tab:
        yield tab


@pytest.fixture
def phone(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The same on a 390x844 phone screen."""
    with _tab(
        browser, request, tmp_path, viewport={"width": 390, "height": 844}, is_mobile=True
    ) as tab:
        yield tab
