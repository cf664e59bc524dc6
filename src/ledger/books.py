"""The books: functional currency, the lock date of closed periods, closed fiscal years, and
whether documents are numbered in date order (strict numbering, ADR 0038).

Every command that posts checks the books first: nothing may be dated on or before the
lock date. Corrections go into the open period and say what they correct.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, uuid5

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine
from ledger.money import minor_units

BOOKS_ID = uuid5(NAMESPACE_URL, "keel:books")


class PeriodLocked(InvalidTransition):
    """The command is dated in a closed period."""


class Books(KeelAggregate):
    TOPIC = "keel.Books"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        functional_currency: str
        lock_date: date | None
        closed_years: list[int]
        strict_numbering: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.books.Created.v1"

    class Opened(Created):
        TOPIC = "keel.books.Opened.v1"
        functional_currency: str

        def apply(self, books: Books) -> None:
            books.functional_currency = self.functional_currency
            books.lock_date = None
            books.closed_years = []
            books.strict_numbering = False

    class PeriodClosed(Event):
        TOPIC = "keel.books.PeriodClosed.v1"
        lock_date: date

        def apply(self, books: Books) -> None:
            books.lock_date = self.lock_date

    class PeriodReopened(Event):
        """The lock date moved back (or away, when None) so late postings can be made; the
        restatement report shows what they changed against what was known at the close."""

        TOPIC = "keel.books.PeriodReopened.v1"
        lock_date: date | None
        reason: str

        def apply(self, books: Books) -> None:
            books.lock_date = self.lock_date

    class YearClosed(Event):
        """The year's result moved to retained earnings (the effective date is the year end)."""

        TOPIC = "keel.books.YearClosed.v1"
        year: int
        journal: list[JournalLine]

        def apply(self, books: Books) -> None:
            books.closed_years = [*books.closed_years, self.year]

    class NumberingSet(Event):
        """Strict numbering on or off: with it, no invoice or credit note is issued dated before
        the last one issued in its series."""

        TOPIC = "keel.books.NumberingSet.v1"
        strict: bool

        def apply(self, books: Books) -> None:
            books.strict_numbering = self.strict

    @property
    def numbers_in_date_order(self) -> bool:
        # books (and their snapshots) from before the setting: not strict
        return bool(getattr(self, "strict_numbering", False))

    def set_numbering(self, strict: bool, on: date, meta: Meta) -> None:
        if strict == self.numbers_in_date_order:
            raise InvalidTransition(f"strict numbering is already {'on' if strict else 'off'}")
        self.trigger_event(self.NumberingSet, strict=strict, **meta.stamp(on))

    @classmethod
    def open(cls, functional_currency: str, on: date, meta: Meta) -> Books:
        minor_units(functional_currency)
        return cls._create(cls.Opened, id=BOOKS_ID, functional_currency=functional_currency, **meta.stamp(on))

    def check_open(self, on: date, what: str = "this command") -> None:
        if self.lock_date is not None and on <= self.lock_date:
            raise PeriodLocked(
                f"the books are closed up to {self.lock_date}; {what} is dated {on}. "
                "Post a correction in the open period instead"
            )

    def close_period(self, lock_date: date, on: date, meta: Meta) -> None:
        if self.lock_date is not None and lock_date <= self.lock_date:
            raise InvalidTransition(
                f"the books are already closed up to {self.lock_date}; a lock date only moves forward"
            )
        if lock_date >= on:
            raise InvalidValue(f"a period can only be closed once it has ended: {lock_date} is not before {on}")
        self.trigger_event(self.PeriodClosed, lock_date=lock_date, **meta.stamp(on))

    def reopen_period(self, lock_date: date | None, reason: str, on: date, meta: Meta) -> None:
        if self.lock_date is None:
            raise InvalidTransition("the books are not closed; there is nothing to reopen")
        if lock_date is not None and lock_date >= self.lock_date:
            raise InvalidTransition(f"reopening moves the lock date back from {self.lock_date}; {lock_date} does not")
        if not reason.strip():
            raise InvalidValue("reopening closed books needs a reason, for the audit trail")
        reopened_from = (lock_date.year if lock_date else 0) + 1
        if any(year >= reopened_from for year in self.closed_years):
            raise InvalidTransition(f"fiscal year {max(self.closed_years)} is closed; its periods cannot be reopened")
        self.trigger_event(self.PeriodReopened, lock_date=lock_date, reason=reason.strip()[:500], **meta.stamp(on))

    def check_year_closable(self, year: int) -> None:
        year_end = date(year, 12, 31)
        if year in self.closed_years:
            raise InvalidTransition(f"fiscal year {year} is already closed")
        if self.lock_date is None or self.lock_date < year_end:
            raise InvalidTransition(f"close the period up to {year_end} before closing the year {year}")
        if any(y > year for y in self.closed_years):
            raise InvalidTransition(f"a later year is already closed; cannot close {year}")

    def close_year(self, year: int, journal: list[JournalLine], meta: Meta) -> None:
        self.check_year_closable(year)
        year_end = date(year, 12, 31)
        self.trigger_event(self.YearClosed, year=year, journal=journal, **meta.stamp(year_end))
