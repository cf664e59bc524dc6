"""Dunning levels as data: which level an overdue invoice owes on a day, and levels that are refused
naming the field (tests/properties/test_dunning_properties.py walks invoices through many days)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.dunning import DunningLevel, OpenInvoice, check_levels, owed_level
from ledger.errors import InvalidValue

LEVELS = [
    DunningLevel(1, "Friendly reminder", 3, "friendly"),
    DunningLevel(2, "Second notice", 14, "second", Decimal("15.00"), "EUR"),
    DunningLevel(3, "Final notice", 30, "final"),
]
DUE = date(2026, 9, 1)


def open_invoice(**changes: object) -> OpenInvoice:
    fields: dict[str, object] = {
        "due_date": DUE,
        "open_minor": 100_00,
        "last_payment": None,
        "opted_out": False,
        "reminded_levels": frozenset(),
    }
    return OpenInvoice(**(fields | changes))  # type: ignore[arg-type]


def owed(on: date, minimum: int = 0, grace: int = 0, **changes: object) -> int | None:
    level = owed_level(LEVELS, open_invoice(**changes), on, minimum, grace)
    return level.number if level else None


def test_each_level_comes_on_its_day_after_the_due_date() -> None:
    assert owed(DUE) is None and owed(DUE + timedelta(days=2)) is None
    assert owed(DUE + timedelta(days=3)) == 1
    assert owed(DUE + timedelta(days=14)) == 2
    assert owed(DUE + timedelta(days=45)) == 3


def test_a_customer_who_reaches_level_2_before_level_1_was_sent_gets_level_2_only() -> None:
    assert owed(DUE + timedelta(days=20)) == 2
    assert owed(DUE + timedelta(days=20), reminded_levels=frozenset({2})) is None
    assert owed(DUE + timedelta(days=20), reminded_levels=frozenset({1})) == 2


def test_a_paid_invoice_an_opted_out_customer_and_a_small_remainder_get_nothing() -> None:
    late = DUE + timedelta(days=40)
    assert owed(late, open_minor=0) is None
    assert owed(late, opted_out=True) is None
    assert owed(late, minimum=10_00, open_minor=9_99) is None
    assert owed(late, minimum=10_00, open_minor=10_00) == 3


def test_a_partial_payment_holds_reminders_for_the_grace_days() -> None:
    late = DUE + timedelta(days=40)
    assert owed(late, grace=7, last_payment=late - timedelta(days=6)) is None
    assert owed(late, grace=7, last_payment=late - timedelta(days=7)) == 3


@pytest.mark.parametrize(
    ("levels", "field"),
    [
        ([DunningLevel(1, "A", 3, "friendly"), DunningLevel(3, "B", 14, "second")], "levels[1].number"),
        ([DunningLevel(1, "A", 14, "friendly"), DunningLevel(2, "B", 3, "second")], "levels[1].days_after_due"),
        ([DunningLevel(1, "A", 3, "shouting")], "levels[0].template"),
        ([DunningLevel(1, " ", 3, "friendly")], "levels[0].name"),
        ([DunningLevel(1, "A", 400, "friendly")], "levels[0].days_after_due"),
        ([DunningLevel(1, "A", 3, "friendly", Decimal("-1"), "EUR")], "levels[0].fee"),
        ([DunningLevel(1, "A", 3, "friendly", Decimal("1.001"), "EUR")], "levels[0].fee"),
        ([DunningLevel(1, "A", 3, "friendly", Decimal("1"), "XXY")], "levels[0].fee"),
    ],
)
def test_invalid_levels_are_refused_naming_the_field(levels: list[DunningLevel], field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_levels(levels)
    assert str(refused.value).startswith(f"{field}: ")


def test_levels_come_back_in_their_order() -> None:
    assert [x.number for x in check_levels(list(reversed(LEVELS)))] == [1, 2, 3]
