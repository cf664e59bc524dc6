"""Finance's expected payment delays (``ledger.payment_expectations``), with both time axes: a row
per decision, dated by its business date and recorded at its log position and time. The delay in
force on D as known at K is the last row dated by D (the later recorded of a day) recorded by K;
``days`` NULL means the observed delay again (``projections.cash.timing`` reads them)."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.payment_expectations import PaymentExpectation
from projections.engine.projection import Fact
from projections.engine.sql import Cursor

TABLE = "expected_delays"


class ExpectedDelaysProjection:
    name = "expected_delays"
    schema_version = 1
    tables = (TABLE,)
    folds = (PaymentExpectation.DelaySet, PaymentExpectation.DelayCleared)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE {TABLE} (customer_id TEXT NOT NULL, days INTEGER, effective_date DATE NOT NULL,"
            " position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (customer_id, position))"
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        rows = []
        for f in facts:
            e = f.event
            if isinstance(e, PaymentExpectation.DelaySet | PaymentExpectation.DelayCleared):
                days = e.days if isinstance(e, PaymentExpectation.DelaySet) else None
                rows.append((str(e.customer_id), days, e.effective_date, f.position, f.recorded_at))
        if rows:
            cur.copy_rows(TABLE, ("customer_id", "days", "effective_date", "position", "recorded_at"), rows)


def expected_days(customer: str, known_at_param: bool) -> str:
    """SQL for the expected delay in whole days of ``customer`` (an SQL expression) in force on
    the first parameter (a date), as known at the second when ``known_at_param``: NULL when none
    is set (or it was cleared)."""
    known = " AND e.recorded_at <= %s" if known_at_param else ""
    return (
        f"(SELECT e.days FROM {TABLE} e WHERE e.customer_id = {customer} AND e.effective_date <= %s{known}"
        " ORDER BY e.effective_date DESC, e.position DESC LIMIT 1)"
    )
