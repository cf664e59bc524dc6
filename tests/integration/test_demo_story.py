"""The demo tells its quarter on its own clock (ADR 0026): each command is recorded at its moment in
the story, so "known at" over the demo shows what the agency's books knew on each day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from folds import trial_balance_from_the_log
from support import register

from api.demo import DemoRefused, demo_id, demo_story, load_demo
from api.demo.history import load_history
from api.system import Keel
from projections.crm.customer_360 import customer_360
from projections.finance.reports import trial_balance
from projections.finance.restatement import restatement

END_OF_JULY = date(2026, 7, 31)
FOURTH_OF_AUGUST = datetime(2026, 8, 4, tzinfo=UTC)  # what `--known-at 2026-08-04` means: its first moment


def balances(keel: Keel, as_of: date, known_at: datetime | None) -> dict[tuple[str, str], Decimal]:
    rows = trial_balance(keel.views, as_of, known_at).rows
    return {(r.account, r.currency): r.debit - r.credit for r in rows if r.debit - r.credit}


def test_the_story_is_the_same_on_every_run_and_goes_forward_at_office_hours() -> None:
    story = demo_story()
    assert story == demo_story()
    moments = [moment for moment, _ in story]
    assert moments == sorted(moments) and len(set(moments)) == len(moments)
    assert moments[0] == datetime(2026, 7, 1, 9, 0, tzinfo=UTC) and moments[-1].date() == date(2026, 9, 30)
    assert all(9 <= m.hour < 17 for m in moments)
    for moment, command in story:  # nothing is entered before its date
        assert command.on is None or command.on <= moment.date()


def test_each_command_is_recorded_at_its_moment_and_july_closes_on_4_august(keel: Keel) -> None:
    load_demo(keel.app)
    recorded = keel.app.recorded_times(1, keel.app.head_position())
    assert sorted(set(recorded.values())) == [moment for moment, _ in demo_story()]
    (first, second) = keel.app.closes()
    assert first[0] == END_OF_JULY and first[2] == datetime(2026, 8, 4, 9, 0, tzinfo=UTC)
    assert second[0] == END_OF_JULY and second[2].date() == date(2026, 8, 12)  # after the late bill


def test_july_as_known_on_4_august_is_the_log_folded_up_to_that_morning(keel: Keel) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    known_then = balances(keel, END_OF_JULY, FOURTH_OF_AUGUST)
    assert known_then and trial_balance(keel.views, END_OF_JULY, FOURTH_OF_AUGUST).balanced
    assert known_then == trial_balance_from_the_log(keel.app, END_OF_JULY, FOURTH_OF_AUGUST)
    assert known_then[("5000", "EUR")] == Decimal("1800.00")  # Pixel's illustrations only
    assert balances(keel, END_OF_JULY, None)[("5000", "EUR")] == Decimal("2440.00")  # and Copperline's, late


def test_the_restatement_of_july_names_the_late_copperline_bill(keel: Keel) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    _, position, closed_at = keel.app.closes()[0]
    found = restatement(keel.views, END_OF_JULY, closed_at, position, keel.functional_currency)
    (late,) = found.late_events
    assert late.memo == "Bill CL-2026-031 from Copperline Print" and late.source_id == str(
        demo_id("bill:copperline-31")
    )
    assert late.effective_date == date(2026, 7, 29) and late.recorded_at.date() == date(2026, 8, 12)
    assert {a.account: a.difference for a in found.accounts} == {
        "1200": Decimal("153.60"),
        "2000": Decimal("-793.60"),
        "5000": Decimal("640.00"),
    }
    assert all(a.explained_by == [late.position] for a in found.accounts)


def test_a_store_already_written_on_the_wall_clock_is_refused_and_left_as_it_was(keel: Keel) -> None:
    register(keel, "Walk-in customer")
    head = keel.app.head_position()
    with pytest.raises(DemoRefused, match=r"own clock, from 2026-07-01 09:00Z.*empty store"):
        load_demo(keel.app)
    assert keel.app.head_position() == head
    with pytest.raises(DemoRefused, match="the history"):
        load_history(keel.app, 300)
    assert keel.app.head_position() == head


def test_the_history_is_recorded_before_the_quarter_on_its_own_days(keel: Keel) -> None:
    load_history(keel.app, 800)
    history_head = keel.app.head_position()
    load_demo(keel.app)
    recorded = keel.app.recorded_times(1, keel.app.head_position())
    history = [recorded[p] for p in sorted(recorded) if p <= history_head]
    assert history == sorted(history)
    assert history[0] == datetime(2020, 1, 1, 17, 30, tzinfo=UTC)
    assert history[-1] <= datetime(2026, 6, 30, 17, 30, tzinfo=UTC)
    assert all((m.hour, m.minute) == (17, 30) for m in history)
    assert len({m.date() for m in history}) > 50  # told day by day, not in one moment
    assert recorded[history_head + 1] == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_the_customer_360_lists_what_the_customer_paid_into_the_bank(keel: Keel) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    view = customer_360(keel.views, str(demo_id("customer:northwind")), date(2026, 9, 30))
    assert view is not None
    assert [(p["on"], p["amount"]) for p in view.payments][-1] == (date(2026, 9, 4), Decimal("5000.00"))
    before = customer_360(keel.views, str(demo_id("customer:northwind")), date(2026, 9, 3))
    assert before is not None and date(2026, 9, 4) not in [p["on"] for p in before.payments]
