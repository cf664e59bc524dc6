"""An invoice's lines, their taxes and the journal a sales document posts (invoices and credit notes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.errors import InvalidValue
from ledger.journal import Posting
from ledger.money import Money, to_decimal
from ledger.roles import Role
from ledger.tax import TaxableLine, TaxGroup, TaxResult, check_rate, compute


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = Decimal(0)
    tax_inclusive: bool = False
    discount_percent: Decimal = Decimal(0)
    service_code: str | None = None

    def amount(self, currency: str) -> Money:
        """Quantity x price less the discount, rounded half-up to the minor unit."""
        gross = self.quantity * self.unit_price * (100 - self.discount_percent) / 100
        return Money(gross, currency).rounded()


def add_days(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise InvalidValue(f"{day} plus {days} days is out of range") from None


def make_line(
    description: str,
    quantity: str | int | Decimal,
    unit_price: str | int | Decimal,
    tax_rate: str | int | Decimal = 0,
    tax_inclusive: bool = False,
    discount_percent: str | int | Decimal = 0,
    service_code: str | None = None,
) -> InvoiceLine:
    description = description.strip()
    if not description:
        raise InvalidValue("every invoice line needs a description")
    qty, price, discount = to_decimal(quantity), to_decimal(unit_price), to_decimal(discount_percent)
    if qty <= 0:
        raise InvalidValue(f"line quantity must be positive, got {qty}")
    if price < 0:
        raise InvalidValue(f"line unit price must not be negative, got {price}")
    if not 0 <= discount <= 100:
        raise InvalidValue(f"line discount must be between 0 and 100 percent, got {discount}")
    code = service_code.strip() if service_code else None
    return InvoiceLine(description, qty, price, check_rate(tax_rate), tax_inclusive, discount, code or None)


def taxes(lines: list[InvoiceLine], currency: str) -> TaxResult:
    return compute([TaxableLine(ln.amount(currency), ln.tax_rate, ln.tax_inclusive) for ln in lines])


def document_posting(
    posting: Posting,
    lines: Sequence[InvoiceLine],
    result: TaxResult,
    receivable: Money,
    party: str,
    document: str,
    memo: str,
    sign: int,
    project_id: UUID | None = None,
) -> Posting:
    """Receivable against revenue (by project; by service line where the chart maps
    ``revenue:<service code>``) and output tax per rate; sign -1 books the mirror (a credit note)."""
    dims: dict[str, Any] = {"party_id": party, "document_id": document, "memo": memo}
    project = str(project_id) if project_id else None
    posting.post(Role.RECEIVABLE, sign * receivable.amount, **dims)
    for group in result.groups:
        for code, base in _revenue_accounts(posting, lines, result, group):
            posting.post(Role.REVENUE, -sign * base, code=code, tax_code=group.code, project_id=project, **dims)
        posting.post(Role.OUTPUT_TAX, -sign * group.tax.amount, tax_code=group.code, **dims)
    return posting


def _revenue_accounts(
    posting: Posting, lines: Sequence[InvoiceLine], result: TaxResult, group: TaxGroup
) -> list[tuple[str, Decimal]]:
    """The revenue of one tax rate by account: the lines' nets summed per service line's account
    (in the order the lines come), or the rate's whole base on the revenue account when every
    line's service goes there."""
    accounts: dict[str, Decimal] = {}
    for line, net in zip(lines, result.nets, strict=True):
        if line.tax_rate == group.rate:
            code = posting.account(Role.REVENUE, line.service_code)
            accounts[code] = accounts.get(code, Decimal(0)) + net.amount
    if len(accounts) > 1:  # the nets of a rate sum to its base (ledger.tax.compute)
        return list(accounts.items())
    return [(next(iter(accounts), None) or posting.account(Role.REVENUE), group.base.amount)]


MAX_LINES = 500
SERIES = re.compile(r"^[A-Z]{2,6}$")
