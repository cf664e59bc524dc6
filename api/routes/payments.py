from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Response, status

from api import schemas
from api.deps import KeelDep, MetaDep
from commands.messages import AllocationInput, CommandResult, RecordPayment, UnallocatePayment

router = APIRouter(prefix="/v1/payments", tags=["payments"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def record_payment(body: schemas.RecordPaymentBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Record money received from a customer and allocate it to issued invoices (partially or
    fully); whatever is not allocated becomes the customer's credit. A bank fee deducted from the
    transfer is booked as an expense; a foreign payment gives its rate (FX differences are realised)."""
    result = keel.app.handle(
        RecordPayment(
            meta=meta,
            on=body.on,
            customer_id=body.customer_id,
            amount=body.amount,
            currency=body.currency,
            allocations=tuple(AllocationInput(invoice_id=a.invoice_id, amount=a.amount) for a in body.allocations),
            reference=body.reference,
            rate=body.rate,
            bank_fee=body.bank_fee,
            payment_id=body.id or uuid4(),
        )
    )
    response.headers["Location"] = f"/v1/payments/{result.id}"
    return result


@router.post("/{payment_id}/unallocate", response_model=schemas.CommandAccepted)
def unallocate(payment_id: UUID, body: schemas.UnallocateBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Take (part of) an allocation back: the invoice is owed again and the customer holds the credit."""
    return keel.app.handle(
        UnallocatePayment(meta=meta, on=body.on, payment_id=payment_id, invoice_id=body.invoice_id, amount=body.amount)
    )
