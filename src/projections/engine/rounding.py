"""Rounding half to even in SQL, exactly as ``Decimal.quantize`` does in Python.

A report that moves thousands of rows by a rounded ratio (the cash forecast moves each open
invoice by its customer's average delay, rounded to a tenth of a day and then to whole days)
computes it in the database instead of shipping a value per customer with the query. The
database must round as Python would: PostgreSQL's ``round`` goes half away from zero and SQLite's
works in floats. ``keel_half_even(n, d, m)`` is ``n * m / d`` rounded half to even, in exact
integer arithmetic: a SQL function on PostgreSQL (one expression, so the planner inlines it) and
this module's ``half_even`` registered on every SQLite connection.
"""

from __future__ import annotations

from projections.engine.sql import Cursor

# With N = n·m·sign(d) and D = |d|: div() truncates toward zero and mod() keeps N's sign, both
# exact on numeric; the quotient moves away from zero past half, and at exactly half when odd.
HALF_EVEN = """CREATE FUNCTION keel_half_even(n numeric, d numeric, m numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT div(n * m * sign(d), nullif(abs(d), 0)) + CASE
     WHEN 2 * abs(mod(n * m * sign(d), nullif(abs(d), 0))) > abs(d) THEN sign(n * m * sign(d))
     WHEN 2 * abs(mod(n * m * sign(d), nullif(abs(d), 0))) = abs(d)
          AND mod(div(n * m * sign(d), nullif(abs(d), 0)), 2) <> 0 THEN sign(n * m * sign(d))
     ELSE 0 END $$"""


def half_even(n: int | None, d: int | None, m: int | None) -> int | None:
    """``n * m / d`` rounded half to even; None when any is None or ``d`` is 0 (as SQL's NULL)."""
    if n is None or d is None or m is None or d == 0:
        return None
    q, r = divmod(n * m * (1 if d > 0 else -1), abs(d))  # floor division: 0 <= r < |d|
    return q + 1 if 2 * r > abs(d) or (2 * r == abs(d) and q % 2) else q


def whole_of_tenths(tenths: str) -> str:
    """SQL for an integer number of tenths rounded half to even to a whole number: what
    ``keel_half_even(tenths, 10, 1)`` gives, in integer arithmetic (for small numbers it needs no
    numeric), the same in both dialects. Remainders by subtraction: ``%`` is the drivers'
    parameter mark."""
    q = f"({tenths} / 10)"  # integer division truncates toward zero: the remainder keeps the sign
    left = f"abs({tenths} - {q} * 10)"
    odd = f"{q} - {q} / 2 * 2 <> 0"
    away = f"CASE WHEN {tenths} < 0 THEN -1 ELSE 1 END"  # sign(): a float on PostgreSQL, new in SQLite 3.35
    return f"({q} + CASE WHEN {left} > 5 OR ({left} = 5 AND {odd}) THEN {away} ELSE 0 END)"


def create_half_even(cur: Cursor) -> None:
    """Make ``keel_half_even`` on PostgreSQL if the database lacks it (created once and never
    replaced, like the span functions: the application's role may not replace the owner's)."""
    if cur.dialect != "postgres":
        return  # registered on each connection
    cur.execute("SELECT to_regprocedure('keel_half_even(numeric, numeric, numeric)')")
    row = cur.fetchone()
    if row is None or row[0] is None:
        cur.execute(HALF_EVEN)
