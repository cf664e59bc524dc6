"""Hypothesis walks an invoice through days of dunning (payments in part, paid, opt-outs and back):
never two reminders of one level, never a lower level after a higher one, never one for a paid
invoice, an opted-out customer, a remainder below the minimum or within the grace of a payment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.dunning import DunningLevel, OpenInvoice, owed_level

LEVELS = [
    DunningLevel(1, "Friendly reminder", 3, "friendly"),
    DunningLevel(2, "Second notice", 14, "second", Decimal("15.00"), "EUR"),
    DunningLevel(3, "Final notice", 30, "final"),
]
DUE = date(2026, 9, 1)

# A day of the story: how many days pass, and what happens to the invoice that day.
EVENTS = st.sampled_from(["nothing", "nothing", "partial payment", "paid", "opt out", "opt in"])


@given(
    steps=st.lists(st.tuples(st.integers(0, 20), EVENTS), min_size=1, max_size=25),
    grace=st.integers(0, 10),
    minimum=st.sampled_from([0, 10_00]),
)
def test_walking_an_invoice_through_dunning_never_reminds_twice_nor_wrongly(
    steps: list[tuple[int, str]], grace: int, minimum: int
) -> None:
    day, open_minor, opted_out, last_payment = DUE - timedelta(days=5), 500_00, False, None
    sent: list[int] = []
    for days, event in steps:
        day += timedelta(days=days)
        if event == "partial payment" and open_minor > 1_00:
            open_minor, last_payment = open_minor // 2, day
        elif event == "paid":
            open_minor = 0
        elif event in ("opt out", "opt in"):
            opted_out = event == "opt out"
        state = OpenInvoice(DUE, open_minor, last_payment, opted_out, frozenset(sent))
        level = owed_level(LEVELS, state, day, minimum, grace)
        if level is None:
            continue
        assert open_minor > 0 and open_minor >= minimum and not opted_out
        assert (day - DUE).days >= level.days_after_due
        assert last_payment is None or (day - last_payment).days >= grace
        sent.append(level.number)
    assert len(sent) == len(set(sent))  # never two reminders of one level
    assert sent == sorted(sent)  # never a lower level after a higher one
