from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Response, status

from api import schemas
from api.deps import KeelDep, MetaDep, MinPosition, catch_up
from commands.messages import (
    ApprovalStepInput,
    ApproveExpenseClaim,
    ChangeCostCenterManager,
    ClaimInput,
    CommandResult,
    ConfigureExpensePolicy,
    DefineCostCenter,
    ReimburseExpenseClaim,
    RejectExpenseClaim,
    ResubmitExpenseClaim,
    SubmitExpenseClaim,
)
from ledger.errors import NotFound
from projections import lists

router = APIRouter(prefix="/v1", tags=["expenses"])


def claim_input(body: schemas.ClaimIn) -> ClaimInput:
    return ClaimInput(
        category=body.category,
        description=body.description,
        amount=body.amount,
        tax_rate=body.tax_rate,
        receipt_reference=body.receipt_reference,
        cost_center=body.cost_center,
        project_id=body.project_id,
    )


@router.post("/cost-centers", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def define_cost_center(body: schemas.CostCenterBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(
        DefineCostCenter(meta=meta, on=body.on, code=body.code, name=body.name, manager=body.manager)
    )


@router.post("/cost-centers/{code}/manager", response_model=schemas.CommandAccepted)
def change_manager(code: str, body: schemas.ManagerBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(ChangeCostCenterManager(meta=meta, on=body.on, code=code, manager=body.manager))


@router.put("/expense-policy", response_model=schemas.CommandAccepted)
def configure_policy(body: schemas.ExpensePolicyBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Approval steps (each: an approver and the amount above which it applies), the fallback approver
    for claims that would route to their own claimant, and category -> account rules."""
    return keel.app.handle(
        ConfigureExpensePolicy(
            meta=meta,
            on=body.on,
            steps=tuple(ApprovalStepInput(approver=s.approver, above=s.above) for s in body.steps),
            fallback_approver=body.fallback_approver,
            categories=tuple(body.categories.items()),
        )
    )


@router.post("/expense-claims", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def submit_claim(body: schemas.SubmitClaimBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Submit a claim; its approval route is decided now from the policy and the cost center."""
    result = keel.app.handle(
        SubmitExpenseClaim(
            meta=meta, on=body.on, claim=claim_input(body), employee=body.employee, claim_id=body.id or uuid4()
        )
    )
    response.headers["Location"] = f"/v1/expense-claims/{result.id}"
    return result


@router.post("/expense-claims/{claim_id}/approve", response_model=schemas.CommandAccepted)
def approve_claim(claim_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.DateBody | None = None) -> CommandResult:
    """Approve as the actor (``X-Keel-Actor``), who must be the next approver on the route and not the
    claimant. The final approval posts the expense."""
    return keel.app.handle(ApproveExpenseClaim(meta=meta, on=body.on if body else None, claim_id=claim_id))


@router.post("/expense-claims/{claim_id}/reject", response_model=schemas.CommandAccepted)
def reject_claim(claim_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(RejectExpenseClaim(meta=meta, on=body.on, claim_id=claim_id, reason=body.reason))


@router.post("/expense-claims/{claim_id}/resubmit", response_model=schemas.CommandAccepted)
def resubmit_claim(claim_id: UUID, body: schemas.ResubmitClaimBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(ResubmitExpenseClaim(meta=meta, on=body.on, claim_id=claim_id, claim=claim_input(body)))


@router.post("/expense-claims/{claim_id}/reimburse", response_model=schemas.CommandAccepted)
def reimburse_claim(
    claim_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.ReimburseBody | None = None
) -> CommandResult:
    body = body or schemas.ReimburseBody()
    return keel.app.handle(ReimburseExpenseClaim(meta=meta, on=body.on, claim_id=claim_id, reference=body.reference))


@router.get("/expense-claims", response_model=list[schemas.Claim])
def list_claims(
    keel: KeelDep,
    status: Literal["submitted", "approved", "rejected", "reimbursed"] | None = None,
    next_approver: str | None = Query(None, description="Claims waiting for this person"),
    employee: str | None = None,
    min_position: MinPosition = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> list[schemas.Claim]:
    catch_up(keel, min_position, ["claims"])
    found = lists.list_claims(keel.views, status, next_approver, employee, limit, offset)
    return [schemas.Claim.model_validate(c, from_attributes=True) for c in found]


@router.get("/expense-claims/{claim_id}", response_model=schemas.Claim)
def get_claim(claim_id: UUID, keel: KeelDep, min_position: MinPosition = None) -> schemas.Claim:
    catch_up(keel, min_position, ["claims"])
    found = lists.get_claim(keel.views, str(claim_id))
    if found is None:
        raise NotFound(f"expense claim {claim_id} not found")
    return schemas.Claim.model_validate(found, from_attributes=True)
