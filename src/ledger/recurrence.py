"""When a recurring invoice bills: its periods, and what a partial period costs.

Periods are counted from an *anchor* date in whole months (1, 3 or 12): period k begins on the
anchor's day of month, k x months after it (the 31st becomes the month's last day when the month
is shorter), and ends the day before period k+1 begins, so periods tile time with no gap and no
overlap. A subscription that starts before its anchor has a first *partial* period from the start
to the day before the anchor; it is prorated by days: the price of a full period times days served
over the days of the full period that ends where the anchor begins, rounded half-up to the
currency's minor unit (``prorate``). A last period the end cuts short is prorated the same way.
Periods are billed in advance: a period is owed once it has begun (its first day is on or before
the run's date).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ledger.errors import InvalidValue
from ledger.money import minor_units

MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # the last day, inclusive
    days_billed: int  # the days of it that are served (less than days for a prorated first period)
    days: int  # the days of the full period the price is for

    @property
    def key(self) -> str:
        """What names the period in an invoice id and a line: its first day."""
        return self.start.isoformat()

    @property
    def prorated(self) -> bool:
        return self.days_billed != self.days


def months_of(frequency: str) -> int:
    try:
        return MONTHS[frequency]
    except KeyError:
        raise InvalidValue(f"frequency: monthly, quarterly or yearly, not {frequency[:40]!r}") from None


def add_months(anchor: date, months: int) -> date:
    """The anchor's day, ``months`` later (the month's last day when that month is shorter)."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise InvalidValue(f"{anchor} plus {months} months is out of range")
    return date(year, month + 1, min(anchor.day, monthrange(year, month + 1)[1]))


def check_schedule(frequency: str, start: date, anchor: date, end: date | None) -> None:
    """A start no later than the anchor and less than one period before it; an end on or after the start."""
    months = months_of(frequency)
    if anchor < start:
        raise InvalidValue(f"anchor: {anchor} is before the start {start}")
    if add_months(anchor, -months) >= start and anchor != start:
        raise InvalidValue(f"anchor: {anchor} is a whole period or more after the start {start}")
    if end is not None and end < start:
        raise InvalidValue(f"end: {end} is before the start {start}")


def periods(frequency: str, start: date, anchor: date, end: date | None, until: date) -> Iterator[Period]:
    """The periods that have begun by ``until`` (and on or before ``end``, when given), in order.

    The period in which ``end`` falls stops there and is prorated like a first partial one: the
    customer pays for the days served, no more."""
    months = months_of(frequency)
    last = min(until, end) if end is not None else until
    if start < anchor and start <= last:
        full = (anchor - add_months(anchor, -months)).days
        yield _cut(Period(start, anchor - timedelta(days=1), (anchor - start).days, full), end)
    k = 0
    while (begins := add_months(anchor, k * months)) <= last:
        following = add_months(anchor, (k + 1) * months)
        days = (following - begins).days
        yield _cut(Period(begins, following - timedelta(days=1), days, days), end)
        k += 1


def _cut(period: Period, end: date | None) -> Period:
    """The period up to ``end`` when the subscription ends within it."""
    if end is None or end >= period.end:
        return period
    return Period(period.start, end, period.days_billed - (period.end - end).days, period.days)


def prorate(price: Decimal, period: Period, currency: str) -> Decimal:
    """A full period's price for the days served, rounded half-up to the currency's minor unit."""
    if not period.prorated:
        return price
    quantum = Decimal(1).scaleb(-minor_units(currency))
    return (price * period.days_billed / period.days).quantize(quantum, rounding=ROUND_HALF_UP)
