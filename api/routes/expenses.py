from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status

from api import schemas
from api.deps import Cursor, ExpectedVersion, KeelDep, Limit, MetaDep, reads
from commands.messages import ApproveExpenseClaim, CommandResult, RejectExpenseClaim
from ledger.errors import NotFound
from ledger.expense_policy import cost_center_id
from projections.engine.pages import Page
from projections.finance import approvals, lists

router = APIRouter(prefix="/v1", tags=["expenses"])


@router.post("/cost-centers", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def define_cost_center(body: schemas.CostCenterBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(body.to_command(meta))


@router.post("/cost-centers/{code}/manager", response_model=schemas.CommandAccepted)
def change_manager(code: str, body: schemas.ManagerBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(body.to_command(meta, code))


@router.put("/expense-policy", response_model=schemas.CommandAccepted)
def configure_policy(body: schemas.ExpensePolicyBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Approval steps (each: an approver and the amount above which it applies), the fallback approver
    for claims that would route to their own claimant, and category -> account rules."""
    return keel.app.handle(body.to_command(meta))


@router.post("/expense-claims", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def submit_claim(body: schemas.SubmitClaimBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Submit a claim; its approval route is decided now from the policy and the cost center."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/expense-claims/{result.id}"
    return result


@router.post("/expense-claims/{claim_id}/approve", response_model=schemas.CommandAccepted)
def approve_claim(
    claim_id: UUID, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion, body: schemas.DateBody | None = None
) -> CommandResult:
    """Approve as the caller (the API key's name), who must be the next approver on the route and not the
    claimant. The final approval posts the expense. ``If-Match``: the claim's version you saw."""
    command = (body or schemas.DateBody()).to_command(
        meta, ApproveExpenseClaim, claim_id=claim_id, expected_version=expected
    )
    return keel.app.handle(command)


@router.post("/expense-claims/{claim_id}/reject", response_model=schemas.CommandAccepted)
def reject_claim(
    claim_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    return keel.app.handle(body.to_command(meta, RejectExpenseClaim, claim_id=claim_id, expected_version=expected))


@router.post("/expense-claims/{claim_id}/resubmit", response_model=schemas.CommandAccepted)
def resubmit_claim(claim_id: UUID, body: schemas.ResubmitClaimBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(body.to_command(meta, claim_id))


@router.post("/expense-claims/{claim_id}/reimburse", response_model=schemas.CommandAccepted)
def reimburse_claim(
    claim_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.ReimburseBody | None = None
) -> CommandResult:
    return keel.app.handle((body or schemas.ReimburseBody()).to_command(meta, claim_id))


@router.get("/expense-claims", response_model=schemas.Page[schemas.Claim], dependencies=[reads("claims")])
def list_claims(
    keel: KeelDep,
    status: Literal["submitted", "approved", "rejected", "reimbursed"] | None = None,
    next_approver: str | None = Query(None, max_length=200, description="Claims waiting for this person"),
    employee: str | None = Query(None, max_length=200),
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[lists.ClaimView]:
    """Claims by submission date."""
    return lists.list_claims(keel.views, status, next_approver, employee, cursor, limit)


@router.get("/expense-claims/{claim_id}", response_model=schemas.Claim, dependencies=[reads("claims")])
def get_claim(claim_id: UUID, keel: KeelDep) -> schemas.Claim:
    found = lists.get_claim(keel.views, str(claim_id))
    if found is None:
        raise NotFound(f"expense claim {claim_id} not found")
    return schemas.Claim.model_validate(found, from_attributes=True)


@router.get("/expense-policy", response_model=schemas.ExpensePolicyOut, dependencies=[reads("claims")])
def get_expense_policy(keel: KeelDep, response: Response) -> schemas.ExpensePolicyOut:
    """The approval route and the categorisation rules in force (the default ones, version 0, until a
    policy is configured). The ETag is the policy's version, for If-Match."""
    policy = approvals.expense_policy(keel.views)
    response.headers["ETag"] = f'"{policy.version}"'
    return schemas.ExpensePolicyOut(
        steps=[schemas.ApprovalStepIn(approver=s.approver, above=str(s.above)) for s in policy.steps],
        fallback_approver=policy.fallback_approver,
        categories=policy.categories,
        version=policy.version,
    )


@router.get("/cost-centers/{code}", response_model=schemas.CostCenter, dependencies=[reads("claims")])
def get_cost_center(
    code: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$")], keel: KeelDep, response: Response
) -> schemas.CostCenter:
    """A cost center and its manager; the ETag is its version, for If-Match."""
    center = approvals.get_cost_center(keel.views, code)
    if center is None:
        raise NotFound(f"costcenter {cost_center_id(code.upper())} not found")
    response.headers["ETag"] = f'"{center.version}"'
    return schemas.CostCenter(code=center.code, name=center.name, manager=center.manager, version=center.version)
