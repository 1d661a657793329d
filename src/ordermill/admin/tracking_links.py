"""The guest tracking link on the order page: issue (or rotate) and revoke it.

The link's token is stored only as a hash, so the page can show the full URL once, in
the answer to the POST that issued it (rendered, not redirected: the URL never goes into
a query string or the browser history); afterwards it shows when the live link was
issued and when it expires.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ordermill.admin.order_page import NOTICES, show
from ordermill.admin.web import AdminUser, Form, admin_of, error_status, is_htmx, redirect
from ordermill.domain.errors import OmsError

__all__ = ["router"]

router = APIRouter()

ISSUED = "Tracking link issued; copy it now, it is shown only this once."


@router.post("/orders/{key}/tracking-link")
def issue_tracking_link(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    oms = admin_of(request).oms
    order = oms.get_order(key)
    try:
        link = oms.tracking_link(order.uuid)
    except OmsError as error:
        return show(
            request, order.order_number, errors={"tracking": str(error)},
            status_code=error_status(error),
        )  # fmt: skip
    # The page is served by the same host as the admin, at /track (api.app.create_app).
    url = f"{request.url.scheme}://{request.url.netloc}{link.path}"
    return show(request, order.order_number, notice=ISSUED, issued_tracking_url=url)


@router.post("/orders/{key}/tracking-link/revoke")
def revoke_tracking_link(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    oms = admin_of(request).oms
    order = oms.get_order(key)
    oms.revoke_tracking_link(order.uuid)
    if is_htmx(request):
        return show(request, order.order_number, notice=NOTICES["tracking_revoked"])
    return redirect(request, f"/orders/{order.order_number}?done=tracking_revoked")
