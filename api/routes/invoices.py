from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Response, status

from api import schemas
from api.deps import ExpectedVersion, KeelDep, MetaDep, MinPosition, catch_up
from commands.messages import CommandResult, DraftInvoice, IssueInvoice, LineInput, VoidInvoice
from ledger.errors import NotFound
from projections import lists

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])


def to_schema(view: lists.InvoiceView) -> schemas.Invoice:
    return schemas.Invoice(
        id=view.id,
        customer_id=view.customer_id,
        number=view.number,
        status=view.status,
        payment_state=view.payment_state,
        currency=view.currency,
        tax_percent=str(view.tax_percent),
        net=str(view.net),
        tax=str(view.tax),
        total=str(view.total),
        paid=str(view.paid),
        outstanding=str(view.outstanding),
        drafted_on=view.drafted_on,
        issue_date=view.issue_date,
        due_date=view.due_date,
        voided_on=view.voided_on,
        void_reason=view.void_reason,
        version=view.version,
        lines=[
            schemas.InvoiceLine(
                description=line.description,
                quantity=str(line.quantity),
                unit_price=str(line.unit_price),
                amount=str(line.amount),
            )
            for line in view.lines
        ],
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def draft_invoice(body: schemas.DraftInvoiceBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Draft an invoice for a customer: lines and one tax rate. Nothing is posted until it is issued."""
    result = keel.app.handle(
        DraftInvoice(
            meta=meta,
            on=body.on,
            customer_id=body.customer_id,
            lines=tuple(
                LineInput(description=ln.description, quantity=ln.quantity, unit_price=ln.unit_price)
                for ln in body.lines
            ),
            tax_percent=body.tax_percent,
            currency=body.currency,
            invoice_id=body.id or uuid4(),
        )
    )
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
    """Issue a draft: takes the next gap-free number of the year, sets the due date from the
    customer's terms and posts receivable, revenue and output tax."""
    on = body.on if body else None
    return keel.app.handle(IssueInvoice(meta=meta, on=on, invoice_id=invoice_id, expected_version=expected))


@router.post("/{invoice_id}/void", response_model=schemas.CommandAccepted)
def void_invoice(
    invoice_id: UUID, body: schemas.VoidInvoiceBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    """Void an issued, unpaid invoice: posts the exact reversal of its issue entry on the void date."""
    return keel.app.handle(
        VoidInvoice(meta=meta, on=body.on, invoice_id=invoice_id, reason=body.reason, expected_version=expected)
    )


@router.get("", response_model=list[schemas.Invoice])
def list_invoices(
    keel: KeelDep,
    customer_id: UUID | None = None,
    status: Literal["draft", "issued", "voided"] | None = None,
    min_position: MinPosition = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[schemas.Invoice]:
    catch_up(keel, min_position, ["invoices"])
    found = lists.list_invoices(
        keel.views, customer_id=str(customer_id) if customer_id else None, status=status, limit=limit, offset=offset
    )
    return [to_schema(v) for v in found]


@router.get("/{invoice_id}", response_model=schemas.Invoice)
def get_invoice(
    invoice_id: UUID, keel: KeelDep, response: Response, min_position: MinPosition = None
) -> schemas.Invoice:
    catch_up(keel, min_position, ["invoices"])
    found = lists.get_invoice(keel.views, str(invoice_id))
    if found is None:
        raise NotFound(f"invoice {invoice_id} not found")
    response.headers["ETag"] = f'"{found.version}"'
    return to_schema(found)
