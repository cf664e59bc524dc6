"""The default chart of accounts of a service business.

Codes follow the common 1xxx assets, 2xxx liabilities, 3xxx equity, 4xxx income,
5xxx cost of services, 6xxx-7xxx operating expenses layout, so reports can group by
type without a lookup table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ledger.errors import InvalidValue


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


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    name: str
    type: AccountType


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

_A, _L, _E, _I, _X = (
    AccountType.ASSET,
    AccountType.LIABILITY,
    AccountType.EQUITY,
    AccountType.INCOME,
    AccountType.EXPENSE,
)

DEFAULT_CHART: dict[str, Account] = {
    a.code: a
    for a in (
        Account(BANK, "Bank", _A),
        Account(RECEIVABLES, "Accounts receivable", _A),
        Account(INPUT_TAX, "Input tax (VAT receivable)", _A),
        Account("1300", "Prepaid expenses", _A),
        Account(PAYABLES, "Accounts payable", _L),
        Account(TAX_PAYABLE, "Output tax (VAT payable)", _L),
        Account(CUSTOMER_CREDIT, "Customer credit and advances", _L),
        Account(SALARIES_PAYABLE, "Salaries payable", _L),
        Account(ACCRUED_LIABILITIES, "Accrued liabilities", _L),
        Account(EMPLOYEE_PAYABLE, "Expense claims payable to employees", _L),
        Account(SHARE_CAPITAL, "Share capital", _E),
        Account(RETAINED_EARNINGS, "Retained earnings", _E),
        Account(SERVICE_REVENUE, "Service revenue", _I),
        Account("4100", "Other income", _I),
        Account(FX_GAIN, "Realised FX gain", _I),
        Account(COST_OF_SERVICES, "Cost of services (subcontractors)", _X),
        Account(SALARIES, "Salaries and wages", _X),
        Account("6000", "Rent", _X),
        Account("6100", "Software and subscriptions", _X),
        Account("6200", "Travel", _X),
        Account("6300", "Meals and entertainment", _X),
        Account("6400", "Office supplies", _X),
        Account("6500", "Professional fees", _X),
        Account("6600", "Marketing", _X),
        Account(BANK_FEES, "Bank fees", _X),
        Account(BAD_DEBTS, "Bad debts", _X),
        Account(FX_LOSS, "Realised FX loss", _X),
    )
}


def account(code: str) -> Account:
    try:
        return DEFAULT_CHART[code]
    except KeyError:
        raise InvalidValue(f"unknown account {code!r}") from None
