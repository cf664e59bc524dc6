"""Exchange rates, revaluation and supplier credit notes over HTTP (ADR 0033): translate, call,
translate back."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, Cursor, KeelDep, KnownAt, Limit, MetaDep, reads
from api.fx_files import MAX_FILE_BYTES, read_rate_file
from api.schemas import fx as fxs
from commands.messages import CommandResult, ImportFxRates
from ledger.errors import InvalidValue, NotFound
from projections.finance import supplier_credit
from projections.queries import Params, named

router = APIRouter(prefix="/v1", tags=["fx"])
Accepted = schemas.CommandAccepted


@router.get(
    "/fx/rates",
    response_model=schemas.Page[fxs.FxRate],
    responses=JSON_OR_CSV,
    dependencies=[reads("fx_rates"), AS_CSV],
)
async def list_rates(
    request: Request,
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="Only this currency's")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """The rate table: every rate dated on or before ``as_of`` as known at ``known_at`` (per currency
    and date, the latest recorded), by currency and date. The rate in force on a date is the
    latest dated on or before it."""
    params = Params(as_of=as_of, filters=named(currency=currency), cursor=cursor, limit=limit)
    return await respond(request, keel, "fx-rates", params)


@router.post("/fx/rates", status_code=status.HTTP_201_CREATED, response_model=Accepted)
def set_rate(body: fxs.FxRateBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Set one rate: units of the functional currency per unit of ``currency``, from ``date``."""
    return keel.app.handle(body.to_command(meta))


@router.post("/fx/rates/imports", status_code=status.HTTP_201_CREATED, response_model=Accepted)
def import_rows(body: fxs.FxRatesImportBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Import rates given as rows, all or nothing; the same rows again are refused unless ``force``."""
    return keel.app.handle(body.to_command(meta))


@router.post("/fx/rates/imports/file", status_code=status.HTTP_201_CREATED, response_model=Accepted)
def import_file(
    keel: KeelDep,
    meta: MetaDep,
    file: Annotated[UploadFile, File(description="CSV with the columns date, currency, rate")],
    force: Annotated[bool, Form(description="Import a file imported before again")] = False,
) -> CommandResult:
    """Import a rate file (multipart upload), checked whole first: every bad line is listed and
    nothing is written. The same file (by SHA-256) again is refused unless ``force``."""
    data = file.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidValue(f"file: at most {MAX_FILE_BYTES} bytes")
    rates, digest = read_rate_file(data, keel.functional_currency, file.filename or "rates.csv")
    return keel.app.handle(ImportFxRates(meta=meta, rates=tuple(rates), digest=digest, force=force))


@router.post("/fx/revaluations", status_code=status.HTTP_201_CREATED, response_model=Accepted)
def revalue(body: fxs.RevaluationBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Revalue open foreign-currency receivables, payables and bank balances at the closing rates
    of ``as_of``: one entry to unrealised FX gain/loss on that date, reversed on the first day of
    the next month. Once per date (409 the second time); refused in a closed period."""
    return keel.app.handle(body.to_command(meta))


# -- supplier credit notes ---------------------------------------------------------------------


@router.post("/bills/{bill_id}/credit-notes", status_code=status.HTTP_201_CREATED, response_model=Accepted)
def receive_credit_note(
    bill_id: UUID, body: fxs.SupplierCreditNoteBody, keel: KeelDep, meta: MetaDep, response: Response
) -> CommandResult:
    """Record a supplier's credit note on a bill (its lines, or the whole bill): it reduces what is
    owed on the bill; beyond that it becomes supplier credit."""
    result = keel.app.handle(body.to_command(meta, bill_id))
    response.headers["Location"] = f"/v1/bills/{bill_id}/credit-notes/{result.id}"
    return result


def _note(keel: KeelDep, note_id: UUID, bill_id: UUID | None = None) -> fxs.SupplierCreditNote:
    found = supplier_credit.get_supplier_credit_note(keel.views, str(note_id))
    if found is None or (bill_id is not None and found.bill_id != str(bill_id)):
        raise NotFound(f"supplier credit note {note_id} not found")
    return fxs.SupplierCreditNote.model_validate(found, from_attributes=True)


@router.get(
    "/bills/{bill_id}/credit-notes/{note_id}",
    response_model=fxs.SupplierCreditNote,
    dependencies=[reads("supplier_credit")],
)
def get_credit_note(bill_id: UUID, note_id: UUID, keel: KeelDep) -> fxs.SupplierCreditNote:
    """A supplier credit note as received, with what became of its supplier credit."""
    return _note(keel, note_id, bill_id)


@router.get(
    "/supplier-credit-notes/{note_id}",
    response_model=fxs.SupplierCreditNote,
    dependencies=[reads("supplier_credit")],
)
def get_supplier_credit_note(note_id: UUID, keel: KeelDep) -> fxs.SupplierCreditNote:
    return _note(keel, note_id)


@router.post("/supplier-credit-notes/{note_id}/applications", response_model=Accepted)
def apply_credit(note_id: UUID, body: fxs.ApplySupplierCreditBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Use the note's supplier credit to settle part of a later bill of the same supplier."""
    return keel.app.handle(body.to_command(meta, note_id))


@router.post("/supplier-credit-notes/{note_id}/refunds", response_model=Accepted)
def refund_credit(note_id: UUID, body: fxs.RefundSupplierCreditBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """The supplier paid the note's credit back into the bank."""
    return keel.app.handle(body.to_command(meta, note_id))
