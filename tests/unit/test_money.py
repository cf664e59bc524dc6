from decimal import Decimal

import pytest

from ledger.errors import InvalidValue
from ledger.money import Money, minor_units


def test_money_is_built_from_strings_exactly() -> None:
    assert Money.of("0.10", "EUR") + Money.of("0.20", "EUR") == Money.of("0.30", "EUR")


def test_floats_are_refused_at_the_boundary() -> None:
    with pytest.raises(InvalidValue, match="not float"):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]


def test_currencies_carry_their_iso_minor_units() -> None:
    assert (minor_units("EUR"), minor_units("JPY"), minor_units("KWD")) == (2, 0, 3)


def test_unknown_currency_is_refused_with_its_code() -> None:
    with pytest.raises(InvalidValue, match="'EURO'"):
        Money.of("1", "EURO")


def test_rounding_is_explicit_and_mode_is_chosen_by_the_caller() -> None:
    assert Money.of("2.345", "EUR").rounded() == Money.of("2.35", "EUR")
    assert Money.of("2.345", "EUR").rounded("ROUND_HALF_EVEN") == Money.of("2.34", "EUR")
    assert Money.of("1.5", "JPY").rounded().amount == Decimal("2")


def test_split_three_ways_uses_largest_remainder() -> None:
    parts = Money.of("100.00", "EUR").allocate([1, 1, 1])
    assert [str(p.amount) for p in parts] == ["33.34", "33.33", "33.33"]


def test_split_keeps_every_minor_unit_and_the_sign() -> None:
    parts = Money.of("-10.00", "EUR").allocate([3, 7, 1])
    assert sum((p.amount for p in parts), Decimal(0)) == Decimal("-10.00")
    assert all(p.amount <= 0 for p in parts)


def test_mixing_currencies_is_an_error() -> None:
    with pytest.raises(InvalidValue, match="currency mismatch"):
        Money.of("1", "EUR") + Money.of("1", "USD")


def test_minor_units_refuse_unrounded_amounts() -> None:
    with pytest.raises(InvalidValue, match="more precision"):
        Money.of("1.005", "EUR").to_minor()
    assert Money.of("1.005", "KWD").to_minor() == 1005
