"""Guest tracking: an order's public tracking link, issued, rotated, revoked and read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from ordermill.domain.records import Order, TrackingLink
from ordermill.domain.tracking import TrackedOrder, tracked_order
from ordermill.oms.base import OmsBase
from ordermill.orders import tracking as _tracking


class TrackingFacade(OmsBase):
    def tracking_link(
        self,
        order: int | str,
        *,
        expires_at: datetime | None = None,
        conn: Connection | None = None,
    ) -> TrackingLink:
        """Issue the order's guest tracking link (``link.path`` is ``/track/<token>``),
        revoking the one it had: the token is given only here, never stored in clear."""
        return _tracking.issue_tracking_link(self.ctx, order, expires_at=expires_at, conn=conn)

    def revoke_tracking_link(
        self, order: int | str, *, conn: Connection | None = None
    ) -> TrackingLink | None:
        """Revoke the order's live tracking link (None when it had none)."""
        return _tracking.revoke_tracking_link(self.ctx, order, conn=conn)

    def get_tracking_link(
        self, order: int | str, *, conn: Connection | None = None
    ) -> TrackingLink | None:
        """The order's live link, without its token, or None."""
        return _tracking.get_tracking_link(self.ctx, order, conn=conn)

    def track(self, token: str, *, conn: Connection | None = None) -> TrackedOrder:
        """What the guest page of this token shows; ``TrackingLinkNotFound`` for a wrong,
        revoked or expired token (no hint which)."""
        found: Order = _tracking.track(self.ctx, token, conn=conn)
        return tracked_order(found, self.config)
