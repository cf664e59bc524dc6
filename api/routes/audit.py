"""The audit trail: one aggregate's history, the global event feed, chain verification."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import KeelDep
from commands.audit import verify

router = APIRouter(prefix="/v1", tags=["audit"])


class EventRecord(BaseModel):
    position: int | None
    topic: str
    aggregate_id: UUID
    version: int
    effective_date: date | None
    actor: str | None
    command_id: str | None
    correlation_id: str | None
    timestamp: datetime
    recorded_at: datetime | None


class EventFeed(BaseModel):
    events: list[EventRecord]
    next: int | None  # pass as ``after`` for the next page; null when the feed is caught up


class ChainVerification(BaseModel):
    ok: bool
    checked: int
    head_position: int
    head_hash: str
    problem: str
    position: int | None


def record(position: int | None, event: Any, recorded_at: datetime | None = None) -> EventRecord:
    return EventRecord(
        position=position,
        topic=type(event).TOPIC,
        aggregate_id=event.originator_id,
        version=event.originator_version,
        effective_date=getattr(event, "effective_date", None),
        actor=getattr(event, "actor", None),
        command_id=getattr(event, "command_id", None),
        correlation_id=getattr(event, "correlation_id", None),
        timestamp=event.timestamp,
        recorded_at=recorded_at,
    )


@router.get("/events", response_model=EventFeed)
def event_feed(
    keel: KeelDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="Cursor: the last position you have")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventFeed:
    """The global, ordered log for integrations: each event with actor, dates and position."""
    page = keel.app.read_log(after, limit)
    times = keel.app.recorded_times(page[0][0], page[-1][0]) if page else {}
    events = [record(pos, e, times.get(pos)) for pos, e in page]
    return EventFeed(events=events, next=page[-1][0] if len(page) == limit else None)


@router.get("/aggregates/{aggregate_id}/history", response_model=list[EventRecord])
def aggregate_history(aggregate_id: UUID, keel: KeelDep) -> list[EventRecord]:
    """Every event of one invoice, customer, deal, … with actor, recorded time, effective date and position."""
    return [record(pos, e) for pos, e in keel.app.history(aggregate_id)]


@router.get("/audit/verify", response_model=ChainVerification)
def verify_chain(keel: KeelDep) -> ChainVerification:
    """Recompute the hash chain over the whole log; the first position that does not fit is named."""
    result = verify(keel.app)
    return ChainVerification(
        ok=result.ok,
        checked=result.checked,
        head_position=result.head_position,
        head_hash=result.head_hash,
        problem=result.problem,
        position=result.position,
    )
