"""Tax on document lines: several rates per document, prices exclusive or inclusive of tax.

Tax is computed once per (rate, inclusive) group and rounded half-up, not per line. For
tax-inclusive lines the group's tax is shared back to the lines by largest remainder, so
each line's net plus its tax share is exactly its gross.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledger.errors import InvalidValue
from ledger.money import Money, to_decimal


def check_rate(rate: str | int | Decimal) -> Decimal:
    value = to_decimal(rate)
    if not 0 <= value <= 100:
        raise InvalidValue(f"tax rate must be between 0 and 100 percent, got {value}")
    return value


def tax_code(rate: Decimal) -> str:
    """A stable label for a rate: VAT-24, VAT-13.5, VAT-0."""
    text = f"{rate:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"VAT-{text}"


@dataclass(frozen=True, slots=True)
class TaxableLine:
    amount: Money  # the line's rounded amount: net when exclusive, gross when inclusive
    rate: Decimal
    inclusive: bool


@dataclass(frozen=True, slots=True)
class TaxGroup:
    rate: Decimal
    base: Money  # net amount taxed at this rate
    tax: Money

    @property
    def code(self) -> str:
        return tax_code(self.rate)


@dataclass(frozen=True, slots=True)
class TaxResult:
    nets: list[Money]  # per input line
    groups: list[TaxGroup]  # per rate, in rate order

    @property
    def net(self) -> Money:
        return _sum(self.nets)

    @property
    def tax(self) -> Money:
        return _sum([g.tax for g in self.groups])


def _sum(amounts: Sequence[Money]) -> Money:
    total = Money.zero(amounts[0].currency)
    for amount in amounts:
        total += amount
    return total


def compute(lines: Sequence[TaxableLine]) -> TaxResult:
    if not lines:
        raise InvalidValue("a document needs at least one line")
    if len(lines) == 1 and not lines[0].inclusive:
        return _one_exclusive(lines[0])
    return grouped(lines)


def grouped(lines: Sequence[TaxableLine]) -> TaxResult:
    """Tax per (rate, inclusive) group: what ``compute`` answers for every document."""
    nets: list[Money] = [line.amount for line in lines]
    by_rate: dict[Decimal, tuple[Money, Money]] = {}
    for inclusive in (False, True):
        for rate in sorted({ln.rate for ln in lines if ln.inclusive is inclusive}):
            idx = [i for i, ln in enumerate(lines) if ln.rate == rate and ln.inclusive is inclusive]
            total = _sum([lines[i].amount for i in idx])
            if inclusive:
                tax = Money(total.amount * rate / (100 + rate), total.currency).rounded()
                shares = tax.allocate([abs(lines[i].amount.to_minor()) for i in idx]) if not tax.is_zero() else []
                for i, share in zip(idx, shares, strict=False):
                    nets[i] = lines[i].amount - share
                base = total - tax
            else:
                tax = (total * rate * Decimal("0.01")).rounded()
                base = total
            prev_base, prev_tax = by_rate.get(rate, (Money.zero(total.currency), Money.zero(total.currency)))
            by_rate[rate] = (prev_base + base, prev_tax + tax)
    groups = [TaxGroup(rate, base, tax) for rate, (base, tax) in sorted(by_rate.items())]
    return TaxResult(nets, groups)


def _one_exclusive(line: TaxableLine) -> TaxResult:
    """``grouped`` of one tax-exclusive line (most documents, and every invoice loaded from the log
    computes it again): the same operations without the grouping, so the same amounts, exponents
    included (a property test compares the two)."""
    zero = Money.zero(line.amount.currency)
    total = zero + line.amount
    tax = (total * line.rate * Decimal("0.01")).rounded()
    return TaxResult([line.amount], [TaxGroup(line.rate, zero + total, zero + tax)])
