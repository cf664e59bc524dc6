from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from api import schemas
from api.answers import utc
from api.deps import Cursor, KeelDep, KnownAt, Limit, MetaDep, reads
from api.schemas import FIRST_DAY, LAST_DAY
from commands.messages import CommandResult, ReverseJournalEntry
from ledger.errors import NotFound
from projections.engine.pages import Page
from projections.finance import ledger_lists

router = APIRouter(prefix="/v1/books", tags=["books"])


@router.post("/init", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def init_books(body: schemas.InitBooksBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Start an empty store's books (functional currency) and chart of accounts from a template
    (``services-eu``, the chart a store without one keeps, or ``minimal``). Refused once the chart was
    started or anything was posted."""
    return keel.app.handle(body.to_command(meta))


@router.post("/close-period", response_model=schemas.CommandAccepted)
def close_period(body: schemas.ClosePeriodBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Lock the books up to and including ``lock_date``: every command dated on or before it is refused
    from now on, and reports of the closed period never change again. The lock date only moves forward."""
    return keel.app.handle(body.to_command(meta))


@router.put("/numbering", response_model=schemas.CommandAccepted)
def set_numbering(body: schemas.NumberingBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Strict numbering on or off: with it, issuing an invoice or credit note dated before the last
    one issued in its series is refused (some jurisdictions require numbers in date order)."""
    return keel.app.handle(body.to_command(meta))


@router.post("/reopen-period", response_model=schemas.CommandAccepted)
def reopen_period(body: schemas.ReopenPeriodBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Move the lock date back, with a reason, so late postings can be made (then close again).
    What they change against what was known at the close is the restatement report. A period of a
    closed fiscal year cannot be reopened."""
    return keel.app.handle(body.to_command(meta))


@router.post("/close-year", response_model=schemas.CommandAccepted)
def close_year(body: schemas.CloseYearBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Move the year's result (income less expenses) to retained earnings, dated 31 December.
    The period must be closed up to the year end first."""
    return keel.app.handle(body.to_command(meta))


@router.post("/journal-entries", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def post_journal_entry(
    body: schemas.JournalEntryBody, keel: KeelDep, meta: MetaDep, response: Response
) -> CommandResult:
    """A manual entry (accrual, reclassification, correction). Each currency must balance; a correction
    names what it corrects in ``corrects``."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/books/journal-entries/{result.id}"
    return result


@router.post("/journal-entries/{entry_id}/reverse", response_model=schemas.CommandAccepted)
def reverse_journal_entry(entry_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Post the exact reversal of a manual entry, dated ``on`` (in an open period)."""
    return keel.app.handle(body.to_command(meta, ReverseJournalEntry, entry_id=entry_id))


@router.get("/journal", response_model=schemas.Page[schemas.JournalEntry], dependencies=[reads("general_ledger")])
def list_journal(
    keel: KeelDep,
    start: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="From this business date")] = None,
    end: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Up to this business date")] = None,
    account: Annotated[
        str | None, Query(pattern=r"^[0-9A-Za-z]{1,10}$", description="Entries touching this account")
    ] = None,
    source_id: Annotated[UUID | None, Query(description="Entries posted by this invoice, payment, entry, ...")] = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[ledger_lists.JournalEntryView]:
    """The general journal: every entry posted, whatever caused it, by business date, with all its lines."""
    return ledger_lists.journal(
        keel.views,
        keel.functional_currency,
        start,
        end,
        account,
        str(source_id) if source_id else None,
        utc(known_at),
        cursor,
        limit,
    )


@router.get(
    "/journal-entries/{entry_id}", response_model=list[schemas.JournalEntry], dependencies=[reads("general_ledger")]
)
def get_journal_entry(entry_id: UUID, keel: KeelDep) -> list[ledger_lists.JournalEntryView]:
    """A manual journal entry as posted, and its reversal if it was reversed."""
    found = ledger_lists.journal(keel.views, keel.functional_currency, source_id=str(entry_id)).items
    if not found:
        raise NotFound(f"journal entry {entry_id} not found")
    return found
