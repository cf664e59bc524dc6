"""The worker's schedules and status, and a customer's billing e-mail address, over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field, field_validator

from api.schemas.base import Body, EffectiveDate, OptionalText, Out
from commands.automation.handlers import check_cron
from commands.messages import SetBillingEmail, SetSchedule
from ledger.company import check_email
from ledger.errors import InvalidValue
from ledger.events import Meta


class BillingEmailBody(Body):
    email: OptionalText = Field(
        description='Where invoices are e-mailed; "" stops the e-mails', examples=["ap@acme.example"]
    )
    on: EffectiveDate = None

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        try:
            return check_email(value)
        except InvalidValue as exc:
            raise ValueError(str(exc)) from None

    def to_command(self, meta: Meta, customer_id: UUID, expected: int | None) -> SetBillingEmail:
        return SetBillingEmail(
            meta=meta, on=self.on, customer_id=customer_id, email=self.email, expected_version=expected
        )


class ScheduleBody(Body):
    cron: str = Field(max_length=100, description="Five fields: minute hour day month weekday", examples=["0 6 1 * *"])
    timezone: str = Field(
        "UTC", max_length=60, description="IANA time zone the cron is read in", examples=["Europe/Berlin"]
    )
    enabled: bool = True

    # One validator a field, so a 422 locates the problem at body.cron or body.timezone.
    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            check_cron(value, "UTC")
        except InvalidValue as exc:
            raise ValueError(str(exc).removeprefix("cron: ")) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            check_cron("* * * * *", value)
        except InvalidValue as exc:
            raise ValueError(str(exc).removeprefix("timezone: ")) from None
        return value

    def to_command(self, meta: Meta, kind: str) -> SetSchedule:
        return SetSchedule(meta=meta, kind=kind, cron=self.cron, timezone=self.timezone, enabled=self.enabled)


class ScheduleOut(Out):
    kind: str
    description: str
    cron: str
    timezone: str
    enabled: bool
    recorded: bool = Field(description="False: the kind's default; no schedule was set")


class LastRun(Out):
    as_of: date
    started_at: datetime
    finished_at: datetime | None
    done: int
    skipped: int
    failed: int
    note: str = Field(description="What it did")


class JobStatus(Out):
    kind: str
    schedule: ScheduleOut
    last_run: LastRun | None
    next_run: datetime | None
    failing: int = Field(description="Causes waiting for a retry after an error")
    last_error: str | None


class OutboxStatus(Out):
    queued: int
    failing: int = Field(description="Queued messages with at least one failed attempt")
    delivered: int
    last_error: str | None
    oldest_queued_at: datetime | None
    smtp_configured: bool


class WorkerStatus(Out):
    jobs: list[JobStatus]
    outbox: OutboxStatus
