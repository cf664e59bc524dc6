from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond, utc
from api.deps import (
    AS_CSV,
    AsOf,
    Cursor,
    ExpectedVersion,
    KeelDep,
    KnownAt,
    Limit,
    MetaDep,
    as_of_or_today,
    reads,
)
from commands import messages as m
from ledger.errors import NotFound
from projections.crm import lists as crm_lists
from projections.crm import reports as crm_reports
from projections.engine.pages import Page
from projections.queries import Params, named

router = APIRouter(prefix="/v1", tags=["crm"])
CRM = ["crm", "customers"]


@router.put("/pipeline", response_model=schemas.CommandAccepted)
def configure_pipeline(body: schemas.PipelineBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """The open stages, in order, with their default win probabilities (won and lost are outcomes)."""
    return keel.app.handle(body.to_command(meta))


@router.post("/leads", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def capture_lead(body: schemas.LeadBody, keel: KeelDep, meta: MetaDep, response: Response) -> m.CommandResult:
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/leads/{result.id}"
    return result


@router.post("/leads/{lead_id}/qualify", response_model=schemas.CommandAccepted)
def qualify_lead(lead_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.NoteBody | None = None) -> m.CommandResult:
    return keel.app.handle((body or schemas.NoteBody()).to_command(meta, m.QualifyLead, lead_id=lead_id))


@router.post("/leads/{lead_id}/disqualify", response_model=schemas.CommandAccepted)
def disqualify_lead(lead_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta, m.DisqualifyLead, lead_id=lead_id))


@router.post("/leads/{lead_id}/convert", response_model=schemas.CommandAccepted)
def convert_lead(lead_id: UUID, body: schemas.ConvertLeadBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """Lead -> customer (new, or ``customer_id``) + contact + optional deal, in one atomic write.
    The result's id is the lead's."""
    return keel.app.handle(body.to_command(meta, lead_id))


@router.post("/customers/{customer_id}/owner", response_model=schemas.CommandAccepted)
def assign_owner(customer_id: UUID, body: schemas.OwnerBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta, customer_id))


@router.post(
    "/customers/{customer_id}/contacts", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted
)
def add_contact(customer_id: UUID, body: schemas.ContactBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta, customer_id))


