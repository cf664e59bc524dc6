"""The ledger's reports at (as_of, known_at) (trial balance, receivables, ageing, profit and loss,
customers' payment delays, the cash forecast's open documents) equal
a from-scratch replay of exactly the events known at known_at, folded by effective date, for
random histories with backdated events and late recordings (each recording moves "now" on, and
earlier-dated events keep arriving)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import replay_balances, replay_open_items, reported_balances, reported_open_items
from test_ledger_properties import START, Model, fresh_keel, ops, run

import projections.finance.general_ledger as general_ledger
from api.system import Keel
from ledger.accounts import PAYABLES, RECEIVABLES, AccountType
from ledger.chart_templates import default_account as account
from ledger.invoice import Invoice
from ledger.payables import Bill
from projections.cash.forecasts import forecast
from projections.cash.timing import payment_delays
from projections.finance.general_ledger import YEAR_CLOSE_TOPIC
from projections.finance.reports import profit_and_loss, receivables


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
            for kind, code in (("receivables", RECEIVABLES), ("payables", PAYABLES)):
                assert reported_open_items(keel, kind, as_of, known_at) == replay_open_items(
                    keel, position, as_of, code
                )
            assert payment_delays(keel.views, as_of, known_at) == replay_delays(keel, position, as_of)
            said = forecast(keel.views, as_of, as_of + timedelta(days=60), "week", "EUR", known_at, limit=1000)
            from_documents: dict[tuple[str, str, date], Decimal] = defaultdict(Decimal)
            for item in said.items:
                if item.source in ("receivable", "payable"):
                    from_documents[(item.source, item.document_id, item.expected_on)] += item.amount
            horizon = said.periods[-1].end
            assert dict(from_documents) == replay_expected_documents(keel, position, as_of, horizon)
            assert reported_balances(keel, as_of, None) == replay_balances(keel, head, as_of)
            # A month to date, and a window from any day (whole months inside it, partial ones around).
            for start in (as_of.replace(day=1), START + timedelta(days=days // 3)):
                pl = profit_and_loss(keel.views, start, as_of, "EUR", known_at)
                assert {ln.account: ln.amount for ln in [*pl.income, *pl.expenses]} == replay_result(
                    keel, position, start, as_of
                ), (start, as_of)


def replay_result(keel: Keel, position: int, start: date, end: date) -> dict[str, Decimal]:
    """Income and expense accounts' movements between two dates, on their normal side, from the log."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for _, event in keel.app.read_log(0, position):
        if start <= event.effective_date <= end and type(event).TOPIC != YEAR_CLOSE_TOPIC:
            for line in getattr(event, "journal", None) or []:
                kind = account(line.account).type
                if kind in (AccountType.INCOME, AccountType.EXPENSE):
                    sums[line.account] += line.value if kind is AccountType.EXPENSE else -line.value
    return {code: value for code, value in sums.items() if value}


def replay_expected_documents(
    keel: Keel, position: int, as_of: date, horizon: date
) -> dict[tuple[str, str, date], Decimal]:
    """Open receivables and payables (in value) by the day the forecast expects them: the due
    date the log gave their document, moved by the customer's replayed delay, not before tomorrow."""
    due: dict[str, date] = {}
    open_values: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for _, event in keel.app.read_log(0, position):
        if isinstance(event, Invoice.Issued | Bill.Recorded):
            due[str(event.originator_id)] = event.due_date
        lines = getattr(event, "journal", None) or [] if event.effective_date <= as_of else []
        for line in lines:
            if line.account in (RECEIVABLES, PAYABLES):
                source = "receivable" if line.account == RECEIVABLES else "payable"
                open_values[(source, str(line.document_id or ""), str(line.party_id or ""))] += line.value
    delays = replay_delays(keel, position, as_of)
    expected: dict[tuple[str, str, date], Decimal] = defaultdict(Decimal)
    for (source, document, party), value in open_values.items():
        delay = delays.get(party, Decimal(0)) if source == "receivable" else Decimal(0)
        moved = due.get(document, as_of) + timedelta(days=int(delay.to_integral_value()))
        on = max(as_of + timedelta(days=1), moved)
        if value and on <= horizon:
            expected[(source, document, on)] += value
    return dict(expected)


def replay_delays(keel: Keel, position: int, as_of: date) -> dict[str, Decimal]:
    """Per customer, payments on invoices weighted by their days after the due date, from the log."""
    due: dict[str, date] = {}
    paid: dict[str, Decimal] = defaultdict(Decimal)
    late: dict[str, Decimal] = defaultdict(Decimal)
    for _, event in keel.app.read_log(0, position):
        if isinstance(event, Invoice.Issued):
            due[str(event.originator_id)] = event.due_date
        if not type(event).TOPIC.startswith("keel.payment.") or event.effective_date > as_of:
            continue
        for line in event.journal:
            if line.account == RECEIVABLES and line.value < 0 and str(line.document_id) in due:
                paid[str(line.party_id)] -= line.value
                late[str(line.party_id)] -= line.value * (event.effective_date - due[str(line.document_id)]).days
    return {party: (late[party] / paid[party]).quantize(Decimal("0.1")) for party in paid if paid[party]}
