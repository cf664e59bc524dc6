"""Drill-down and audit pages (ADR 0048): an account's entries, the event that posted each, the
history of the aggregate it belongs to, and the hash chain's status.

Each page calls what the API's route calls: the ``ledger`` query (``/v1/reports/ledger/{account}``),
the log (``/v1/events``), an aggregate's history (``/v1/aggregates/{id}/history``) and the chain
check (``/v1/audit/verify``), with the role the API's rule gives that route. Payloads are shown
as the API shows them: public attributes, secrets left out.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.access import required_scopes
from api.answers import answer
from api.routes.audit import METADATA, _data, aggregate_history, event_feed, record, verify_chain
from api.web.render import show
from api.web.reports import Cursor, Day, From
from api.web.rewind import controls, provenance
from api.web.visits import Refused, Visitor, keel_of
from commands.audit import chain_head
from ledger.errors import DomainError
from projections.queries import Params

router = APIRouter(include_in_schema=False)
KnownAt = Annotated[str | None, Query(max_length=40)]
LATEST = 20
PAGE = 100  # an account's entries per page


def _page(cursor: str | None) -> dict[str, str]:
    """The API's parameters for the same page of entries."""
    return {"limit": str(PAGE), **({"cursor": cursor} if cursor else {})}


def _scopes(path: str) -> tuple[str, ...]:
    found = required_scopes("GET", path)
    assert found is not None, path
    return found


@router.get("/accounts/{code}")
def account(
    request: Request,
    visit: Visitor,
    code: Annotated[str, Path(pattern=r"^[0-9A-Za-z]{1,10}$")],
    as_of: Day = None,
    from_: From = None,
    to: Day = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
) -> Response:
    """The account's entries (the API's account ledger) from ``from`` (1 January) to ``to`` (or
    ``as_of``, the date of the balance it was opened from), each linking to the event that posted it;
    a page of them at a time, each opening at the balance before its first entry."""
    visit.require(_scopes(f"/v1/reports/ledger/{code}"), "An account's entries")
    keel = keel_of(request)
    end = to or as_of or keel.app.today()
    dates = {"from": from_ or date(end.year, 1, 1), "to": end}
    knowledge, time = controls(keel, dates, known_at)
    params = Params(start=dates["from"], end=dates["to"], filters=(("account", code),), cursor=cursor, limit=PAGE)
    try:
        found = answer(keel, "ledger", params, knowledge)
    except DomainError as exc:
        raise Refused(422, str(exc)) from None
    table = found.table()
    return show(
        request,
        visit,
        "account.html",
        title=table.title,
        table=table,
        position_at=[c.name for c in table.columns].index("position"),
        events=visit.can(*_scopes("/v1/events")),
        time=time,
        next=time.query(cursor=found.result.next_cursor) if found.result.next_cursor else "",
        proof=provenance(found, f"/v1/reports/ledger/{code}", time, **_page(cursor)),
    )


@router.get("/events/{position}")
def event(request: Request, visit: Visitor, position: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    """One event of the log: its type, aggregate, version, dates, actor and what it says."""
    visit.require(_scopes("/v1/events"), "The event log")
    keel = keel_of(request)
    page = keel.app.read_log(position - 1, 1)
    if not page or page[0][0] != position:
        raise Refused(404, f"There is no event at log position {position}.")
    pos, found = page[0]
    shown = record(pos, found, keel.app.moment_of(pos))
    data = _data(vars(found), METADATA)
    head = keel.app.head_position()
    return show(request, visit, "event.html", title=f"Event {pos}", event=shown, data=data, head=head)


@router.get("/audit")
def audit(
    request: Request,
    visit: Visitor,
    verify: Annotated[bool, Query()] = False,
    anchor: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The chain's head as recorded, the latest events, a form to open any aggregate's history; and
    on request (``verify``, with an anchor kept outside if given) the API's whole-chain check — it
    reads every event, seconds at a million, so it is asked for, never run by just looking."""
    visit.require(_scopes("/v1/audit/verify"), "The audit trail")
    keel = keel_of(request)
    chain = verify_chain(keel, anchor or None) if verify else None
    head_position, head_hash = chain_head(keel.app)
    feed = event_feed(keel, after=max(head_position - LATEST, 0), limit=LATEST)
    latest = list(reversed(feed.events))
    context: dict[str, Any] = {"chain": chain, "head_position": head_position, "head_hash": head_hash}
    return show(request, visit, "audit.html", title="Audit", latest=latest, anchor=anchor or "", **context)


@router.get("/audit/open")
def open_aggregate(visit: Visitor, aggregate_id: Annotated[str, Query(max_length=60)] = "") -> Response:
    """The form's answer: the aggregate's history, or why not."""
    visit.require(_scopes("/v1/aggregates/{aggregate_id}/history"), "An aggregate's history")
    try:
        wanted = UUID(aggregate_id.strip())
    except ValueError:
        raise Refused(422, f"aggregate_id: {aggregate_id!r} is not an id (a UUID such as 1b4e28ba-2fa1-…).") from None
    return RedirectResponse(f"/audit/{wanted}", status_code=303)


@router.get("/audit/{aggregate_id}")
def history(request: Request, visit: Visitor, aggregate_id: UUID, known_at: KnownAt = None) -> Response:
    """An aggregate's timeline, who did what when, as known now or at ``known_at`` (the slider)."""
    visit.require(_scopes("/v1/aggregates/{aggregate_id}/history"), "An aggregate's history")
    keel = keel_of(request)
    knowledge, time = controls(keel, {}, known_at)
    events = aggregate_history(aggregate_id, keel)
    if not events:
        raise Refused(404, f"Nothing was ever recorded of {aggregate_id}.")
    known = [e for e in events if knowledge is None or (e.position is not None and e.position <= knowledge.position)]
    context: dict[str, Any] = {
        "title": f"History of {aggregate_id}",
        "aggregate_id": aggregate_id,
        "events": list(reversed(known)),
        "total": len(events),
        "time": time,
    }
    return show(request, visit, "history.html", **context)
