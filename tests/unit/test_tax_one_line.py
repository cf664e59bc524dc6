"""One tax-exclusive line (most documents, and every invoice rebuilt from the log) has its own
short path in ``ledger.tax.compute``: it must answer what the grouping answers, to the exponent."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.money import Money
from ledger.tax import TaxableLine, TaxResult, compute, grouped


def _shown(result: TaxResult) -> list[str]:
    """Every amount as text, so 100 and 100.00 differ (they are stored differently)."""
    return [str(m.amount) for m in result.nets] + [
        f"{g.rate}|{g.base.amount}|{g.tax.amount}|{g.base.currency}" for g in result.groups
    ]


@given(
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
    | st.integers(0, 10**6).map(Decimal),
    st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
    st.sampled_from(["0", "5.5", "13", "20", "24", "100", "7.25"]),
)
def test_one_exclusive_line_is_taxed_as_the_grouping_taxes_it(amount: Decimal, currency: str, rate: str) -> None:
    line = TaxableLine(Money(amount, currency), Decimal(rate), False)
    assert _shown(compute([line])) == _shown(grouped([line]))
