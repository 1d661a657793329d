"""Sample data: customers, stock and orders with a realistic history, for trying ordermill.

Everything goes through the real use cases (``place_order``, ``update_payment_status``,
``create_shipment``, ``update_shipment_status``, ``cancel_order``,
``add_order_activity_log``), so demo data obeys every rule. The orders are then moved
back in time: each use case call ran at a real instant and is given a planned one
(placed N days ago, paid an hour later, shipped the next day...), and every timestamp
it wrote is set to that planned instant, so timelines read as they would in a shop.

The same ``seed`` gives the same customers, orders, amounts, statuses, shipments and
notes, with times relative to ``now`` (the start of the current hour by default);
uuids are random.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from ordermill.db.orders import count_orders, has_external_reference
from ordermill.db.tables import utcnow
from ordermill.db.timestamps import rewrite_timestamps
from ordermill.domain.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from ordermill.oms import Oms

__all__ = ["DEMO_PREFIX", "DemoSummary", "create_demo_data"]

DEMO_PREFIX = "DEMO-"
MAX_DEMO_ORDERS = 100_000
_T = TypeVar("_T")

_PRODUCTS = (
    ("MUG-BLUE", "Blue enamel mug", "12.50"),
    ("MUG-RED", "Red enamel mug", "12.50"),
    ("TEA-EARL", "Earl Grey tea, 250 g", "8.90"),
    ("TEA-GREEN", "Sencha green tea, 100 g", "11.40"),
    ("KETTLE-1L", "Stovetop kettle, 1 l", "49.00"),
    ("POT-CAST", "Cast iron teapot", "64.00"),
    ("INFUSER", "Steel tea infuser", "6.75"),
    ("COASTER-4", "Cork coasters, set of 4", "9.99"),
    ("TRAY-OAK", "Oak serving tray", "38.00"),
    ("HONEY-500", "Wildflower honey, 500 g", "14.20"),
    ("BOOK-TEA", "The Book of Tea (paperback)", "15.00"),
)
# Sold without shipping and without managed stock.
_GIFT_CARD = ("GIFT-25", "Gift card, 25.00", "25.00")
_FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
          "Margaret", "Dennis", "Radia", "Tim", "Hedy", "Linus", "Karen", "John", "Sophie",
          "Niklaus")  # fmt: skip
_LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
         "Hamilton", "Ritchie", "Perlman", "Berners-Lee", "Lamarr", "Torvalds",
         "Wirth")  # fmt: skip
_CITIES = (("Paris", "FR", "75011"), ("Lyon", "FR", "69002"), ("Berlin", "DE", "10115"),
           ("London", "GB", "EC1A 1BB"), ("Boston", "US", "02118"), ("Austin", "US", "78701"),
           ("Toronto", "CA", "M5V 2T6"), ("Madrid", "ES", "28004"))  # fmt: skip
_STREETS = ("Rue Oberkampf", "Main Street", "High Street", "Calle Mayor", "King Street")
_CARRIERS = (("UPS", "1Z"), ("DHL", "JD"), ("FedEx", "7"), ("La Poste", "6A"))
_CANCEL_REASONS = ("Customer changed their mind", "Payment not received in time",
                   "Duplicate order", "Address could not be verified")  # fmt: skip
_NOTES = (("Customer asked for gift wrapping", False),
          ("Called the customer to confirm the delivery address", False),
          ("Thank you for your order! It is being prepared.", True),
          ("Your parcel left our warehouse today.", True))  # fmt: skip
# (outcome, weight) for orders under 2 days old, under 10 days, and older.
_OUTCOMES = (
    (("pending", 50), ("processing", 35), ("canceled", 5), ("failed", 5), ("shipped", 5)),
    (("pending", 8), ("processing", 20), ("partially_shipped", 12), ("shipped", 35),
     ("delivered", 15), ("canceled", 6), ("failed", 4)),
    (("pending", 3), ("processing", 3), ("shipped", 6), ("delivered", 66), ("canceled", 12),
     ("refunded", 5), ("failed", 3), ("partially_shipped", 2)),
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSummary:
    """What ``create_demo_data`` left in the database; ``created`` is False when the demo
    data was already there (nothing was added)."""

    created: bool
    orders: int
    customers: int
    products: int


class _Clock:
    """Maps each real instant a use case wrote to the planned instant of that step."""

    def __init__(self) -> None:
        self.starts: list[datetime] = []
        self.windows: list[tuple[datetime, datetime, datetime]] = []

    def run(self, planned: datetime, call: Callable[[], _T]) -> _T:
        start = utcnow()
        try:
            return call()
        finally:
            end = max(utcnow(), start)
            self.starts.append(start)
            self.windows.append((start, end, planned))

    def planned(self, real: datetime | None) -> datetime | None:
        if real is None or not self.windows:
            return real
        index = bisect.bisect_right(self.starts, real) - 1
        if index < 0:
            return real
        _start, end, planned = self.windows[index]
        # Every row a step wrote gets the step's planned time exactly (not plus the real
        # time the call took), so that the same seed gives the same timestamps.
        return planned if real <= end else real


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    names = [n for n, _ in weighted]
    return rng.choices(names, weights=[w for _, w in weighted])[0]


def _customers(rng: random.Random, count: int) -> list[dict[str, Any]]:
    people = []
    for n in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        city, country, postcode = rng.choice(_CITIES)
        full_name = f"{first} {last}"
        people.append(
            {
                "customer_id": 1001 + n,
                "customer_email": f"{first.lower()}.{last.lower()}.{n + 1}@example.com",
                "customer_full_name": full_name,
                "shipping_address": {
                    "full_name": full_name,
                    "address_1": f"{rng.randint(1, 180)} {rng.choice(_STREETS)}",
                    "city": city,
                    "country": country,
                    "postcode": postcode,
                    "telephone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                },
            }
        )
    return people


def _existing_orders(oms: Oms) -> tuple[int, bool]:
    with oms.ctx.reading() as conn:
        return count_orders(conn), has_external_reference(conn, f"{DEMO_PREFIX}00001")


def create_demo_data(
    oms: Oms,
    *,
    orders: int = 200,
    seed: int = 0,
    days: int = 90,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with sample data (see the module docstring).

    A database that already holds the demo data is left alone (``created=False``); one
    that holds other orders is refused with ``Conflict``, so demo data never mixes with
    real orders.
    """
    if (
        isinstance(orders, bool)
        or not isinstance(orders, int)
        or not 1 <= orders <= MAX_DEMO_ORDERS
    ):
        raise InvalidInput(f"orders: {orders!r} is not a number from 1 to {MAX_DEMO_ORDERS}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise InvalidInput(f"days: {days!r} is not a number of days from 1 to 3650")
    count, has_demo = _existing_orders(oms)
    if has_demo:
        return DemoSummary(created=False, orders=count, customers=0, products=0)
    if count:
        raise Conflict(
            f"the database already has {count} orders; demo data goes into an empty database"
            " (use another --database-url)",
            orders=count,
        )
    rng = random.Random(seed)
    now = (now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)).astimezone(UTC)
    for sku, _name, _price in _PRODUCTS:
        oms.set_stock(sku, rng.randint(400, 2000))
    people = _customers(rng, max(5, min(60, orders // 4)))
    ages = sorted((rng.uniform(0, days) for _ in range(orders)), reverse=True)
    clock = _Clock()
    for number, age in enumerate(ages, start=1):
        _one_order(oms, rng, clock, number, now - timedelta(days=age), age, rng.choice(people))
    _move_in_time(oms, clock)
    return DemoSummary(
        created=True, orders=orders, customers=len(people), products=len(_PRODUCTS) + 1
    )


def _lines(rng: random.Random) -> list[dict[str, Any]]:
    chosen = rng.sample(_PRODUCTS, rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0])
    lines = [
        {"sku": sku, "name": name, "qty": rng.choice((1, 1, 1, 2, 2, 3)), "price": price}
        for sku, name, price in chosen
    ]
    if rng.random() < 0.06:
        sku, name, price = _GIFT_CARD
        lines.append(
            {"sku": sku, "name": name, "qty": 1, "price": price, "requires_shipping": False}
        )
    return lines


def _one_order(
    oms: Oms,
    rng: random.Random,
    clock: _Clock,
    number: int,
    placed_at: datetime,
    age: float,
    person: dict[str, Any],
) -> None:
    lines = _lines(rng)
    sub_total = sum(Decimal(line["price"]) * line["qty"] for line in lines)
    discount = Decimal("5.00") if sub_total > 60 and rng.random() < 0.2 else Decimal(0)
    placed = clock.run(
        placed_at,
        lambda: oms.place_order(
            lines,
            external_reference=f"{DEMO_PREFIX}{number:05d}",
            shipping_fee=rng.choice(("0.00", "4.95", "4.95", "9.90")),
            tax_amount=(sub_total * Decimal("0.08")).quantize(Decimal("0.01")),
            discount_amount=discount,
            payment_method=rng.choice(("card", "card", "paypal", "bank_transfer")),
            shipping_method=rng.choice(("standard", "standard", "express")),
            billing_address=person["shipping_address"],
            **person,
        ),
    )
    key = placed.uuid
    outcome = _pick(rng, _OUTCOMES[0 if age < 2 else 1 if age < 10 else 2])
    at = placed_at + timedelta(minutes=rng.randint(2, 90))
    ships = any(line.get("requires_shipping", True) for line in lines)
    if outcome == "canceled":
        clock.run(at, lambda: oms.cancel_order(key, rng.choice(_CANCEL_REASONS)))
        return
    if outcome == "failed":
        clock.run(at, lambda: oms.update_payment_status(key, "failed"))
        return
    if outcome == "pending":
        return
    clock.run(at, lambda: oms.update_payment_status(key, "paid"))
    if rng.random() < 0.25:
        message, visible = rng.choice(_NOTES)
        at += timedelta(hours=rng.randint(1, 6))
        clock.run(at, lambda: oms.add_order_activity_log(key, message, visible))
    if outcome == "processing" or not ships:
        return
    carrier, prefix = rng.choice(_CARRIERS)
    tracking = f"{prefix}{rng.randint(10**9, 10**10 - 1)}"
    at += timedelta(hours=rng.randint(12, 40))
    shippable = [i for i in placed.items or () if i.requires_shipping]
    if outcome == "partially_shipped" and len(shippable) > 1:
        first = [{"order_item_id": shippable[0].order_item_id, "qty": shippable[0].qty}]
        clock.run(at, lambda: oms.create_shipment(key, carrier, tracking, items=first))
        return
    clock.run(at, lambda: oms.create_shipment(key, carrier, tracking))
    if outcome in ("delivered", "refunded"):
        at += timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8))
        clock.run(at, lambda: oms.update_shipment_status(key, "delivered"))
    if outcome == "refunded":
        at += timedelta(days=rng.randint(2, 12))
        clock.run(at, lambda: oms.update_payment_status(key, "refunded"))


def _move_in_time(oms: Oms, clock: _Clock) -> None:
    """Rewrite every timestamp the demo's use cases wrote to its planned time."""
    if not clock.windows:
        return
    first, last = clock.windows[0][0], clock.windows[-1][1]
    with oms.transaction() as tx:
        rewrite_timestamps(tx, first, last, clock.planned)
