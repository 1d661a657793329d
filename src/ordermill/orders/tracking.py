"""Guest tracking links: issue, rotate, revoke, and the public read behind ``/track/<token>``.

Design (why no link is made at placement): placing an order is the hot path, and its
statement count is pinned (``tests/services/test_statement_counts.py``). A link is
therefore issued on request, by the shop right after placement
(``POST /api/v1/orders/{uuid}/tracking-link``, ``oms.tracking_link(order)``) or by staff
on the admin order page, which adds no statement to placement. The alternative, a token
derived as an HMAC of the order uuid with a server secret, would need no row either, but
could not be revoked one by one without a table all the same, and a leaked server
secret would open every order's page; random tokens stored hashed have neither problem.

1. Issuing locks the order row (``db/locks.py``: the order first), revokes the order's
   live link if it has one, and inserts a new one: the token, ``secrets.token_urlsafe``,
   is returned once and only its SHA-256 is stored. At most one link per order is live
   (a partial unique index holds that even without the lock); issuing again rotates.
2. ``expires_at`` (optional, in the future) ends the link at that time; revoking ends it
   now. Either way the page answers exactly as for a token that never existed.
3. ``track`` reads the link by the token's hash and its order's items, shipping address,
   shipments and customer-visible activities in one statement each, for a wrong token
   too (an order that does not exist), then compares the hashes in constant time and
   checks revocation and expiry: a wrong, revoked or expired token costs the same
   statements and raises the same ``TrackingLinkNotFound``.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from sqlalchemy.engine import Connection

from ordermill.db.order_state import lock_order_id_by_ref
from ordermill.db.tables import utcnow
from ordermill.db.tracking import find_tracked, insert_link, live_link, revoke_live_link
from ordermill.domain.errors import TrackingLinkNotFound
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.records import Order, TrackingLink
from ordermill.domain.tracking import check_expiry, hash_token, new_token
from ordermill.orders.context import Context

__all__ = ["NOT_FOUND", "get_tracking_link", "issue_tracking_link", "revoke_tracking_link", "track"]

NOT_FOUND = "There is no tracking page at this address."
_MAX_TOKEN = 128  # longer is not ours: hashed as the empty string, and looked up all the same


def issue_tracking_link(
    ctx: Context,
    order_ref: OrderRef,
    *,
    expires_at: datetime | None = None,
    conn: Connection | None = None,
) -> TrackingLink:
    """A new tracking link for the order, revoking the one it had; ``token`` is set (the
    only time it is)."""
    now = utcnow()
    expires = check_expiry(expires_at, now)
    token = new_token()
    with ctx.transaction(conn) as tx:
        order_id, order_uuid = lock_order_id_by_ref(tx, order_ref)
        revoke_live_link(tx, order_id, order_uuid, now)
        link_id = insert_link(tx, order_id, hash_token(token), now, expires)
    return TrackingLink(
        link_id=link_id,
        order_id=order_id,
        order_uuid=order_uuid,
        created_at=now,
        expires_at=expires,
        revoked_at=None,
        token=token,
    )


def revoke_tracking_link(
    ctx: Context, order_ref: OrderRef, *, conn: Connection | None = None
) -> TrackingLink | None:
    """Revoke the order's live link: its page answers 404 from now on. Returns the link
    as revoked, or None when the order had no live link (nothing changes)."""
    with ctx.transaction(conn) as tx:
        order_id, order_uuid = lock_order_id_by_ref(tx, order_ref)
        return revoke_live_link(tx, order_id, order_uuid, utcnow())


def get_tracking_link(
    ctx: Context, order_ref: OrderRef, *, conn: Connection | None = None
) -> TrackingLink | None:
    """The order's live link (perhaps expired; ``token`` None: it is never stored), or
    None; ``OrderNotFound`` if there is no such order."""
    with ctx.reading(conn) as c:
        _, link = live_link(c, order_ref)
    return link


def track(ctx: Context, token: object, *, conn: Connection | None = None) -> Order:
    """The order a live link's token opens, with items, shipping address, shipments and
    only the activities the customer was notified of; ``TrackingLinkNotFound`` for a
    wrong, malformed, revoked or expired token, after the same work (step 3)."""
    text = token if isinstance(token, str) and len(token) <= _MAX_TOKEN else ""
    wanted = hash_token(text)
    with ctx.reading(conn) as c:
        link, found = find_tracked(c, wanted)
    now = utcnow()
    stored = link.link_token_hash if link is not None else "0" * len(wanted)
    matches = hmac.compare_digest(stored, wanted)
    live = (
        link is not None
        and link.link_revoked_at is None
        and (link.link_expires_at is None or now < link.link_expires_at)
    )
    if not (matches and live and text):
        raise TrackingLinkNotFound(NOT_FOUND)
    return found
