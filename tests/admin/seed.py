"""Orders for the admin tests and screenshots, made through the public services.

Only ``backdate`` writes SQL directly: services stamp orders with the current time, and a
dashboard of 30 days needs orders placed on earlier days.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

import ordermill
from ordermill.db.tables import order as order_table
from ordermill.domain.records import Order

__all__ = ["CATALOG", "Seeded", "backdate", "place", "seed_demo", "seed_small"]

CATALOG = {
    "MUG-BLUE": ("Enamel mug, blue", "14.00"),
    "TEE-L": ("Organic T-shirt, size L", "24.50"),
    "CAP-01": ("Canvas cap", "19.90"),
    "BAG-TOTE": ("Tote bag", "12.00"),
    "POSTER-A2": ("Poster A2, riso print", "30.00"),
    "SOCKS-3": ("Socks, pack of 3", "9.95"),
}
_PEOPLE = [
    ("Ada Lovelace", "ada@example.com", "12 St James's Square", "London", "SW1Y 4JH", "GB"),
    ("Grace Hopper", "grace@example.org", "1 Navy Yard", "Arlington", "22202", "US"),
    ("Alan Turing", "alan@example.net", "King's College", "Cambridge", "CB2 1ST", "GB"),
    ("Katherine Johnson", "kj@example.com", "2 Langley Blvd", "Hampton", "23681", "US"),
    ("Edsger Dijkstra", "ewd@example.nl", "Plataanstraat 5", "Nuenen", "5671 AL", "NL"),
    ("Barbara Liskov", "liskov@example.edu", "32 Vassar St", "Cambridge", "02139", "US"),
    ("Margaret Hamilton", "mh@example.com", "55 Main St", "Paoli", "47454", "US"),
    ("Donald Knuth", "knuth@example.edu", "Gates 4B", "Stanford", "94305", "US"),
]


@dataclass(frozen=True)
class Seeded:
    """The orders the e2e tests act on, by role."""

    to_ship: Order  # paid, two lines, nothing shipped
    to_cancel: Order  # pending payment, cancelable
    others: tuple[Order, ...]


def place(
    oms: ordermill.Oms,
    lines: list[tuple[str, int]],
    *,
    person: int = 0,
    shipping_fee: str = "4.90",
) -> Order:
    name, email, street, city, postcode, country = _PEOPLE[person % len(_PEOPLE)]
    address = {
        "full_name": name,
        "address_1": street,
        "city": city,
        "postcode": postcode,
        "country": country,
    }
    return oms.place_order(
        [
            {"sku": sku, "qty": qty, "price": CATALOG[sku][1], "name": CATALOG[sku][0]}
            for sku, qty in lines
        ],
        customer_email=email,
        customer_full_name=name,
        shipping_address=address,
        billing_address=address,
        shipping_fee=shipping_fee,
        payment_method="card",
        shipping_method="Standard",
    )


def backdate(oms: ordermill.Oms, order: Order, when: datetime) -> None:
    with oms.engine.begin() as conn:
        conn.execute(
            sa.update(order_table)
            .where(order_table.c.order_id == order.order_id)
            .values(created_at=when, updated_at=when)
        )


def _stock(oms: ordermill.Oms, qty: int) -> None:
    for sku in CATALOG:
        oms.set_stock(sku, qty)


def seed_small(oms: ordermill.Oms) -> Seeded:
    """A handful of orders: what the e2e tests need, quick to make."""
    _stock(oms, 50)
    to_ship = place(oms, [("MUG-BLUE", 3), ("TEE-L", 2)], person=0)
    oms.update_payment_status(to_ship.uuid, "paid")
    to_cancel = place(oms, [("CAP-01", 4)], person=1)
    shipped = place(oms, [("BAG-TOTE", 1)], person=2)
    oms.update_payment_status(shipped.uuid, "paid")
    oms.create_shipment(shipped.uuid, "UPS", "1Z999AA10123456784")
    other = place(oms, [("SOCKS-3", 2), ("POSTER-A2", 1)], person=3)
    return Seeded(
        to_ship=oms.get_order(to_ship.uuid),
        to_cancel=oms.get_order(to_cancel.uuid),
        others=(oms.get_order(shipped.uuid), oms.get_order(other.uuid)),
    )


def seed_demo(oms: ordermill.Oms, *, days: int = 30, seed: int = 8) -> list[Order]:
    """About 90 orders over the last ``days`` days in every state, for screenshots."""
    rng = random.Random(seed)
    _stock(oms, 10_000)
    now = datetime.now(UTC).replace(microsecond=0)
    placed = []
    skus = list(CATALOG)
    for index in range(90):
        age = days - 1 - int((index / 90) ** 0.8 * days)
        lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 3))]
        created = place(oms, lines, person=rng.randrange(len(_PEOPLE)))
        fate = rng.random()
        if fate < 0.55 or age > 10:
            oms.update_payment_status(created.uuid, "paid")
            if fate < 0.35 or age > 10:
                shipment = oms.create_shipment(
                    created.uuid, "UPS", f"1Z{rng.randrange(10**10):010d}"
                )
                if age > 4:
                    oms.mark_delivered(shipment.uuid)
        elif fate < 0.65:
            oms.cancel_order(created.uuid, reason="Customer asked to cancel")
        when = now - timedelta(days=age, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        backdate(oms, created, min(when, now))
        placed.append(created)
    return placed
