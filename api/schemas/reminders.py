"""Dunning levels, customers' opt-outs, staff addresses and the reminders report over HTTP (ADR 0043)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from api.schemas.base import Amount, Body, DecimalStr, EffectiveDate, Name, OptionalText, Out
from commands import messages as m
from ledger.company import check_email
from ledger.dunning import MAX_DAYS, MAX_LEVELS, TEMPLATES, DunningLevel, check_levels
from ledger.errors import InvalidValue
from ledger.events import Meta
from ledger.reminders import MAX_APPROVAL_DAYS


class LevelIn(Body):
    number: int = Field(ge=1, le=MAX_LEVELS, description="1 for the first reminder, 2 for the next …")
    name: Name = Field(examples=["Friendly reminder"])
    days_after_due: int = Field(ge=0, le=MAX_DAYS, description="Sent once the invoice is this many days overdue")
    template: str = Field(max_length=40, description=f"The wording: one of {', '.join(TEMPLATES)}")
    fee: Amount | None = Field(None, description="A fee in the functional currency, drafted as a fee invoice")

    @field_validator("template")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in TEMPLATES:
            raise ValueError(f"template: unknown template {value[:40]!r}; one of {', '.join(TEMPLATES)}")
        return value


class DunningLevelsBody(Body):
    levels: list[LevelIn] = Field(min_length=1, max_length=MAX_LEVELS)
    minimum_open: Amount | None = Field(
        None,
        description="No reminder while less than this is open (functional currency); left out: as set before (0)",
    )
    grace_days: int | None = Field(
        None, ge=0, le=MAX_DAYS, description="No reminder within this many days of a payment; left out: as set before"
    )
    on: EffectiveDate = None

    @model_validator(mode="after")
    def _valid(self) -> DunningLevelsBody:
        try:  # numbering and order, as the domain checks them (the fee's currency is the books')
            check_levels([DunningLevel(x.number, x.name, x.days_after_due, x.template, None, "") for x in self.levels])
        except InvalidValue as exc:  # names its field: "levels[1].days_after_due: …"
            raise ValueError(str(exc)) from None
        return self

    def to_command(self, meta: Meta) -> m.SetDunningLevels:
        levels = tuple(
            m.LevelInput(number=x.number, name=x.name, days_after_due=x.days_after_due, template=x.template, fee=x.fee)
            for x in self.levels
        )
        return m.SetDunningLevels(
            meta=meta, on=self.on, levels=levels, minimum_open=self.minimum_open, grace_days=self.grace_days
        )


class LevelOut(Out):
    number: int
    name: str
    days_after_due: int
    template: str
    fee: DecimalStr | None
    fee_currency: str


class DunningPolicyOut(Out):
    levels: list[LevelOut]
    minimum_open: DecimalStr
    grace_days: int
    opted_out: list[str] = Field(description="Customers who are not reminded (ids)")


class CustomerDunningBody(Body):
    reminded: bool = Field(description="false: the customer is never reminded of overdue invoices")
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.SetCustomerDunning:
        return m.SetCustomerDunning(meta=meta, on=self.on, customer_id=customer_id, reminded=self.reminded)


class StaffAddressBody(Body):
    email: OptionalText = Field(description='Where the person\'s reminders go; "" stops them')
    on: EffectiveDate = None

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        try:
            return check_email(value)
        except InvalidValue as exc:
            raise ValueError(str(exc)) from None

    def to_command(self, meta: Meta, person: str) -> m.SetStaffAddress:
        return m.SetStaffAddress(meta=meta, on=self.on, person=person, email=self.email)


class ApprovalWaitBody(Body):
    days: int = Field(ge=1, le=MAX_APPROVAL_DAYS, description="Remind an approver of a claim waiting this long")
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.SetApprovalWait:
        return m.SetApprovalWait(meta=meta, on=self.on, days=self.days)


class ReminderOut(Out):
    id: str
    kind: str = Field(description="dunning, follow-up or approval")
    reminded_on: date
    subject_id: str
    subject: str
    party: str = Field(description="The customer's id (dunning) or the person's name")
    level: int
    level_name: str
    recipient: str
    open_amount: DecimalStr | None
    currency: str
    fee: DecimalStr | None
    fee_invoice_id: str | None
    cause: str
