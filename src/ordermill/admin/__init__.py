"""The admin web interface: order grid, order page with every action, dashboard.

Server-rendered Jinja2 pages with htmx (vendored, served from ``/admin/static``) over
the same services and query builder as the REST API. Staff sign in with an admin API
token; the browser then holds a signed session cookie, never the token.

    from ordermill.admin import mount
    mount(app, oms)            # pages under /admin

The public guest tracking page (``tracking_page``, ``/track/<token>``) shares its look.
"""

from __future__ import annotations

from ordermill.admin.app import create_admin_app, mount
from ordermill.admin.tracking_page import create_tracking_app, mount_tracking

__all__ = ["create_admin_app", "create_tracking_app", "mount", "mount_tracking"]