@router.post("/customers/{customer_id}/contacts/{contact_id}/remove", response_model=schemas.CommandAccepted)
def remove_contact(customer_id: UUID, contact_id: UUID, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(m.RemoveContact(meta=meta, customer_id=customer_id, contact_id=contact_id))


@router.post("/customers/{customer_id}/merge-into", response_model=schemas.CommandAccepted)
def merge_customer(customer_id: UUID, body: schemas.MergeBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """Mark this customer a duplicate of ``target_id``: contacts move over, history stays and shows in the
    target's 360; new work on the duplicate is refused."""
    return keel.app.handle(body.to_command(meta, customer_id))


@router.post("/deals", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def open_deal(body: schemas.OpenDealBody, keel: KeelDep, meta: MetaDep, response: Response) -> m.CommandResult:
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/deals/{result.id}"
    return result


@router.post("/deals/{deal_id}/update", response_model=schemas.CommandAccepted)
def update_deal(
    deal_id: UUID, body: schemas.UpdateDealBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta, deal_id, expected))


@router.post("/deals/{deal_id}/move", response_model=schemas.CommandAccepted)
def move_deal(
    deal_id: UUID, body: schemas.MoveDealBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> m.CommandResult:
    """Move an open deal to a stage, effective ``on`` (backdating allowed, not before it opened)."""
    return keel.app.handle(body.to_command(meta, deal_id, expected))


@router.post("/deals/{deal_id}/win", response_model=schemas.CommandAccepted)
def win_deal(
    deal_id: UUID, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion, body: schemas.OutcomeBody | None = None
) -> m.CommandResult:
    """Won: the deal closes and (the first time) a project draft opens with its services and value."""
    body = body or schemas.OutcomeBody()
    return keel.app.handle(body.to_command(meta, m.WinDeal, deal_id=deal_id, expected_version=expected))


@router.post("/deals/{deal_id}/lose", response_model=schemas.CommandAccepted)
def lose_deal(
    deal_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta, m.LoseDeal, deal_id=deal_id, expected_version=expected))


@router.post("/deals/{deal_id}/reopen", response_model=schemas.CommandAccepted)
def reopen_deal(deal_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.ReopenBody | None = None) -> m.CommandResult:
    return keel.app.handle((body or schemas.ReopenBody()).to_command(meta, deal_id))


@router.get(
    "/deals",
    response_model=schemas.page_of(schemas.DealState),
    responses=JSON_OR_CSV,
    dependencies=[reads(*CRM), AS_CSV],
)
async def list_deals(
    request: Request,
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    customer_id: UUID | None = None,
    deal_status: Annotated[Literal["open", "won", "lost"] | None, Query(alias="status")] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    stage: Annotated[str | None, Query(max_length=64, description="A stage's key, e.g. proposal")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Every deal as it stood on ``as_of`` as known at ``known_at``, by the date it was opened."""
    customer = str(customer_id) if customer_id else None
    filters = named(customer=customer, status=deal_status, owner=owner, stage=stage)
    return await respond(request, keel, "deals", Params(as_of=as_of, filters=filters, cursor=cursor, limit=limit))


@router.get("/deals/{deal_id}", response_model=schemas.DealState, dependencies=[reads(*CRM)])
def get_deal(deal_id: UUID, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> crm_reports.DealState:
    """One deal as it stood on ``as_of`` as known at ``known_at``."""
    deal = crm_reports.deal_as_of(keel.views, str(deal_id), as_of_or_today(keel, as_of), utc(known_at))
    if deal is not None:
        return deal
    raise NotFound(f"deal {deal_id} not found (as of that date, as known then)")


@router.get("/leads", response_model=schemas.page_of(schemas.Lead), dependencies=[reads(*CRM)])
def list_leads(
    keel: KeelDep,
    lead_status: Annotated[
        Literal["new", "qualified", "disqualified", "converted"] | None, Query(alias="status")
    ] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[crm_lists.LeadView]:
    """Leads by capture date."""
    return crm_lists.list_leads(keel.views, lead_status, owner, source, cursor, limit)


@router.get("/leads/{lead_id}", response_model=schemas.Lead, dependencies=[reads(*CRM)])
def get_lead(lead_id: UUID, keel: KeelDep) -> crm_lists.LeadView:
    found = crm_lists.get_lead(keel.views, str(lead_id))
    if found is None:
        raise NotFound(f"lead {lead_id} not found")
    return found


@router.get("/activities", response_model=schemas.page_of(schemas.Activity), dependencies=[reads(*CRM)])
def list_activities(
    keel: KeelDep,
    about_id: Annotated[UUID | None, Query(description="The lead, deal or customer")] = None,
    kind: Literal["call", "email", "meeting", "note"] | None = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[crm_lists.ActivityView]:
    """Calls, emails, meetings and notes by the date they happened."""
    return crm_lists.list_activities(keel.views, str(about_id) if about_id else None, kind, actor, cursor, limit)


@router.get(
    "/customers/{customer_id}/contacts", response_model=schemas.list_of(schemas.Contact), dependencies=[reads(*CRM)]
)
def list_contacts(
    customer_id: UUID,
    keel: KeelDep,
    include_removed: bool = False,
) -> list[crm_lists.ContactView]:
    """A customer's contacts by name."""
    return crm_lists.list_contacts(keel.views, str(customer_id), include_removed)


@router.get("/pipeline", response_model=schemas.list_of(schemas.Stage), dependencies=[reads(*CRM)])
def get_pipeline(keel: KeelDep) -> list[crm_lists.StageView]:
    """The pipeline's stages in order, with their default win probabilities."""
    return crm_lists.pipeline_stages(keel.views)


@router.post("/activities", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def log_activity(body: schemas.ActivityBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta))


@router.post("/follow-ups", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def schedule_follow_up(body: schemas.FollowUpBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta))


@router.post("/follow-ups/{followup_id}/reschedule", response_model=schemas.CommandAccepted)
def reschedule(followup_id: UUID, body: schemas.RescheduleBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta, followup_id))


@router.post("/follow-ups/{followup_id}/complete", response_model=schemas.CommandAccepted)
def complete(followup_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.NoteBody | None = None) -> m.CommandResult:
    body = body or schemas.NoteBody()
    return keel.app.handle(body.to_command(meta, m.CompleteFollowUp, note_as="outcome", followup_id=followup_id))


@router.post("/follow-ups/{followup_id}/cancel", response_model=schemas.CommandAccepted)
def cancel(followup_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.NoteBody | None = None) -> m.CommandResult:
    body = body or schemas.NoteBody()
    return keel.app.handle(body.to_command(meta, m.CancelFollowUp, note_as="reason", followup_id=followup_id))
