"""Restatement: the books as of a period's end as known when it was closed, against as known now,
account by account, with the late events (recorded after the close, dated on or before the
period's end) that explain every difference, each named by its journal's memo. The late lines of
an account always sum to its difference, because both sides sum the same journal lines.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from ledger.money import Money
from projections.engine.db import ViewDatabase
from projections.engine.sql import as_date, as_datetime
from projections.finance.chart import labels
from projections.finance.general_ledger import account_balances
from projections.finance.scope import ReportScope, read_position


@dataclass(frozen=True)
class RestatedAccount:
    account: str
    name: str
    type: str
    at_close: Decimal
    now: Decimal
    difference: Decimal
    explained_by: list[int]  # positions of the late events that touch this account


@dataclass(frozen=True)
class LateLine:
    account: str
    value: Decimal


@dataclass(frozen=True)
class LateEvent:
    position: int
    recorded_at: datetime
    effective_date: date
    source_id: str
    event_topic: str
    lines: list[LateLine]
    memo: str = ""  # what its journal says it is, e.g. "Bill CL-2026-031 from Copperline Print"


@dataclass(frozen=True)
class Restatement:
    scope: ReportScope
    end: date
    closed_at: datetime
    close_position: int
    known_at: datetime | None
    currency: str
    accounts: list[RestatedAccount]
    late_events: list[LateEvent]

    @property
    def restated(self) -> bool:
        return bool(self.accounts)


def restatement(
    db: ViewDatabase,
    end: date,
    closed_at: datetime,
    close_position: int,
    functional_currency: str,
    known_at: datetime | None = None,
) -> Restatement:
    def amount(minor: int) -> Decimal:
        return Money.from_minor(int(minor), functional_currency).amount

    now_sql, now_params = ("AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    with db.read() as cur:
        # Both balances from the monthly sums (constant time, see general_ledger.account_balances).
        then_values: dict[str, int] = defaultdict(int)
        now_values: dict[str, int] = defaultdict(int)
        for values, moment in ((then_values, closed_at), (now_values, known_at)):
            for code, _, _, value in account_balances(cur, end, moment):
                values[code] += value
        balances = [(code, then_values[code], now_values[code]) for code in sorted(set(then_values) | set(now_values))]
        cur.execute(
            "SELECT position, MIN(recorded_at), effective_date, source_id, event_topic, account, SUM(value_minor),"
            " MIN(memo)"
            f" FROM gl_lines WHERE effective_date <= %s AND recorded_at > %s {now_sql}"
            " GROUP BY position, effective_date, source_id, event_topic, account ORDER BY position, account",
            [end, closed_at, *now_params],
        )
        late_rows = cur.fetchall()
        position = read_position(cur)
        chart = labels(cur, end, known_at, [code for code, *_ in balances])
    events: dict[int, LateEvent] = {}
    touching: dict[str, list[int]] = defaultdict(list)
    memos: dict[int, list[str]] = defaultdict(list)
    for position, recorded, effective, source, topic, code, value, memo in late_rows:
        pos = int(position)
        if pos not in events:
            recorded_at, effective_date = as_datetime(recorded), as_date(effective)
            assert recorded_at is not None and effective_date is not None
            events[pos] = LateEvent(pos, recorded_at, effective_date, str(source), topic, [])
        events[pos].lines.append(LateLine(code, amount(value)))
        if memo and memo not in memos[pos]:
            memos[pos].append(memo)
        if pos not in touching[code]:
            touching[code].append(pos)
    accounts = []
    for code, then, now in balances:
        if then == now:
            continue
        acct = chart[code]
        accounts.append(
            RestatedAccount(code, acct.name, acct.type, amount(then), amount(now), amount(now - then), touching[code])
        )
    late = [replace(e, memo="; ".join(memos[e.position])) for e in events.values()]
    scope = ReportScope(end, known_at, position, currency=functional_currency)
    return Restatement(scope, end, closed_at, close_position, known_at, functional_currency, accounts, late)
