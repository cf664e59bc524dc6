from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.money import Money

currencies = st.sampled_from(["EUR", "JPY", "KWD", "USD"])


@given(
    units=st.integers(min_value=-(10**12), max_value=10**12),
    currency=currencies,
    ratios=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(lambda r: sum(r) > 0),
)
def test_allocation_loses_no_minor_unit_and_stays_within_one_unit_of_the_exact_share(
    units: int, currency: str, ratios: list[int]
) -> None:
    total = Money.from_minor(units, currency)
    parts = total.allocate(ratios)
    assert sum(p.to_minor() for p in parts) == units
    for part, ratio in zip(parts, ratios, strict=True):
        exact = Decimal(units) * ratio / sum(ratios)
        assert abs(part.to_minor() - exact) < 1
