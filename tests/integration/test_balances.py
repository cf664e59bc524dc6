"""Balances read whole months from monthly sums per log segment and only the rest from the lines;
receivables and ageing read open items. On both backends, with segments small enough that the
demo spans dozens, every trial balance, every customer's receivable and every open document at
(as_of, known_at) equal a replay of the events known then."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from support import replay_balances, replay_open_items, reported_balances, reported_open_items

import projections.finance.general_ledger as general_ledger
from api.demo import load_demo
from api.system import Keel
from ledger.accounts import PAYABLES, RECEIVABLES
from projections.finance.reports import receivables


def replay_receivables(keel: Keel, position: int, as_of: date) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for _, event in keel.app.read_log(0, position):
        if event.effective_date <= as_of:
            for line in getattr(event, "journal", None) or []:
                if line.account == RECEIVABLES:
                    sums[str(line.party_id)] += line.amount
    return {party: amount for party, amount in sums.items() if amount}


@pytest.fixture(autouse=True)
def small_log_segments() -> Iterator[None]:
    before, general_ledger.SEGMENT = general_ledger.SEGMENT, 7
    yield
    general_ledger.SEGMENT = before


def test_balances_and_open_items_equal_a_replay_at_every_moment(keel: Keel) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    head = keel.app.head_position()
    with keel.views.read() as cur:
        cur.execute("SELECT COUNT(DISTINCT segment), COUNT(DISTINCT month) FROM gl_month_sums")
        assert cur.fetchone() >= (10, 3)  # type: ignore[operator]
    for position in range(1, head + 1, 9):
        known_at = keel.app.moment_of(keel.app.position_at(keel.app.moment_of(position)))  # type: ignore[arg-type]
        at = keel.app.position_at(known_at)  # type: ignore[arg-type]
        for as_of in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 8, 14), date(2026, 9, 30), date(2026, 12, 31)):
            assert reported_balances(keel, as_of, known_at) == replay_balances(keel, at, as_of), (position, as_of)
            owed = {r.customer_id: r.receivable for r in receivables(keel.views, as_of, known_at).rows if r.receivable}
            assert owed == replay_receivables(keel, at, as_of), (position, as_of)
            for kind, code in (("receivables", RECEIVABLES), ("payables", PAYABLES)):
                expected = replay_open_items(keel, at, as_of, code)
                assert reported_open_items(keel, kind, as_of, known_at) == expected, (kind, position, as_of)
    for as_of in (date(2026, 7, 31), date(2026, 9, 1) - timedelta(days=1)):
        assert reported_balances(keel, as_of, None) == replay_balances(keel, head, as_of)
        assert reported_open_items(keel, "receivables", as_of, None) == replay_open_items(
            keel, head, as_of, RECEIVABLES
        )
