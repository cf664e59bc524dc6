"""Money in the analysts' Parquet files is exact: minor units of any currency's exponent become
the decimal they stand for, without a float or a rounding, however large."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from api.exports.arrays import arrow_array
from projections.exports.datasets import MinorUnits

MONEY = pa.decimal128(38, 4)
LINES = st.lists(st.tuples(st.integers(-(10**14), 10**14), st.sampled_from([0, 2, 3, 4])), min_size=1, max_size=50)


@given(LINES)
def test_minor_units_become_the_decimals_they_stand_for(lines: list[tuple[int, int]]) -> None:
    values, exponents = zip(*lines, strict=True)
    column = arrow_array(MinorUnits(values, exponents), MONEY)
    assert column.type == MONEY
    assert column.to_pylist() == [Decimal(v).scaleb(-e) for v, e in lines]


def test_a_value_past_64_bits_once_scaled_is_still_exact_not_wrapped() -> None:
    """A large functional value in a currency without minor units (VND) scales past 64 bits."""
    column = arrow_array(MinorUnits([2**62, -(2**62), 5], [0, 0, 2]), MONEY)
    assert column.to_pylist() == [Decimal(2**62), Decimal(-(2**62)), Decimal("0.05")]
