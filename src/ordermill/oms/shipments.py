"""Shipments: create, deliver, cancel, correct and read them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.domain.actor import Actor, acting_as
from ordermill.domain.records import Shipment
from ordermill.oms.base import OmsBase
from ordermill.orders import shipment_status as _shipment_status
from ordermill.orders import shipments as _shipments


class ShipmentsFacade(OmsBase):
    def create_shipment(
        self,
        order_uuid: int | str,
        carrier: str | None = None,
        tracking_number: str | None = None,
        conn: Connection | None = None,
        items: Sequence[Mapping[str, Any]] | None = None,
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
    ) -> Shipment:
        """Ship ``items`` (``[{"order_item_id": ..., "qty": ...}]``), by default every
        remaining unit of the lines that require shipping."""
        with acting_as(actor):
            return _shipments.create_shipment(
                self.ctx,
                order_uuid,
                carrier,
                tracking_number,
                items=items,
                expected_version=expected_version,
                conn=conn,
            )

    def mark_delivered(
        self,
        shipment_uuid: str,
        conn: Connection | None = None,
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
    ) -> Shipment:
        """Mark a shipment delivered; a delivered one is returned unchanged, with no event.
        ``expected_version`` is the version of the shipment's order."""
        with acting_as(actor):
            return _shipment_status.mark_delivered(
                self.ctx, shipment_uuid, expected_version=expected_version, conn=conn
            )

    def cancel_shipment(
        self,
        shipment_uuid: str,
        conn: Connection | None = None,
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
    ) -> Shipment:
        """Cancel a shipped shipment (its units may be shipped again)."""
        with acting_as(actor):
            return _shipment_status.cancel_shipment(
                self.ctx, shipment_uuid, expected_version=expected_version, conn=conn
            )

    def update_shipment(
        self,
        shipment_uuid: str,
        *,
        carrier: str | _shipments.Unset | None = _shipments.UNSET,
        tracking_number: str | _shipments.Unset | None = _shipments.UNSET,
        conn: Connection | None = None,
        expected_version: int | None = None,
        actor: Actor | None = None,
    ) -> Shipment:
        """Correct the carrier and/or tracking number; an argument not given is left as is."""
        with acting_as(actor):
            return _shipments.update_shipment(
                self.ctx,
                shipment_uuid,
                carrier=carrier,
                tracking_number=tracking_number,
                expected_version=expected_version,
                conn=conn,
            )

    def get_shipment(self, shipment_uuid: str, conn: Connection | None = None) -> Shipment:
        return _shipments.get_shipment(self.ctx, shipment_uuid, conn=conn)

    def list_shipments(
        self, order_id_or_uuid: int | str, conn: Connection | None = None
    ) -> list[Shipment]:
        """The order's shipments with their items, oldest first."""
        return _shipments.list_shipments(self.ctx, order_id_or_uuid, conn=conn)
