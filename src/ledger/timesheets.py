"""Timesheets: a person's hours of one week, logged against projects, submitted, approved.

Entries can be corrected (a new event) until the week is approved. Approval by someone other
than the person posts the labour cost — hours x the cost rate valid on the day worked — to the
projects, and records the approved time on each project for billing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidTransition, InvalidValue, NotPermitted
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine, Posting
from ledger.money import Money, to_decimal
from ledger.roles import Role, Roles

OPEN, SUBMITTED, APPROVED = "open", "submitted", "approved"
MAX_HOURS_A_DAY = Decimal(24)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def timesheet_id(person: str, week: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:timesheet:{person}:{week.isoformat()}")


def check_hours(value: str | Decimal) -> Decimal:
    hours = to_decimal(value)
    if hours <= 0:
        raise InvalidValue(f"hours must be positive, got {hours}")
    if hours > MAX_HOURS_A_DAY:
        raise InvalidValue(f"nobody works more than 24 hours a day, got {hours}")
    if hours != hours.quantize(Decimal("0.01")):
        raise InvalidValue(f"hours are recorded to the hundredth, got {hours}")
    return hours


class Timesheet(KeelAggregate):
    TOPIC = "keel.Timesheet"

    if TYPE_CHECKING:
        person: str
        week: date
        status: str
        entries: dict[str, dict[str, Any]]  # entry id -> {day, project_id, hours, billable, note}

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.timesheet.Created.v1"

    class Opened(Created):
        TOPIC = "keel.timesheet.Opened.v1"
        person: str
        week: date

        def apply(self, sheet: Timesheet) -> None:
            sheet.person, sheet.week, sheet.status, sheet.entries = self.person, self.week, OPEN, {}

    class EntryLogged(Event):
        TOPIC = "keel.timesheet.EntryLogged.v1"
        entry_id: str
        day: date
        project_id: UUID
        hours: Decimal
        billable: bool
        note: str

        def apply(self, sheet: Timesheet) -> None:
            entry = {
                "day": self.day,
                "project_id": self.project_id,
                "hours": self.hours,
                "billable": self.billable,
                "note": self.note,
            }
            sheet.entries = {**sheet.entries, self.entry_id: entry}

    class EntryCorrected(Event):
        """A correction replaces an entry's hours and billability (0 hours withdraws it)."""

        TOPIC = "keel.timesheet.EntryCorrected.v1"
        entry_id: str
        hours: Decimal
        billable: bool

        def apply(self, sheet: Timesheet) -> None:
            entry = {**sheet.entries[self.entry_id], "hours": self.hours, "billable": self.billable}
            sheet.entries = {**sheet.entries, self.entry_id: entry}

    class Submitted(Event):
        TOPIC = "keel.timesheet.Submitted.v1"

        def apply(self, sheet: Timesheet) -> None:
            sheet.status = SUBMITTED

    class Rejected(Event):
        TOPIC = "keel.timesheet.Rejected.v1"
        approver: str
        reason: str

        def apply(self, sheet: Timesheet) -> None:
            sheet.status = OPEN

    class Approved(Event):
        TOPIC = "keel.timesheet.Approved.v1"
        approver: str
        journal: list[JournalLine]

        def apply(self, sheet: Timesheet) -> None:
            sheet.status = APPROVED

    @classmethod
    def open(cls, person: str, week: date, meta: Meta) -> Timesheet:
        if week.weekday() != 0:
            raise InvalidValue(f"a timesheet week starts on a Monday; {week} is not one")
        return cls._create(cls.Opened, id=timesheet_id(person, week), person=person, week=week, **meta.stamp(week))

    def _require_open(self) -> None:
        if self.status != OPEN:
            raise InvalidTransition(f"{self.person}'s week of {self.week} is {self.status}; it cannot change")

    def hours_on(self, day: date, excluding: str | None = None) -> Decimal:
        return sum((e["hours"] for k, e in self.entries.items() if e["day"] == day and k != excluding), Decimal(0))

    def _check_day(self, day: date, hours: Decimal, excluding: str | None = None) -> None:
        if not self.week <= day < self.week + timedelta(days=7):
            raise InvalidValue(f"{day} is not in the week of {self.week}")
        total = self.hours_on(day, excluding) + hours
        if total > MAX_HOURS_A_DAY:
            raise InvalidValue(f"{self.person} would have {total} hours on {day}; a day has 24")

    def log(
        self, entry_id: str, day: date, project_id: UUID, hours: Decimal, billable: bool, note: str, meta: Meta
    ) -> None:
        self._require_open()
        if entry_id in self.entries:
            raise InvalidTransition(f"entry {entry_id} is already logged; correct it instead")
        self._check_day(day, hours)
        self.trigger_event(
            self.EntryLogged,
            entry_id=entry_id,
            day=day,
            project_id=project_id,
            hours=hours,
            billable=billable,
            note=note.strip(),
            **meta.stamp(day),
        )

    def correct(self, entry_id: str, hours: Decimal, billable: bool, on: date, meta: Meta) -> None:
        self._require_open()
        if entry_id not in self.entries:
            raise InvalidValue(f"{self.person}'s week of {self.week} has no entry {entry_id}")
        if hours < 0:
            raise InvalidValue(f"hours cannot be negative, got {hours}")
        self._check_day(self.entries[entry_id]["day"], hours, excluding=entry_id)
        self.trigger_event(self.EntryCorrected, entry_id=entry_id, hours=hours, billable=billable, **meta.stamp(on))

    def submit(self, on: date, meta: Meta) -> None:
        self._require_open()
        if not any(e["hours"] > 0 for e in self.entries.values()):
            raise InvalidTransition("an empty timesheet cannot be submitted")
        self.trigger_event(self.Submitted, **meta.stamp(on))

    def _check_approver(self, approver: str, verb: str) -> None:
        if self.status != SUBMITTED:
            raise InvalidTransition(f"only a submitted timesheet can be {verb}; this one is {self.status}")
        if approver == self.person:
            raise NotPermitted(
                f"nobody may {verb.removesuffix('d').removesuffix('e')}e their own timesheet ({approver})"
            )

    def reject(self, approver: str, reason: str, on: date, meta: Meta) -> None:
        self._check_approver(approver, "rejected")
        if not reason.strip():
            raise InvalidValue("a rejection needs a reason")
        self.trigger_event(self.Rejected, approver=approver, reason=reason.strip(), **meta.stamp(on))

    def approve(
        self,
        approver: str,
        costs: dict[str, tuple[Decimal, str]],
        currency: str,
        on: date,
        meta: Meta,
        roles: Roles,
    ) -> None:
        """``costs``: entry id -> (cost rate valid on its day, cost center of the person that day)."""
        self._check_approver(approver, "approved")
        posting = Posting(currency, currency, roles=roles)
        total = Money.zero(currency)
        for entry_id, e in sorted(self.entries.items()):
            if e["hours"] <= 0:
                continue
            rate, cost_center = costs[entry_id]
            cost = Money(e["hours"] * rate, currency).rounded()
            posting.post(
                Role.SALARIES,
                cost.amount,
                party_id=self.person,
                document_id=str(self.id),
                cost_center=cost_center,
                project_id=str(e["project_id"]),
                memo=f"Labour {self.person} {e['day']}",
            )
            total += cost
        posting.post(
            Role.SALARIES_PAYABLE,
            -total.amount,
            party_id=self.person,
            document_id=str(self.id),
            memo=f"Labour {self.person}, week of {self.week}",
        )
        journal = posting.entry() if not total.is_zero() else []
        # Labour is cost of the week worked: the entry is dated the week's last day, whenever approved.
        self.trigger_event(self.Approved, approver=approver, journal=journal, **meta.stamp(self.week_end))

    @property
    def week_end(self) -> date:
        return self.week + timedelta(days=6)
