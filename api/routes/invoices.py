from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, Cursor, ExpectedVersion, KeelDep, KnownAt, Limit, MetaDep, reads
from commands.messages import CommandResult, VoidInvoice, WriteOffInvoice
from ledger.errors import NotFound
from projections.finance import lists, records
from projections.queries import Params, named

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])


def to_schema(view: lists.InvoiceView) -> schemas.Invoice:
    return schemas.Invoice.model_validate(view, from_attributes=True)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def draft_invoice(body: schemas.DraftInvoiceBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Draft an invoice for a customer: lines and one tax rate. Nothing is posted until it is issued."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/invoices/{result.id}"
    return result


@router.post("/{invoice_id}/issue", response_model=schemas.CommandAccepted)
def issue_invoice(
    invoice_id: UUID,
    keel: KeelDep,
    meta: MetaDep,
    expected: ExpectedVersion,
    body: schemas.IssueInvoiceBody | None = None,
) -> CommandResult:
    """Issue a draft: takes the next gap-free number of its series and year, sets the due date from
    the customer's terms, records the rate to the functional currency and posts receivable, revenue
    and output tax per rate."""
    return keel.app.handle((body or schemas.IssueInvoiceBody()).to_command(meta, invoice_id, expected))


@router.post("/{invoice_id}/send", response_model=schemas.CommandAccepted)
def mark_sent(
    invoice_id: UUID,
    keel: KeelDep,
    meta: MetaDep,
    expected: ExpectedVersion,
    body: schemas.SendInvoiceBody | None = None,
) -> CommandResult:
    """Record that the invoice was sent to the customer."""
    return keel.app.handle((body or schemas.SendInvoiceBody()).to_command(meta, invoice_id, expected))


@router.post("/{invoice_id}/credit-notes", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def issue_credit_note(
    invoice_id: UUID, body: schemas.CreditNoteBody, keel: KeelDep, meta: MetaDep, response: Response
) -> CommandResult:
    """Credit all (no lines) or part of an issued invoice. What exceeds the amount still owed becomes
    customer credit. Crediting more than was invoiced is refused."""
    result = keel.app.handle(body.to_command(meta, invoice_id))
    response.headers["Location"] = f"/v1/invoices/{invoice_id}/credit-notes/{result.id}"
    return result


@router.post("/{invoice_id}/write-off", response_model=schemas.CommandAccepted)
def write_off(
    invoice_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    """Write what is still owed off as a bad debt."""
    return keel.app.handle(body.to_command(meta, WriteOffInvoice, invoice_id=invoice_id, expected_version=expected))


@router.post("/{invoice_id}/void", response_model=schemas.CommandAccepted)
def void_invoice(
    invoice_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    """Void an issued, unpaid invoice: posts the exact reversal of its issue entry on the void date."""
    return keel.app.handle(body.to_command(meta, VoidInvoice, invoice_id=invoice_id, expected_version=expected))


@router.get(
    "",
    response_model=schemas.Page[schemas.Invoice],
    responses=JSON_OR_CSV,
    dependencies=[reads("invoices", "customers"), AS_CSV],
)
async def list_invoices(
    request: Request,
    keel: KeelDep,
    customer_id: UUID | None = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    status: Literal["draft", "issued", "voided"] | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Invoices drafted by ``as_of`` as they stood then (issued, voided, paid, credited or written
    off by that date), as known at ``known_at``, by draft date; without their lines (GET one
    invoice for those, as it stands now)."""
    filters = named(customer=str(customer_id) if customer_id else None, status=status)
    return await respond(request, keel, "invoices", Params(as_of=as_of, filters=filters, cursor=cursor, limit=limit))


@router.get("/{invoice_id}", response_model=schemas.Invoice, dependencies=[reads("invoices")])
def get_invoice(invoice_id: UUID, keel: KeelDep, response: Response) -> schemas.Invoice:
    found = lists.get_invoice(keel.views, str(invoice_id))
    if found is None:
        raise NotFound(f"invoice {invoice_id} not found")
    response.headers["ETag"] = f'"{found.version}"'
    return to_schema(found)


@router.get(
    "/{invoice_id}/credit-notes", response_model=list[schemas.CreditNote], dependencies=[reads("invoices", "documents")]
)
def list_credit_notes(invoice_id: UUID, keel: KeelDep) -> list[schemas.CreditNote]:
    """The credit notes issued against an invoice, in the order they were issued."""
    if lists.get_invoice(keel.views, str(invoice_id)) is None:
        raise NotFound(f"invoice {invoice_id} not found")
    notes = records.credit_notes_of(keel.views, str(invoice_id))
    return [schemas.CreditNote.model_validate(n, from_attributes=True) for n in notes]


@router.get(
    "/{invoice_id}/credit-notes/{credit_note_id}", response_model=schemas.CreditNote, dependencies=[reads("documents")]
)
def get_credit_note(invoice_id: UUID, credit_note_id: UUID, keel: KeelDep) -> schemas.CreditNote:
    """A credit note as issued (credit notes never change after issue)."""
    found = records.get_credit_note(keel.views, str(credit_note_id))
    if found is None:
        raise NotFound(f"creditnote {credit_note_id} not found")
    if found.invoice_id != str(invoice_id):
        raise NotFound(f"credit note {credit_note_id} of invoice {invoice_id} not found")
    return schemas.CreditNote.model_validate(found, from_attributes=True)
