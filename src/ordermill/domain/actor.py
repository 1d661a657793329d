"""Who made a change: the actor every history row, activity, shipment, ledger row and
event records.

An actor is a staff token (its id and name), a customer, an API client, the import, the
command line (the operating-system user who ran it) or the system. Its name is copied
into every row it writes, so revoking a token or renaming it never erases who did what.

The actor is ambient for the length of one call: ``Oms`` methods take ``actor=`` and
run the call inside ``acting_as(actor)``; ``Change``, the placement plan, the ledger and
the shipment writer read ``current_actor()`` when they build their rows. Passing it down
explicitly would restate one argument in every use case and writer signature (about
forty) for a value none of them decides on; a ``ContextVar`` is also what keeps two
threads or two asyncio tasks of one process from seeing each other's actor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = [
    "ACTOR_KINDS",
    "SYSTEM",
    "Actor",
    "ActorKind",
    "acting_as",
    "current_actor",
]

ActorKind = Literal["staff", "customer", "api_client", "import", "cli", "system"]
ACTOR_KINDS: Final = ("staff", "customer", "api_client", "import", "cli", "system")
_NAME_MAX = 255
_ID_MAX = 48


@dataclass(frozen=True, slots=True)
class Actor:
    """``kind`` with an optional ``id`` (a token id, a customer id) and a display name."""

    kind: ActorKind
    id: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_KINDS:
            raise ValueError(f"actor kind {self.kind!r} is not one of {', '.join(ACTOR_KINDS)}")
        if self.id is not None and len(self.id) > _ID_MAX:
            object.__setattr__(self, "id", self.id[:_ID_MAX])
        object.__setattr__(self, "name", (self.name or self.kind)[:_NAME_MAX])

    @property
    def ref(self) -> str:
        """The stored key: ``kind`` or ``kind:id`` (``staff:12``, ``customer:7``)."""
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    @classmethod
    def from_stored(cls, ref: str | None, name: str | None) -> Actor:
        """The actor a row recorded (rows from before actors were recorded: the system)."""
        if not ref:
            return SYSTEM
        kind, _, ident = ref.partition(":")
        if kind not in ACTOR_KINDS:
            return cls("system", None, name or ref)
        return cls(kind, ident or None, name or kind)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, Any]:
        """The form events and the REST order carry."""
        return {"kind": self.kind, "id": self.id, "name": self.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Actor:
        return cls(data["kind"], data.get("id"), data.get("name") or "")

    def __str__(self) -> str:
        return self.name if self.kind in ("staff", "api_client", "cli") else self.ref


SYSTEM: Final = Actor("system", None, "system")

_current: ContextVar[Actor] = ContextVar("ordermill_actor", default=SYSTEM)


def current_actor() -> Actor:
    """The actor of the call in progress (``SYSTEM`` outside ``acting_as``)."""
    return _current.get()


@contextmanager
def acting_as(actor: Actor | None) -> Iterator[Actor]:
    """Run the block as ``actor``; None keeps the actor already in effect (so a call
    made by another use case, or inside ``acting_as``, keeps its caller's actor)."""
    if actor is None:
        yield _current.get()
        return
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
