"""A recurring invoice (a subscription): lines billed once per period, from a start to an end.

Each period drafts one invoice whose id derives from the subscription and the period's first day
(``invoice_id_for_period``), so a rerun, a second worker or a rebuild followed by a rerun can never
draft a second one; catching up several missed periods drafts one invoice per period. Lines change
from a date (the version in force on a period's first day bills it); pausing skips the periods that
begin while paused; ending stops the periods that begin after the end. The schedule and proration
are ``ledger.recurrence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.customer import _check_terms
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.invoice import Invoice
from ledger.invoice_lines import MAX_LINES, InvoiceLine
from ledger.money import minor_units
from ledger.recurrence import Period, check_schedule, months_of, periods, prorate

ACTIVE, PAUSED, ENDED = "active", "paused", "ended"


def invoice_id_for_period(subscription_id: UUID, period_start: date) -> UUID:
    """The invoice one period of a subscription drafts: one period, one invoice, ever."""
    return uuid5(NAMESPACE_URL, f"keel:recurring-invoice:{subscription_id}:{period_start.isoformat()}")


@dataclass(frozen=True, slots=True)
class LineVersion:
    """The lines in force from a day on."""

    effective_from: date
    lines: list[InvoiceLine]


class RecurringInvoice(KeelAggregate):
    TOPIC = "keel.RecurringInvoice"

    if TYPE_CHECKING:
        customer_id: UUID
        name: str
        currency: str
        frequency: str
        start: date
        anchor: date
        end: date | None
        auto_issue: bool
        payment_terms_days: int | None  # the customer's when None
        versions: list[LineVersion]
        pauses: list[tuple[date, date | None]]
        status: str
        last_billed: date | None  # the last day of the periods billed so far

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.recurring.Created.v1"

    class Set(Created):
        TOPIC = "keel.recurring.Set.v1"
        customer_id: UUID
        name: str
        currency: str
        frequency: str
        start: date
        anchor: date
        end: date | None
        auto_issue: bool
        payment_terms_days: int | None
        lines: list[InvoiceLine]

        def apply(self, sub: RecurringInvoice) -> None:
            sub.customer_id, sub.name, sub.currency = self.customer_id, self.name, self.currency
            sub.frequency, sub.start, sub.anchor, sub.end = self.frequency, self.start, self.anchor, self.end
            sub.auto_issue, sub.status = self.auto_issue, ACTIVE
            sub.payment_terms_days = self.payment_terms_days
            sub.versions, sub.pauses = [LineVersion(self.start, list(self.lines))], []
            sub.last_billed = None

    class LinesChanged(Event):
        """The lines billed for every period that begins on or after ``effective_from``."""

        TOPIC = "keel.recurring.LinesChanged.v1"
        effective_from: date
        lines: list[InvoiceLine]

        def apply(self, sub: RecurringInvoice) -> None:
            kept = [v for v in sub.versions if v.effective_from < self.effective_from]
            sub.versions = [*kept, LineVersion(self.effective_from, list(self.lines))]

    class Paused(Event):
        TOPIC = "keel.recurring.Paused.v1"
        paused_from: date

        def apply(self, sub: RecurringInvoice) -> None:
            sub.pauses, sub.status = [*sub.pauses, (self.paused_from, None)], PAUSED

    class Resumed(Event):
        TOPIC = "keel.recurring.Resumed.v1"
        resumed_from: date

        def apply(self, sub: RecurringInvoice) -> None:
            since, _ = sub.pauses[-1]
            sub.pauses, sub.status = [*sub.pauses[:-1], (since, self.resumed_from)], ACTIVE

    class Ended(Event):
        TOPIC = "keel.recurring.Ended.v1"
        end: date

        def apply(self, sub: RecurringInvoice) -> None:
            sub.end, sub.status = self.end, ENDED

    class PeriodBilled(Event):
        TOPIC = "keel.recurring.PeriodBilled.v1"
        period_start: date
        period_end: date
        invoice_id: UUID

        def apply(self, sub: RecurringInvoice) -> None:
            if sub.last_billed is None or self.period_end > sub.last_billed:
                sub.last_billed = self.period_end

    # -- commands ----------------------------------------------------------------------------

    @classmethod
    def set_up(
        cls,
        subscription_id: UUID,
        customer_id: UUID,
        name: str,
        currency: str,
        frequency: str,
        start: date,
        anchor: date | None,
        end: date | None,
        auto_issue: bool,
        lines: list[InvoiceLine],
        on: date,
        meta: Meta,
        payment_terms_days: int | None = None,
    ) -> RecurringInvoice:
        if not name.strip():
            raise InvalidValue("name: a recurring invoice needs a name")
        minor_units(currency)
        check_schedule(frequency, start, anchor or start, end)
        _check_lines(lines)
        if payment_terms_days is not None:
            _check_terms(payment_terms_days)
        return cls._create(
            cls.Set,
            id=subscription_id,
            customer_id=customer_id,
            name=name.strip(),
            currency=currency,
            frequency=frequency,
            start=start,
            anchor=anchor or start,
            end=end,
            auto_issue=auto_issue,
            payment_terms_days=payment_terms_days,
            lines=list(lines),
            **meta.stamp(on),
        )

    def _check_open(self, action: str) -> None:
        if self.status == ENDED:
            raise InvalidTransition(f"recurring invoice {self.name} has ended; it cannot {action}")

    def change_lines(self, effective_from: date, lines: list[InvoiceLine], on: date, meta: Meta) -> None:
        self._check_open("change")
        _check_lines(lines)
        if effective_from < self.start:
            raise InvalidValue(f"from: {effective_from} is before the start {self.start}")
        billed = self.last_billed
        if billed is not None and effective_from <= billed:
            raise InvalidValue(f"from: periods up to {billed} are billed already; change from a later day")
        self.trigger_event(self.LinesChanged, effective_from=effective_from, lines=list(lines), **meta.stamp(on))

    def pause(self, paused_from: date, on: date, meta: Meta) -> None:
        self._check_open("be paused")
        if self.status == PAUSED:
            raise InvalidTransition(f"recurring invoice {self.name} is paused already")
        self.trigger_event(self.Paused, paused_from=paused_from, **meta.stamp(on))

    def resume(self, resumed_from: date, on: date, meta: Meta) -> None:
        if self.status != PAUSED:
            raise InvalidTransition(f"recurring invoice {self.name} is {self.status}, not paused")
        if resumed_from < self.pauses[-1][0]:
            raise InvalidValue(f"from: {resumed_from} is before the pause began ({self.pauses[-1][0]})")
        self.trigger_event(self.Resumed, resumed_from=resumed_from, **meta.stamp(on))

    def end_on(self, end: date, on: date, meta: Meta) -> None:
        self._check_open("end again")
        if end < self.start:
            raise InvalidValue(f"end: {end} is before the start {self.start}")
        billed = self.last_billed
        if billed is not None and end < billed:
            raise InvalidValue(f"end: periods up to {billed} are billed already; end on or after it")
        self.trigger_event(self.Ended, end=end, **meta.stamp(on))

    # -- billing -----------------------------------------------------------------------------

    def owed(self, as_of: date) -> list[Period]:
        """The periods begun by ``as_of`` that are not paused (billed or not: ids make them once)."""
        found = periods(self.frequency, self.start, self.anchor, self.end, as_of)
        return [p for p in found if not self._paused_on(p.start)]

    def _paused_on(self, day: date) -> bool:
        return any(since <= day and (until is None or day < until) for since, until in self.pauses)

    def lines_on(self, day: date) -> list[InvoiceLine]:
        return next(v.lines for v in reversed(self.versions) if v.effective_from <= day)

    def bill(self, period: Period, on: date, meta: Meta, series: str = "INV") -> Invoice:
        """Draft the period's invoice (its id derives from the period) and record the period billed."""
        if period not in self.owed(period.start):
            raise InvalidValue(f"period: {period.start} is not a period of {self.name}")
        lines = [_for_period(line, period, self.currency) for line in self.lines_on(period.start)]
        invoice = Invoice.draft(
            invoice_id_for_period(self.id, period.start), self.customer_id, self.currency, lines, on, meta, series
        )
        self.trigger_event(
            self.PeriodBilled,
            period_start=period.start,
            period_end=period.end,
            invoice_id=invoice.id,
            **meta.stamp(on),
        )
        return invoice


def _check_lines(lines: list[InvoiceLine]) -> None:
    if not lines:
        raise InvalidValue("lines: a recurring invoice needs at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidValue(f"lines: at most {MAX_LINES}")


def _for_period(line: InvoiceLine, period: Period, currency: str) -> InvoiceLine:
    """The line as billed for one period: it says which, and a partial period is prorated by days."""
    days = f", {period.days_billed} of {period.days} days" if period.prorated else ""
    description = f"{line.description[:440]} ({period.start} to {period.end}{days})"
    return InvoiceLine(
        description,
        line.quantity,
        prorate(line.unit_price, period, currency),
        line.tax_rate,
        line.tax_inclusive,
        line.discount_percent,
        line.service_code,
    )


__all__ = ["ACTIVE", "ENDED", "PAUSED", "RecurringInvoice", "invoice_id_for_period", "months_of"]
