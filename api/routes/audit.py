"""The audit trail: one aggregate's history, the global event feed, chain verification."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from api.answers import utc
from api.deps import KeelDep, KnownAt
from commands.audit import BadAnchor, anchor_of, take_anchor, verify, verify_against
from ledger.errors import InvalidValue, NotFound

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


class HistoryRecord(EventRecord):
    data: dict[str, Any] = Field(description="What the event says, besides its metadata (secrets left out)")


class AggregateState(BaseModel):
    id: UUID
    type: str
    version: int
    position: int | None = Field(description="Log position of the version shown")
    recorded_at: datetime | None
    state: dict[str, Any]


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


METADATA = {"originator_id", "originator_version", "timestamp", "effective_date", "actor", "command_id"}
METADATA |= {"correlation_id", "originator_topic"}


def plain(value: Any) -> Any:
    """Domain values as JSON: decimals as strings, dates in ISO 8601, dataclasses as objects."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return plain(value.value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def _data(attributes: dict[str, Any], leave_out: set[str]) -> dict[str, Any]:
    return {
        k: plain(v)
        for k, v in sorted(attributes.items())
        if k not in leave_out and not k.startswith("_") and "secret" not in k
    }


@router.get("/aggregates/{aggregate_id}/history", response_model=list[HistoryRecord])
def aggregate_history(aggregate_id: UUID, keel: KeelDep) -> list[HistoryRecord]:
    """Every event of one invoice, customer, deal, … with what it says, actor, recorded time,
    effective date and position."""
    history = keel.app.history(aggregate_id)
    positions = [p for p, _ in history if p is not None]
    times = keel.app.recorded_times(min(positions), max(positions)) if positions else {}
    return [
        HistoryRecord(**record(p, e, times.get(p) if p else None).model_dump(), data=_data(vars(e), METADATA))
        for p, e in history
    ]


@router.get("/aggregates/{aggregate_id}", response_model=AggregateState)
def aggregate_state(
    aggregate_id: UUID,
    keel: KeelDep,
    version: Annotated[int | None, Query(ge=1, le=2**31, description="This version (default: the latest)")] = None,
    known_at: KnownAt = None,
) -> AggregateState:
    """One aggregate as it was: at a version, or as known at a moment or log position (for auditors)."""
    history = keel.app.history(aggregate_id)
    wanted = version or len(history)
    if known_at is not None:
        moment = utc(known_at) or known_at
        times = keel.app.recorded_times(min(p or 0 for p, _ in history), max(p or 0 for p, _ in history))
        known = [e.originator_version for p, e in history if p is not None and (t := times.get(p)) and t <= moment]
        if not known:
            raise NotFound(f"nothing was known of {aggregate_id} at {known_at.isoformat()}")
        wanted = min(wanted, max(known))
    if wanted > len(history):
        raise NotFound(f"{aggregate_id} has {len(history)} versions, not {wanted}")
    aggregate: Any = keel.app.repository.get(aggregate_id, version=wanted)
    position = history[wanted - 1][0]
    return AggregateState(
        id=aggregate_id,
        type=type(aggregate).__name__,
        version=aggregate.version,
        position=position,
        recorded_at=keel.app.moment_of(position) if position else None,
        state=_data(vars(aggregate), set()),
    )


@router.get("/audit/verify", response_model=ChainVerification)
def verify_chain(
    keel: KeelDep,
    anchor: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9a-fA-F]{64}@[0-9]{1,18}$",
            description="DIGEST@POSITION from /v1/audit/anchor: also fail if the log was truncated, rewritten or"
            " reordered since it was taken",
        ),
    ] = None,
) -> ChainVerification:
    """Recompute the hash chain over the whole log; the first position that does not fit is named."""
    try:
        anchored = anchor_of(anchor) if anchor is not None else None  # never a file: it is the server's disk
    except BadAnchor as exc:
        raise RequestValidationError([{"loc": ("query", "anchor"), "msg": str(exc), "type": "value_error"}]) from None
    result = verify(keel.app) if anchored is None else verify_against(keel.app, anchored)
    return ChainVerification(
        ok=result.ok,
        checked=result.checked,
        head_position=result.head_position,
        head_hash=result.head_hash,
        problem=result.problem,
        position=result.position,
    )


class ChainAnchor(BaseModel):
    position: int = Field(description="The head of the log when the anchor was taken")
    digest: str = Field(description="The chain's hash at that position")
    anchor: str = Field(description="DIGEST@POSITION: keep it outside the database, pass it to /v1/audit/verify")


@router.get("/audit/anchor", response_model=ChainAnchor)
def anchor_chain(keel: KeelDep) -> ChainAnchor:
    """The verified head of the chain, for an auditor to keep outside the database."""
    try:
        found = take_anchor(keel.app)
    except BadAnchor as exc:
        raise InvalidValue(str(exc)) from None
    return ChainAnchor(position=found.position, digest=found.digest, anchor=str(found))
