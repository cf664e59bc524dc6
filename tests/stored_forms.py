"""Events as they were stored: a test writes an event's stored JSON by hand and reads it back
through the application's mapper, upcasters and all (events are contracts)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import StoredEvent

from commands.application import KeelApplication

AGG = UUID("00000000-0000-0000-0000-000000000001")
BASE = (
    '"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-01T10:00:00+00:00"},'
    '"effective_date":{"_type_":"date_iso","_data_":"2026-02-28"},'
    '"actor":"alice","command_id":"c1","correlation_id":"c1"'
)


def decode(app: KeelApplication, topic: str, version: int, body: str) -> object:
    """The event stored under ``topic`` at ``version`` with the fields ``body`` (JSON members; "": none)."""
    state = ("{" + BASE + ("," + body if body else "") + "}").encode()
    return app.mapper.to_domain_event(StoredEvent(AGG, version, topic, state))
