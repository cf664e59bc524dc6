"""Answers computed by folding the log itself, without the read models: what reports are checked against."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from commands.application import KeelApplication

PAGE = 500


def trial_balance_from_the_log(app: KeelApplication, as_of: date, known_at: datetime) -> dict[tuple[str, str], Decimal]:
    """(account, currency) -> debit minus credit of every journal line dated on or before ``as_of`` in
    the events recorded at or before ``known_at``; zero balances left out."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    after = 0
    while page := app.read_log(after, PAGE):
        times = app.recorded_times(page[0][0], page[-1][0])
        for position, event in page:
            after = position
            if times[position] > known_at:
                continue
            effective = getattr(event, "effective_date", None)
            for line in getattr(event, "journal", None) or ():
                if effective is not None and effective <= as_of:
                    sums[(line.account, line.currency)] += line.amount
    return {key: amount for key, amount in sums.items() if amount}
