"""The database rounds half to even exactly as Python does, on both backends: the cash forecast
moves thousands of open invoices by delays rounded in SQL, and must move them by the days that
``payment_delays`` (Decimal, in Python) would give."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.system import Keel
from projections.engine.rounding import half_even, whole_of_tenths

INT64 = 2**63 - 1  # what the read models' sums hold
# What the payment-delays spans hold: the sum of payments (positive), and of payments times their
# days after the due date: an average within the dates the input policy allows (1900 to 3099,
# fewer than 440,000 days), so the tenths fit in 64 bits.
SUMS = st.integers(1, INT64).flatmap(
    lambda paid: st.tuples(st.integers(max(-INT64, -paid * 440_000), min(INT64, paid * 440_000)), st.just(paid))
)
# ties on purpose: late days that are an exact half of what was paid, and x.x5 averages
TIES = st.builds(lambda paid, k: (paid * (2 * k + 1), 2 * paid), st.integers(1, 10**6), st.integers(-500, 500))


def test_python_rounds_half_to_even_exactly() -> None:
    """Also beyond the 64 bits the database casts to; and a negative divisor."""
    assert [half_even(n, 10, 1) for n in (5, 15, 25, -5, -15, 14, 16, -16)] == [0, 2, 2, 0, -2, 1, 2, -2]
    assert (
        half_even(2**62, 1, 10) == 2**62 * 10
        and half_even(1, 3, 10) == 3
        and half_even(-2, 3, 10) == -7
        and half_even(1, -20, 10) == 0
    )
    assert half_even(None, 3, 10) is None and half_even(5, 0, 1) is None


@given(st.lists(st.one_of(SUMS, TIES), min_size=1, max_size=20))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_database_rounds_as_python(keel: Keel, pairs: list[tuple[int, int]]) -> None:
    """``keel_half_even(late, paid, 10)`` is the delay in tenths that ``Decimal.quantize`` gives,
    and ``whole_of_tenths`` the whole days that ``to_integral_value`` then gives."""
    with keel.views.read() as cur:
        for late, paid in pairs:
            cur.execute("SELECT CAST(keel_half_even(%s, %s, 10) AS BIGINT)", [late, paid])
            (tenths,) = cur.fetchone() or (None,)
            assert tenths == round(Fraction(late * 10, paid)) == half_even(late, paid, 10)
            cur.execute(f"SELECT {whole_of_tenths('t')} FROM (SELECT CAST(%s AS BIGINT) AS t) AS x", [tenths])
            (days,) = cur.fetchone() or (None,)
            assert days == round(Fraction(tenths, 10))
