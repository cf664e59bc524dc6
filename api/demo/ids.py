"""The demo's ids and command ids: the same on every run (UUID v5 of a name)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.events import Meta

DEMO_ACTOR = "demo"


def demo_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:demo:{name}")


def meta(step: str) -> Meta:
    return Meta(actor=DEMO_ACTOR, command_id=str(demo_id(f"command:{step}")))
