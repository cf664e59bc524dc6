"""The reminder commands: the dunning policy, where staff reminders go, and one reminder per cause.

A reminder's id derives from its kind and cause (``ledger.reminders.reminder_id``): recording the
same cause twice is refused by the store, so the worker may run a job again safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class LevelInput:
    number: int
    name: str
    days_after_due: int
    template: str
    fee: str | None = None  # in the functional currency; None or "0": no fee


@dataclass(frozen=True, kw_only=True)
class SetDunningLevels(Command):
    levels: tuple[LevelInput, ...]
    minimum_open: str | None = None  # None: as set before (0 at first)
    grace_days: int | None = None  # None: as set before (0 at first)


@dataclass(frozen=True, kw_only=True)
class SetCustomerDunning(Command):
    customer_id: UUID
    reminded: bool


@dataclass(frozen=True, kw_only=True)
class SetStaffAddress(Command):
    person: str
    email: str


@dataclass(frozen=True, kw_only=True)
class SetApprovalWait(Command):
    days: int


@dataclass(frozen=True, kw_only=True)
class RemindDunning(Command):
    """Remind a customer of an overdue invoice at a dunning level, once per (invoice, level)."""

    invoice_id: UUID
    level: int
    as_of: date
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RemindFollowUp(Command):
    """Remind a follow-up's owner that it is due, once per follow-up and due date."""

    followup_id: UUID
    as_of: date
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RemindApproval(Command):
    """Remind the approver of an expense claim waiting for them, once per claim and approver."""

    claim_id: UUID
    as_of: date
    at: datetime
