"""An open item's spans are the canonical form of its balance over business dates: whatever the
order its lines arrive in (backdated ones included), they give its balance on every day, hold no
zero balance, and never split a run of equal balances."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from projections.finance.open_items import Span, with_line

START = date(2026, 1, 1)
lines = st.lists(st.tuples(st.integers(0, 40), st.integers(-3, 3), st.integers(-3, 3)), max_size=12)


def fold(items: list[tuple[int, int, int]]) -> list[Span]:
    spans: list[Span] = []
    for days, amount, value in items:
        spans = with_line(spans, START + timedelta(days=days), amount, value)
    return spans


@given(lines, st.randoms(use_true_random=False))
def test_spans_give_the_balance_on_every_day_whatever_the_arrival_order(
    items: list[tuple[int, int, int]], rng: Random
) -> None:
    spans = fold(items)
    for day in range(-1, 45):
        on = START + timedelta(days=day)
        expected = (sum(a for d, a, _ in items if d <= day), sum(v for d, _, v in items if d <= day))
        held = [(a, v) for f, t, a, v in spans if f <= on < t]
        assert held == ([expected] if expected != (0, 0) else [])
    for (_, end, *balance), (start, _, *following) in pairwise(spans):
        assert end <= start and (end < start or balance != following)  # ordered, apart, merged
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert fold(shuffled) == spans
