"""Webhooks (ADR 0045): admins subscribe endpoints to public event types; deliveries are read by
admins, integrations and auditors, and replayed by admins. No answer ever holds a secret."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from api import schemas
from api.deps import KeelDep, MetaDep, reads
from api.schemas.webhooks import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    DeliveryPage,
    DisableBody,
    WebhookBody,
    WebhookOut,
    delivery_page,
)
from commands.messages import CommandResult, DisableWebhook, EnableWebhook, ReplayWebhookDelivery
from ledger.errors import NotFound
from projections.automation import webhooks as q

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def add_webhook(body: WebhookBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Subscribe an http(s) endpoint to public event types. Each matching event recorded from now on
    is POSTed to it, signed with the secret (which no read returns). Another scheme is a 422 naming `url`."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = "/v1/webhooks"
    return result


@router.get("", response_model=list[WebhookOut], dependencies=[reads("webhooks")])
def list_webhooks(keel: KeelDep) -> list[WebhookOut]:
    """Every subscription: URL, patterns, enabled or why not, consecutive failures. Never the secret."""
    return [WebhookOut.model_validate(s) for s in q.subscriptions(keel.views)]


@router.post("/{subscription_id}/disable", response_model=schemas.CommandAccepted)
def disable_webhook(subscription_id: UUID, body: DisableBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Stop delivering to an endpoint (events recorded while disabled are not delivered later)."""
    return keel.app.handle(DisableWebhook(meta=meta, subscription_id=subscription_id, reason=body.reason))


@router.post("/{subscription_id}/enable", response_model=schemas.CommandAccepted)
def enable_webhook(subscription_id: UUID, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Deliver again, also an endpoint disabled after repeated failures: its failed deliveries are retried."""
    return keel.app.handle(EnableWebhook(meta=meta, subscription_id=subscription_id))


@router.get("/deliveries", response_model=DeliveryPage, dependencies=[reads("webhooks")])
def list_deliveries(
    keel: KeelDep,
    failed: Annotated[bool, Query(description="Only deliveries whose last attempt failed")] = False,
    subscription: Annotated[UUID | None, Query(description="Only this subscription's")] = None,
    before: Annotated[int | None, Query(ge=1, le=2**53, description="Events before this log position")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryPage:
    """The delivery log, newest event first: status, attempts, the endpoint's last answer."""
    return delivery_page(keel.views, failed, subscription, before, limit)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail, dependencies=[reads("webhooks")])
def get_delivery(delivery_id: UUID, keel: KeelDep) -> DeliveryDetail:
    """One delivery with every attempt."""
    found = q.delivery(keel.views, delivery_id)
    if found is None:
        raise NotFound(f"delivery {delivery_id} not found")
    d, attempts = found
    attempt_log = [AttemptOut.model_validate(a) for a in attempts]
    return DeliveryDetail(**DeliveryOut.model_validate(d).model_dump(), attempt_log=attempt_log)


@router.post(
    "/deliveries/{delivery_id}/replay", status_code=status.HTTP_202_ACCEPTED, response_model=schemas.CommandAccepted
)
def replay_delivery(delivery_id: UUID, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Send a delivery once more: the next worker run makes one new attempt, recorded like any other."""
    return keel.app.handle(ReplayWebhookDelivery(meta=meta, delivery_id=delivery_id, at=keel.app.log_clock.now()))
