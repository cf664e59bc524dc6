"""When a customer's cash is expected: the customers' payment delays (observed, as Python; the
forecast's, finance's expected delay where set, as SQL) and terms, for the cash forecast."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from projections.cash.expected_delays import TABLE as EXPECTED
from projections.engine.db import ViewDatabase
from projections.engine.rounding import whole_of_tenths
from projections.engine.spans import spans_at
from projections.engine.sql import Cursor
from projections.finance.payment_delays import PAYMENT_DELAYS


def payment_delays(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> dict[str, Decimal]:
    """Per customer: the observed delay, the amount-weighted average days payments on invoices came after the due
    date, over the payments dated by ``as_of`` and known at ``known_at`` (kept as running sums
    by the payment-delays read model)."""
    with db.read() as cur:
        where, params = spans_at(cur, as_of, known_at)
        cur.execute(f"SELECT party_id, paid_minor, late_minor_days FROM {PAYMENT_DELAYS.table} WHERE {where}", params)
        rows = cur.fetchall()
    return {
        str(party): (Decimal(int(late)) / int(paid)).quantize(Decimal("0.1")) for party, paid, late in rows if int(paid)
    }


def moved(cur: Cursor, day: str, days: str) -> str:
    """SQL for ``day`` moved by ``days`` (a whole number), and not before tomorrow (the parameter)."""
    if cur.dialect == "postgres":
        return f"GREATEST(%s::date, {day} + {days})"
    return f"max(%s, date({day}, printf('%+d days', {days})))"


def looked_up(cur: Cursor, kind: str, party: str, default: str) -> str:
    """SQL for ``party``'s value in the ``kind`` map of the ``maps`` row (see ``timing_maps``), else
    ``default``: a lookup per row in an object made once, never a join the planner could turn
    into rows times customers."""
    found = f"(SELECT {kind} FROM maps)"
    if cur.dialect == "postgres":
        return f"COALESCE(({found} ->> {party})::int, {default})"
    return f"COALESCE(json_extract({found}, '$.\"' || {party} || '\"'), {default})"


def timing_maps(cur: Cursor, as_of: date, known_at: datetime | None) -> tuple[str, list[Any]]:
    """CTEs ending in ``maps``, one row of JSON objects by customer: ``tenths``, the delay in
    tenths of a day — finance's expected one where set (``projections.cash.expected_delays``),
    else the observed average (``payment_delays`` rounded alike, half to even) — ``days`` the
    same in whole days (rounded again, as ``Decimal.to_integral_value``) and ``terms``, the
    payment terms in force on ``as_of``; all as known at ``known_at``."""
    at, at_params = spans_at(cur, as_of, known_at)
    known, known_params = (" AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    agg = "jsonb_object_agg" if cur.dialect == "postgres" else "json_group_object"
    latest = "ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY effective_date DESC, position DESC) AS n"
    sql = (
        "observed AS (SELECT party_id, CAST(keel_half_even(late_minor_days, paid_minor, 10) AS BIGINT) AS tenths"
        f" FROM {PAYMENT_DELAYS.table} WHERE {at} AND paid_minor <> 0),"
        f" expected AS (SELECT customer_id, days FROM (SELECT customer_id, days, {latest} FROM {EXPECTED}"
        f" WHERE effective_date <= %s{known}) AS e WHERE n = 1 AND days IS NOT NULL),"
        " late AS (SELECT party_id, tenths FROM observed WHERE party_id NOT IN (SELECT customer_id FROM expected)"
        " UNION ALL SELECT customer_id, days * 10 FROM expected),"
        f" terms AS (SELECT customer_id, days FROM (SELECT customer_id, days, {latest} FROM customer_terms"
        f" WHERE effective_date <= %s{known}) AS t WHERE n = 1),"
        f" maps AS (SELECT (SELECT {agg}(party_id, tenths) FROM late) AS tenths,"
        f" (SELECT {agg}(party_id, {whole_of_tenths('tenths')}) FROM late) AS days,"
        f" (SELECT {agg}(customer_id, days) FROM terms) AS terms)"
    )
    return sql, [*at_params, as_of, *known_params, as_of, *known_params]
