"""Rounding by a quantum made once per currency is rounding by the one made each time (ADR 0050)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.money import MINOR_UNITS, Money, minor_units


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False, places=6),
    st.sampled_from(sorted(MINOR_UNITS)),
)
def test_rounded_and_is_rounded_agree_with_a_fresh_quantum(amount: Decimal, currency: str) -> None:
    quantum = Decimal(1).scaleb(-minor_units(currency))
    money = Money(amount, currency)
    for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN):
        expected = amount.quantize(quantum, rounding=mode)
        assert money.rounded(mode).amount.as_tuple() == expected.as_tuple()
    assert money.is_rounded() == (amount == amount.quantize(quantum, rounding=ROUND_HALF_EVEN))
    assert money.exponent == minor_units(currency)
