"""Every report at (as_of, known_at) equals a from-scratch replay of exactly the events known at
known_at, folded by effective date — for random histories with backdated events and late
recordings (each recording moves "now" on, and earlier-dated events keep arriving)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import replay_balances, reported_balances
from test_ledger_properties import START, Model, fresh_keel, ops, run

import projections.general_ledger as general_ledger
from ledger.accounts import RECEIVABLES
from projections.reports import receivables


@pytest.fixture(autouse=True, scope="module")
def small_log_segments() -> Any:
    """Segments of three positions, so balances combine monthly sums over many segments with the
    lines of the unfinished one, as in a log of millions of events."""
    before, general_ledger.SEGMENT = general_ledger.SEGMENT, 3
    yield
    general_ledger.SEGMENT = before


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
            assert reported_balances(keel, as_of, None) == replay_balances(keel, head, as_of)
