"""Webhooks over HTTP: a subscription's body, and what is read back (never its secret)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from pydantic import Field, field_validator

from api.schemas.base import Body, OptionalText, Out
from commands.messages import AddWebhook
from ledger.errors import InvalidValue
from ledger.events import Meta
from ledger.webhooks import MAX_PATTERNS, check_patterns, check_secret, check_url
from projections.automation.webhooks import deliveries
from projections.engine.db import ViewDatabase

T = TypeVar("T")


def _checked(check: Callable[[T], T], value: T) -> T:
    try:
        return check(value)
    except InvalidValue as exc:  # "url: …": the problem's location names the field already
        raise ValueError(str(exc).partition(": ")[2] or str(exc)) from None


class WebhookBody(Body):
    url: str = Field(
        max_length=500, description="Where deliveries are POSTed: http or https", examples=["https://erp.example/keel"]
    )
    events: list[str] = Field(
        min_length=1,
        max_length=MAX_PATTERNS,
        description="Public event types: invoice.issued, a context's every type (invoice.*) or * for all",
        examples=[["invoice.*", "payment.received"]],
    )
    secret: str = Field(
        max_length=200,
        description="Signs every delivery (HMAC-SHA256, Standard Webhooks); whsec_ + base64, or 16+ characters."
        " Never shown again.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )
    description: OptionalText = ""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _checked(check_url, value)

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        return _checked(check_patterns, value)

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        return _checked(check_secret, value)

    def to_command(self, meta: Meta) -> AddWebhook:
        return AddWebhook(
            meta=meta, url=self.url, events=tuple(self.events), secret=self.secret, description=self.description
        )


class DisableBody(Body):
    reason: OptionalText = "disabled by hand"


class WebhookOut(Out):
    id: UUID
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_reason: str = Field(description='Why it is disabled ("automatically: …" after repeated failures)')
    failures: int = Field(description="Consecutive failed attempts")
    created_at: datetime | None


class AttemptOut(Out):
    attempt: int
    status_code: int = Field(description="The endpoint's HTTP status; 0 when it did not answer")
    error: str = Field(description='"" when delivered')
    attempted_at: datetime | None


class DeliveryOut(Out):
    id: UUID = Field(description="Also the webhook-id header of every attempt")
    subscription_id: UUID
    event_position: int
    event_type: str
    status: str = Field(description="delivered, failing (a retry is due at next_attempt_at) or replay (asked for)")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int
    last_error: str
    last_attempt_at: datetime | None


class DeliveryDetail(DeliveryOut):
    attempt_log: list[AttemptOut]


class DeliveryPage(Out):
    items: list[DeliveryOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page; null at the end")


def delivery_page(
    db: ViewDatabase, failed: bool, subscription: UUID | None, before: int | None, limit: int
) -> DeliveryPage:
    """The delivery log as HTTP and ``keel webhooks deliveries --format json`` both answer it."""
    found = deliveries(db, failed, subscription, before, limit)
    items = [DeliveryOut.model_validate(d) for d in found]
    return DeliveryPage(items=items, next_before=found[-1].event_position if len(found) == limit else None)
