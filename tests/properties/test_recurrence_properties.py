"""A recurring invoice's periods tile time (no gap, no overlap), a first partial period and a last
one cut short by the end are prorated by days with explicit rounding, and one period never drafts
two invoices (issue 19 item 5, ADR 0044)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidValue
from ledger.events import Meta
from ledger.invoice_lines import make_line
from ledger.recurrence import MONTHS, Period, add_months, check_schedule, periods, prorate
from ledger.recurring import RecurringInvoice, invoice_id_for_period

META = Meta(actor="property")
frequencies = st.sampled_from(sorted(MONTHS))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@st.composite
def schedules(draw: st.DrawFn) -> tuple[str, date, date, date | None]:
    frequency, start = draw(frequencies), draw(days)
    anchor = draw(st.dates(min_value=start, max_value=add_months(start, MONTHS[frequency]) - timedelta(days=1)))
    end = draw(st.none() | st.dates(min_value=start, max_value=start + timedelta(days=2000)))
    return frequency, start, anchor, end


@given(schedules(), st.integers(0, 3000))
def test_periods_tile_time_from_the_start_without_gap_or_overlap(schedule: tuple, horizon: int) -> None:
    frequency, start, anchor, end = schedule
    until = start + timedelta(days=horizon)
    found = list(periods(frequency, start, anchor, end, until))
    assert found and found[0].start == start
    for before, after in pairwise(found):
        assert after.start == before.end + timedelta(days=1)
    for p in found:
        assert p.start <= until and (end is None or p.start <= end)
        assert 0 < p.days_billed <= p.days
        assert p.days_billed == (p.end - p.start).days + 1
    # Only a first period before the anchor and a last one the end cuts short are prorated.
    for n, p in enumerate(found):
        cut = end is not None and p.end == end and p.days_billed < p.days
        assert p.prorated == ((n == 0 and start < anchor) or cut)
        assert end is None or p.end <= end  # never a day after the last one served
    # Nothing begun by the date is left out.
    following = found[-1].end + timedelta(days=1)
    assert following > until or (end is not None and following > end)


@given(schedules(), st.integers(0, 800), st.integers(0, 800))
def test_a_later_run_only_adds_periods_it_never_changes_one(schedule: tuple, a: int, b: int) -> None:
    frequency, start, anchor, end = schedule
    early = list(periods(frequency, start, anchor, end, start + timedelta(days=min(a, b))))
    late = list(periods(frequency, start, anchor, end, start + timedelta(days=max(a, b))))
    assert late[: len(early)] == early


@given(
    st.decimals(min_value=0, max_value=Decimal("1e9"), places=2),
    st.integers(1, 366),
    st.data(),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_proration_of_both_parts_of_a_period_sums_to_its_price_within_one_minor_unit(
    price: Decimal, length: int, data: st.DataObject, currency: str
) -> None:
    served = data.draw(st.integers(1, length))
    quantum = {"EUR": Decimal("0.01"), "JPY": Decimal(1), "KWD": Decimal("0.001")}[currency]
    price = price.quantize(quantum)
    first = prorate(price, Period(date(2026, 1, 1), date(2026, 1, 1), served, length), currency)
    rest = Decimal(0)  # nothing is left of a period served whole
    if served < length:
        rest = prorate(price, Period(date(2026, 1, 1), date(2026, 1, 1), length - served, length), currency)
    assert 0 <= first <= price and first == first.quantize(quantum)
    assert abs(first + rest - price) <= quantum
    assert first == price or served < length


def test_a_start_mid_month_is_prorated_by_days_and_the_line_says_which_period() -> None:
    sub = _subscription(start=date(2026, 9, 15), anchor=date(2026, 10, 1))
    first, second = sub.owed(date(2026, 10, 15))
    invoice = sub.bill(first, date(2026, 10, 15), META)
    (line,) = invoice.lines
    assert line.unit_price == Decimal("80.00")  # 150.00 x 16 / 30, half-up
    assert line.description == "Hosting (2026-09-15 to 2026-09-30, 16 of 30 days)"
    assert sub.bill(second, date(2026, 10, 15), META).lines[0].unit_price == Decimal("150.00")


@given(st.lists(st.integers(0, 500), min_size=1, max_size=6))
def test_one_period_never_drafts_two_invoices_however_often_it_is_run(runs: list[int]) -> None:
    sub = _subscription(start=date(2026, 1, 31), anchor=date(2026, 1, 31), frequency="monthly")
    ids: dict[date, set[object]] = {}
    for offset in runs:  # every run drafts what it finds owed; the ids are what the store keys on
        for period in sub.owed(date(2026, 1, 31) + timedelta(days=offset)):
            ids.setdefault(period.start, set()).add(invoice_id_for_period(sub.id, period.start))
    assert all(len(found) == 1 for found in ids.values())
    assert len({i for found in ids.values() for i in found}) == len(ids)


def test_a_schedule_is_checked_naming_the_field() -> None:
    for args, field in (
        (("weekly", date(2026, 1, 1), date(2026, 1, 1), None), "frequency"),
        (("monthly", date(2026, 1, 10), date(2026, 1, 1), None), "anchor"),
        (("monthly", date(2026, 1, 10), date(2026, 2, 10), None), "anchor"),
        (("monthly", date(2026, 1, 10), date(2026, 1, 10), date(2026, 1, 9)), "end"),
    ):
        try:
            check_schedule(*args)
        except InvalidValue as exc:
            assert str(exc).startswith(f"{field}:")
        else:
            raise AssertionError(f"{args} accepted")


def _subscription(start: date, anchor: date, frequency: str = "monthly") -> RecurringInvoice:
    return RecurringInvoice.set_up(
        uuid4(),
        uuid4(),
        "Hosting",
        "EUR",
        frequency,
        start,
        anchor,
        None,
        False,
        [make_line("Hosting", 1, "150.00", 24)],
        start,
        META,
    )
