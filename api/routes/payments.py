from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from api import schemas
from api.deps import Cursor, KeelDep, Limit, MetaDep, reads
from api.schemas import FIRST_DAY, LAST_DAY
from commands.messages import CommandResult
from ledger.errors import NotFound
from projections.engine.pages import Page
from projections.finance import ledger_lists, records

router = APIRouter(prefix="/v1/payments", tags=["payments"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def record_payment(body: schemas.RecordPaymentBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Record money received from a customer and allocate it to issued invoices (partially or
    fully); whatever is not allocated becomes the customer's credit. A bank fee deducted from the
    transfer is booked as an expense; a foreign payment gives its rate (FX differences are realised)."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/payments/{result.id}"
    return result


@router.post("/{payment_id}/unallocate", response_model=schemas.CommandAccepted)
def unallocate(payment_id: UUID, body: schemas.UnallocateBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Take (part of) an allocation back: the invoice is owed again and the customer holds the credit."""
    return keel.app.handle(body.to_command(meta, payment_id))


@router.get("", response_model=schemas.Page[schemas.PaymentSummary], dependencies=[reads("general_ledger")])
def list_payments(
    keel: KeelDep,
    customer_id: UUID | None = None,
    start: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)] = None,
    end: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[ledger_lists.PaymentView]:
    """Payments received, by date."""
    return ledger_lists.list_payments(keel.views, str(customer_id) if customer_id else None, start, end, cursor, limit)


@router.get("/{payment_id}", response_model=schemas.PaymentDetail, dependencies=[reads("documents")])
def get_payment(payment_id: UUID, keel: KeelDep, response: Response) -> schemas.PaymentDetail:
    """One payment as it stands now, with what is allocated to each invoice and the credit left; the
    ETag is its version, for If-Match."""
    found = records.get_payment(keel.views, str(payment_id))
    if found is None:
        raise NotFound(f"payment {payment_id} not found")
    response.headers["ETag"] = f'"{found.version}"'
    return schemas.PaymentDetail.model_validate(found, from_attributes=True)
