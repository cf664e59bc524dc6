"""Money: exact decimal amounts in ISO 4217 currencies, with explicit rounding.

Amounts are built from strings, ints or Decimals, never floats. Arithmetic keeps full
precision; rounding to a currency's minor unit happens only where it is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from ledger.errors import InvalidValue
from ledger.policy import MAX_MINOR_UNITS

# ISO 4217 minor units of the currencies in active use (the exponent of the minor unit).
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "AED",
            "AFN",
            "ALL",
            "AMD",
            "ANG",
            "AOA",
            "ARS",
            "AUD",
            "AWG",
            "AZN",
            "BAM",
            "BBD",
            "BDT",
            "BGN",
            "BMD",
            "BND",
            "BOB",
            "BRL",
            "BSD",
            "BTN",
            "BWP",
            "BYN",
            "BZD",
            "CAD",
            "CDF",
            "CHF",
            "CNY",
            "COP",
            "CRC",
            "CUP",
            "CZK",
            "DKK",
            "DOP",
            "DZD",
            "EGP",
            "ERN",
            "ETB",
            "EUR",
            "FJD",
            "FKP",
            "GBP",
            "GEL",
            "GHS",
            "GIP",
            "GMD",
            "GTQ",
            "GYD",
            "HKD",
            "HNL",
            "HTG",
            "HUF",
            "IDR",
            "ILS",
            "INR",
            "IRR",
            "JMD",
            "KES",
            "KGS",
            "KHR",
            "KYD",
            "KZT",
            "LAK",
            "LBP",
            "LKR",
            "LRD",
            "LSL",
            "MAD",
            "MDL",
            "MGA",
            "MKD",
            "MMK",
            "MNT",
            "MOP",
            "MRU",
            "MUR",
            "MVR",
            "MWK",
            "MXN",
            "MYR",
            "MZN",
            "NAD",
            "NGN",
            "NIO",
            "NOK",
            "NPR",
            "NZD",
            "PAB",
            "PEN",
            "PGK",
            "PHP",
            "PKR",
            "PLN",
            "QAR",
            "RON",
            "RSD",
            "RUB",
            "SAR",
            "SBD",
            "SCR",
            "SDG",
            "SEK",
            "SGD",
            "SHP",
            "SLE",
            "SOS",
            "SRD",
            "SSP",
            "STN",
            "SVC",
            "SYP",
            "SZL",
            "THB",
            "TJS",
            "TMT",
            "TOP",
            "TRY",
            "TTD",
            "TWD",
            "TZS",
            "UAH",
            "USD",
            "UYU",
            "UZS",
            "VES",
            "WST",
            "XCD",
            "YER",
            "ZAR",
            "ZMW",
            "ZWL",
        ],
        2,
    ),
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}

ROUNDING_MODES = {"half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN}
DEFAULT_ROUNDING = ROUND_HALF_UP
# What a read model's 64-bit integer column holds. New amounts are bounded far lower, by the input
# policy (``MAX_MINOR_UNITS``); this bound only guards reading what history holds.
STORABLE_MINOR_UNITS = 2**63 - 1


def minor_units(currency: str) -> int:
    """The number of decimal places of a currency's minor unit (EUR 2, JPY 0, KWD 3)."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise InvalidValue(f"unknown currency {currency!r}: expected an ISO 4217 code") from None


def to_minor(amount: Decimal, currency: str, bound: int = STORABLE_MINOR_UNITS) -> int:
    """``Money(amount, currency).to_minor()`` without building the Money (read models call it per line)."""
    scaled = amount.scaleb(minor_units(currency))
    if not scaled.is_finite() or scaled != scaled.to_integral_value():  # is_rounded(), without a quantum
        raise InvalidValue(f"{amount} {currency} has more precision than {currency} allows")
    units = int(scaled)
    if abs(units) > bound:
        raise InvalidValue(f"{amount} {currency} is larger than Keel accepts (at most {bound} minor units)")
    return units


def from_minor(units: int, currency: str) -> Decimal:
    """``Money.from_minor(units, currency).amount`` without building the Money (reports call it per row)."""
    return Decimal(units).scaleb(-minor_units(currency))


def _quantum(currency: str) -> Decimal:
    """``Decimal(1).scaleb(-minor_units(currency))``, made once per currency (0.01 for EUR)."""
    quantum = _QUANTA.get(currency)
    if quantum is None:
        quantum = _QUANTA[currency] = Decimal(1).scaleb(-minor_units(currency))
    return quantum


_QUANTA: dict[str, Decimal] = {}


# ASCII digits only: Decimal() would also read "١٢٣" as 123 and "1_000" as 1000.
_DECIMAL_TEXT = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?\s*")


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Parse an amount; floats are refused because they cannot hold cents exactly."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InvalidValue(f"amount must be a string, int or Decimal, not {type(value).__name__}")
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise InvalidValue(f"not a decimal amount: {value[:40]!r} (ASCII digits, an optional point and sign)")
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise InvalidValue(f"not a decimal amount: {value!r}") from None
    if not amount.is_finite():
        raise InvalidValue(f"amount must be finite: {value!r}")
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in MINOR_UNITS:  # a known code passes without a call (ADR 0050)
            minor_units(self.currency)  # raises, naming it
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidValue(f"amount must be a finite Decimal, got {self.amount!r}")

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        return cls(to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0).scaleb(-minor_units(currency)), currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        return cls(Decimal(units).scaleb(-minor_units(currency)), currency)

    @property
    def exponent(self) -> int:
        return MINOR_UNITS[self.currency]  # known: checked when the Money was made

    def to_minor(self) -> int:
        """The amount in minor units; refuses an amount that is not rounded or beyond the input policy."""
        return to_minor(self.amount, self.currency, MAX_MINOR_UNITS)

    def is_rounded(self) -> bool:
        return self.amount == self._quantize(ROUND_HALF_EVEN)

    def rounded(self, rounding: str = DEFAULT_ROUNDING) -> Money:
        """Round to the currency's minor unit with an explicit rounding mode."""
        return Money(self._quantize(rounding), self.currency)

    def _quantize(self, rounding: str) -> Decimal:
        try:
            return self.amount.quantize(_quantum(self.currency), rounding=rounding)
        except InvalidOperation:
            raise InvalidValue(f"{self.amount} {self.currency} is too large an amount") from None

    def allocate(self, ratios: Sequence[int | Decimal]) -> list[Money]:
        """Split into parts proportional to ratios, losing no minor unit.

        Largest remainder: each part gets its floor share; the units left over go one
        each to the parts with the largest remainders (ties: earlier parts first).
        100.00 split three ways gives 33.34, 33.33, 33.33.
        """
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise InvalidValue("allocation ratios must be non-negative with a positive sum")
        total = self.to_minor()
        sign = -1 if total < 0 else 1
        total = abs(total)
        weight = Decimal(sum(ratios))
        exact = [Decimal(total) * Decimal(r) / weight for r in ratios]
        parts = [int(share) for share in exact]
        leftover = total - sum(parts)
        by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
        for i in by_remainder[:leftover]:
            parts[i] += 1
        return [Money.from_minor(sign * p, self.currency) for p in parts]

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise InvalidValue(f"currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise InvalidValue("multiply money by a Decimal, not a float")
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
