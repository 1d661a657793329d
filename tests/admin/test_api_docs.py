"""/docs and /redoc in real chromium: they render the operations with every file served
by ordermill itself; not one request leaves 127.0.0.1 (the service works offline).

ReDoc's bundle always shows Redocly's logo from its CDN: the page's CSP (img-src 'self')
stops that request in the browser, which the test checks it does (blocked, never sent)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest


class Traffic:
    """Every request the page makes, and those the browser stopped for its CSP."""

    def __init__(self, page: Any) -> None:
        self.urls: list[str] = []
        self.blocked: set[str] = set()
        self.answered: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: self.answered.append(r.url))

    def _failed(self, request: Any) -> None:
        if request.failure in ("csp", "net::ERR_BLOCKED_BY_CSP"):  # chromium's words for it
            self.blocked.add(request.url)

    def left_the_machine(self) -> list[str]:
        return [
            u
            for u in self.urls
            if urlsplit(u).hostname != "127.0.0.1"
            and urlsplit(u).scheme not in ("data", "blob")
            and (u not in self.blocked or u in self.answered)
        ]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_swagger_ui_lists_the_operations_from_local_files(page: Any, live_server: str) -> None:
    traffic = Traffic(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/docs")
    page.locator(".opblock-summary-path", has_text="/api/v1/orders").first.wait_for()
    assert page.locator(".opblock").count() > 20
    page.wait_for_load_state("networkidle")
    assert traffic.left_the_machine() == [], traffic.urls
    assert any(u.endswith("/docs-assets/swagger-ui-bundle.js") for u in traffic.answered)
    assert not [e for e in errors if "script" in e and "Content Security Policy" in e], errors


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_redoc_lists_the_operations_from_local_files(page: Any, live_server: str) -> None:
    traffic = Traffic(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/redoc")
    page.locator("h2", has_text="Place an order").first.wait_for()
    assert page.locator("[data-section-id^='operation/']").count() > 20
    page.wait_for_load_state("networkidle")
    assert traffic.left_the_machine() == [], traffic.urls
    assert any(u.endswith("/docs-assets/redoc.standalone.js") for u in traffic.answered)
    assert not [e for e in errors if "script" in e and "Content Security Policy" in e], errors
