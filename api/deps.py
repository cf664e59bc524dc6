"""Request-scoped dependencies, as ``Annotated`` aliases so routes read as contracts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from starlette.concurrency import run_in_threadpool

from api.answers import Knowledge, knowledge_of
from api.system import Keel
from ledger.access import Principal
from ledger.errors import InvalidValue
from ledger.events import Meta


def get_keel(request: Request) -> Keel:
    keel: Keel = request.app.state.keel
    return keel


def get_principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


async def _keel(request: Request) -> Keel:
    """``get_keel`` as a dependency: async, so that asking for it takes no trip to a worker thread
    (FastAPI runs a plain function in one; so are the other cheap dependencies here)."""
    return get_keel(request)


async def _principal(request: Request) -> Principal:
    return get_principal(request)


async def get_meta(
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


async def get_expected_version(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """``If-Match: 3`` or ``If-Match: "3"``: the aggregate version the client saw."""
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not re.fullmatch(r"[0-9]{1,9}", tag):
        raise InvalidValue(f"If-Match must carry the version number you read, got {if_match!r}")
    return int(tag)


KeelDep = Annotated[Keel, Depends(_keel)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
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
Scenario = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
        description="Answer from this what-if scenario's branch (`/v1/scenarios`): the books as known at its base"
        " plus its assumptions (not with known_at)",
    ),
]
AsOf = Annotated[
    date | None, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31), description="Business date; today when omitted")
]


async def resolve_known_at(
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
    found = await run_in_threadpool(knowledge_of, get_keel(request), known_at)  # reads the log
    assert found is not None
    request.state.knowledge = found
    return found.moment


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


def as_of_or_today(keel: Keel, as_of: date | None) -> date:
    return as_of or keel.app.today()


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
Day = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)]


@dataclass(frozen=True)
class Window:
    """A period of business dates: ``from`` and ``to`` on every report (``start`` and ``end``, their
    former names, still accepted)."""

    start: date | None
    end: date | None


async def optional_window(
    from_: Annotated[
        date | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY, description="First business date of the period")
    ] = None,
    to: Annotated[
        date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Last business date; today when omitted")
    ] = None,
    start: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY, deprecated=True, description="Use `from`")] = None,
    end: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY, deprecated=True, description="Use `to`")] = None,
) -> Window:
    return Window(from_ or start, to or end)


async def required_window(window: Annotated[Window, Depends(optional_window)]) -> Window:
    if window.start is None:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "from"),
                    "msg": "Field required: the first business date of the period",
                    "type": "missing",
                }
            ]
        )
    return window


OptionalWindow = Annotated[Window, Depends(optional_window)]
RequiredWindow = Annotated[Window, Depends(required_window)]


async def representation(
    format_: Annotated[
        Literal["json", "csv"] | None,
        Query(
            alias="format",
            description="csv: the report's rows under a header line (as `Accept: text/csv` asks); JSON by default",
        ),
    ] = None,
) -> None:
    """Declares ``format`` for the documentation; ``api.answers.wants_csv`` reads it."""


AS_CSV = Depends(representation)
