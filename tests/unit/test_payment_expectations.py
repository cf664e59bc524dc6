"""Finance's expected payment delay (ADR 0065): the delay in force on a date is the last decision
dated by it; a decision records nothing only when it changes nothing on its date — so a backdated
decision equal to the last one recorded, but not to the one in force then, is recorded."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from ledger.errors import InvalidValue
from ledger.events import Meta
from ledger.payment_expectations import PaymentExpectation

META = Meta(actor="finance")
SEP, OCT, LATE_OCT = date(2026, 9, 1), date(2026, 10, 10), date(2026, 10, 20)


def decided(*decisions: tuple[int | None, date]) -> tuple[PaymentExpectation, int]:
    """An expectation after these decisions, and how many of them recorded an event."""
    expectation = PaymentExpectation.open(uuid4(), SEP, META)
    expectation.collect_events()
    recorded = 0
    for days, on in decisions:
        expectation.expect(days, "", on, META)
        recorded += len(expectation.collect_events())
    return expectation, recorded


def test_a_backdated_decision_equal_to_the_last_one_is_recorded_when_another_was_in_force() -> None:
    expectation, recorded = decided((30, OCT), (30, SEP))
    assert recorded == 2 and expectation.in_force(date(2026, 9, 30)) == 30


def test_a_decision_equal_to_the_one_in_force_on_its_date_records_nothing_and_later_ones_still_win() -> None:
    expectation, recorded = decided((40, OCT), (30, SEP), (30, LATE_OCT))
    assert recorded == 3  # 40 was in force on 20 October
    assert [expectation.in_force(d) for d in (SEP, OCT, LATE_OCT)] == [30, 40, 30]
    expectation, recorded = decided((40, OCT), (None, SEP), (None, LATE_OCT))
    assert recorded == 2 and expectation.in_force(LATE_OCT) is None  # "observed" on 1 Sep was so already
    expectation, recorded = decided((40, OCT), (40, LATE_OCT))
    assert recorded == 1 and expectation.in_force(LATE_OCT) == 40


@pytest.mark.parametrize("days", [366, -366, True, 1.5, "30"])
def test_days_out_of_bounds_or_not_whole_are_refused(days: object) -> None:
    expectation = PaymentExpectation.open(uuid4(), SEP, META)
    with pytest.raises(InvalidValue, match="days"):
        expectation.expect(days, "", OCT, META)  # type: ignore[arg-type]
