from __future__ import annotations

from uuid import uuid4

from fastapi import APIRouter, Response, status

from api import schemas
from api.deps import KeelDep, MetaDep
from commands.messages import AllocationInput, CommandResult, RecordPayment

router = APIRouter(prefix="/v1/payments", tags=["payments"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def record_payment(body: schemas.RecordPaymentBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Record money received from a customer and allocate it to issued invoices (partially or
    fully); whatever is not allocated becomes the customer's credit."""
    result = keel.app.handle(
        RecordPayment(
            meta=meta,
            on=body.on,
            customer_id=body.customer_id,
            amount=body.amount,
            currency=body.currency,
            allocations=tuple(AllocationInput(invoice_id=a.invoice_id, amount=a.amount) for a in body.allocations),
            reference=body.reference,
            payment_id=body.id or uuid4(),
        )
    )
    response.headers["Location"] = f"/v1/payments/{result.id}"
    return result
