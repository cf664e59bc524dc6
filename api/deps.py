"""Request-scoped dependencies, as ``Annotated`` aliases so routes read as contracts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.params import Depends as DependsParam
from pydantic import TypeAdapter, ValidationError

from api.system import Keel
from commands.application import today
from ledger.access import Principal
from ledger.errors import InvalidValue
from ledger.events import Meta


def get_keel(request: Request) -> Keel:
    keel: Keel = request.app.state.keel
    return keel


def get_principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


def get_meta(
    request: Request,
    actor: Annotated[
        str,
        Header(
            alias="X-Keel-Actor",
            max_length=200,
            description="The actor recorded on the events, only when authentication is off (KEEL_AUTH=off); "
            "otherwise the authenticated key's name is.",
        ),
    ] = "api",
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    correlation_id: Annotated[str | None, Header(alias="X-Correlation-Id", max_length=200)] = None,
) -> Meta:
    actor = get_principal(request).name
    meta = Meta(actor=actor) if idempotency_key is None else Meta(actor=actor, command_id=idempotency_key)
    return Meta(meta.actor, meta.command_id, correlation_id or "")


def get_expected_version(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """``If-Match: 3`` or ``If-Match: "3"``: the aggregate version the client saw."""
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not re.fullmatch(r"[0-9]{1,9}", tag):
        raise InvalidValue(f"If-Match must carry the version number you read, got {if_match!r}")
    return int(tag)


KeelDep = Annotated[Keel, Depends(get_keel)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
MetaDep = Annotated[Meta, Depends(get_meta)]
ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]
MinPosition = Annotated[
    int | None,
    Query(ge=0, le=2**62, description="Wait (briefly) until the read model has processed this log position"),
]
Cursor = Annotated[
    str | None,
    Query(max_length=2000, description="The `next_cursor` of the previous page; the first page when omitted"),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page")]
AsOf = Annotated[
    date | None, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31), description="Business date; today when omitted")
]


EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
_MOMENT = TypeAdapter(datetime)


@dataclass(frozen=True)
class Knowledge:
    """What a report's ``known_at`` resolved to: the moment and the log position reached then."""

    moment: datetime
    position: int


def resolve_known_at(
    request: Request,
    known_at: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Report what the books knew at this moment (ISO 8601; UTC if no offset) or at this log "
            "position (an integer, as a report's provenance gives it); now when omitted",
            examples=["2026-10-01T09:00:00Z", "1234"],
        ),
    ] = None,
) -> datetime | None:
    if known_at is None:
        return None
    keel = get_keel(request)
    text = known_at.strip()
    if text.isascii() and text.isdigit():  # only ASCII digits: "٣".isdigit() too, and int("٣") == 3
        position = int(text)
        head = keel.app.head_position()
        if position > head:
            raise InvalidValue(f"known_at position {position} is beyond the head of the log ({head})")
        moment = keel.app.moment_of(position) if position else EARLIEST
        if moment is None:
            raise InvalidValue(f"position {position} has no recorded time (written before the log kept one)")
        position = keel.app.position_at(moment) if position else 0  # a whole transaction is known at once
    else:
        try:
            parsed = _MOMENT.validate_python(text)
        except ValidationError:
            raise InvalidValue(f"known_at must be an ISO 8601 moment or a log position, got {known_at!r}") from None
        moment = utc(parsed) or EARLIEST
        position = keel.app.position_at(moment)
    request.state.knowledge = Knowledge(moment, position)
    return moment


async def known_at_reached(
    request: Request, moment: Annotated[datetime | None, Depends(resolve_known_at)]
) -> datetime | None:
    """The read models must have reached what was known then, or the answer would be incomplete:
    waited for on the event loop, as ``min_position`` is (see ``ReadModels``)."""
    knowledge: Knowledge | None = getattr(request.state, "knowledge", None)
    if knowledge is not None and knowledge.position:
        keel = get_keel(request)
        await keel.engine.wait(knowledge.position, read_models_of(request), timeout=keel.settings.read_wait_seconds)
    return moment


KnownAt = Annotated[datetime | None, Depends(known_at_reached)]


class ReadModels:
    """The read models a route reads, declared as ``dependencies=[reads("invoices")]``.

    A request with ``min_position`` waits here until they have folded the log up to it (503 with
    Retry-After after ``read_wait_seconds``; at once if one is stopped short of it), and one with
    ``known_at`` waits for them alone. The wait is on the event loop, before the route takes a
    worker thread: any number of clients reading their own writes starve no other request."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    async def __call__(self, request: Request, min_position: MinPosition = None) -> None:
        if min_position:
            keel = get_keel(request)
            await keel.engine.wait(min_position, self.names, timeout=keel.settings.read_wait_seconds)


def reads(*names: str) -> DependsParam:
    return DependsParam(ReadModels(names))


def read_models_of(request: Request) -> tuple[str, ...]:
    """The read models the request's route declared; none declared: all of them."""
    for depends in getattr(request.scope.get("route"), "dependencies", ()):
        if isinstance(depends, DependsParam) and isinstance(depends.dependency, ReadModels):
            return depends.dependency.names
    return ()


def utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(f"known_at {moment.isoformat()} is out of range") from None


def as_of_or_today(as_of: date | None) -> date:
    return as_of or today()
