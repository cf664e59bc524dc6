"""Every report at (as_of, known_at) equals a from-scratch replay of exactly the events known at
known_at, folded by effective date — for random histories with backdated events and late
recordings (each recording moves "now" on, and earlier-dated events keep arriving)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from test_ledger_properties import START, Model, fresh_keel, ops, run

from api.system import Keel
from ledger.accounts import RECEIVABLES
from projections.reports import receivables, trial_balance


def replay_balances(keel: Keel, position: int, as_of: date) -> dict[tuple[str, str], Decimal]:
    """Sum the journal lines of the first ``position`` events dated on or before ``as_of``."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for _, event in keel.app.read_log(0, position):
        if event.effective_date > as_of:
            continue
        for line in getattr(event, "journal", None) or []:
            sums[(line.account, line.currency)] += line.amount
    return {k: v for k, v in sums.items() if v}


def reported_balances(keel: Keel, as_of: date, known_at: Any) -> dict[tuple[str, str], Decimal]:
    tb = trial_balance(keel.views, as_of, known_at)
    return {(r.account, r.currency): r.debit - r.credit for r in tb.rows if r.debit - r.credit}


@given(
    ops,
    st.lists(st.tuples(st.integers(0, 130), st.floats(0, 1)), min_size=1, max_size=6),
)
def test_every_report_at_any_two_moments_equals_a_replay_of_what_was_known_then(
    history: list[tuple[Any, ...]], probes: list[tuple[int, float]]
) -> None:
    with fresh_keel() as keel:
        run(keel, Model(), history)
        keel.engine.catch_up()
        head = keel.app.head_position()
        for days, fraction in probes:
            as_of = START + timedelta(days=days)
            moment = keel.app.moment_of(max(1, round(head * fraction)))
            assert moment is not None
            position = keel.app.position_at(moment)  # the whole transaction of that event is known
            known_at = keel.app.moment_of(position)
            expected = replay_balances(keel, position, as_of)
            assert reported_balances(keel, as_of, known_at) == expected
            receivable = sum((r.receivable for r in receivables(keel.views, as_of, known_at).rows), Decimal(0))
            assert receivable == sum((v for (a, _), v in expected.items() if a == RECEIVABLES), Decimal(0))
