"""What an account is: its code, name, type and sub-type, its group, its currency.

The accounts themselves are data: a business keeps its chart of accounts as events of the
``Chart`` aggregate (``ledger.chart``), started from a template (``ledger.chart_templates``).
The codes below are those of the ``services-eu`` template, the chart a store without chart
events keeps (the implicit default): posting code never names them, it names roles
(``ledger.roles``); they stay for the template and for tests that read the demo's books.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ledger.errors import InvalidValue
from ledger.money import minor_units
from ledger.policy import NAME, check_text


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def normal_balance(self) -> str:
        """The side on which the account's balance normally stands."""
        return "debit" if self in (AccountType.ASSET, AccountType.EXPENSE) else "credit"


class Subtype(StrEnum):
    """What an account is for, within its type (reports group by it; some roles require one)."""

    BANK = "bank"
    CASH = "cash"
    RECEIVABLE = "receivable"
    PREPAID = "prepaid"
    PAYABLE = "payable"
    TAX = "tax"
    CUSTOMER_CREDIT = "customer_credit"
    EMPLOYEE_PAYABLE = "employee_payable"
    SALARIES_PAYABLE = "salaries_payable"
    ACCRUED = "accrued"
    EQUITY = "equity"
    RETAINED_EARNINGS = "retained_earnings"
    REVENUE = "revenue"
    COST_OF_SALES = "cost_of_sales"
    EXPENSE = "expense"
    FX = "fx"
    SUSPENSE = "suspense"
    OTHER = "other"
    GROUP = "group"  # a heading that groups accounts in reports: it takes no postings and no role


# An account's code: ASCII letters and digits, 1 to 10 of them (1000, 1010, 6810, 4000A).
CODE_MAX = 10
CODE_PATTERN = r"^[0-9A-Za-z]{1,10}$"
_CODE = re.compile(CODE_PATTERN)


def check_code(code: str, field: str = "code") -> str:
    if not isinstance(code, str) or not _CODE.match(code):
        shown = code[:20] if isinstance(code, str) else code
        raise InvalidValue(f"{field}: an account code is 1 to {CODE_MAX} ASCII letters or digits, got {shown!r}")
    return code


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    name: str
    type: AccountType
    subtype: str = Subtype.OTHER.value
    parent: str | None = None
    currency: str | None = None  # postings only in this currency, when given
    active: bool = True

    @property
    def is_group(self) -> bool:
        return self.subtype == Subtype.GROUP

    def checked(self) -> Account:
        """The account if every field obeys the input policy and the chart's own rules."""
        check_code(self.code)
        name = check_text(self.name.strip(), NAME, "name")
        if not name:
            raise InvalidValue("name: an account needs a name")
        try:
            kind = AccountType(self.type)
        except ValueError:
            types = ", ".join(t.value for t in AccountType)
            raise InvalidValue(f"type: an account's type is one of {types}; got {str(self.type)[:20]!r}") from None
        try:
            sub = Subtype(self.subtype).value
        except ValueError:
            subs = ", ".join(s.value for s in Subtype)
            raise InvalidValue(f"subtype: an account's sub-type is one of {subs}; got {self.subtype[:20]!r}") from None
        if self.parent is not None:
            check_code(self.parent, "parent")
            if self.parent == self.code:
                raise InvalidValue(f"parent: account {self.code} cannot be its own parent")
        if self.currency is not None:
            try:
                minor_units(self.currency)
            except InvalidValue:
                raise InvalidValue(f"currency: expected an ISO 4217 code, got {self.currency[:10]!r}") from None
        return Account(self.code, name, kind, sub, self.parent, self.currency, self.active)


BANK = "1000"
RECEIVABLES = "1100"
INPUT_TAX = "1200"
PAYABLES = "2000"
TAX_PAYABLE = "2100"
CUSTOMER_CREDIT = "2200"
SALARIES_PAYABLE = "2300"
ACCRUED_LIABILITIES = "2400"
EMPLOYEE_PAYABLE = "2500"
SHARE_CAPITAL = "3000"
RETAINED_EARNINGS = "3100"
SERVICE_REVENUE = "4000"
FX_GAIN = "4900"
COST_OF_SERVICES = "5000"
SALARIES = "5100"
BANK_FEES = "6700"
BAD_DEBTS = "6800"
FX_LOSS = "7900"
