"""Charts of accounts a business starts from: ``services-eu`` and ``minimal``.

``services-eu`` is the chart Keel always had (1xxx assets, 2xxx liabilities, 3xxx equity, 4xxx
income, 5xxx cost of services, 6xxx-7xxx operating expenses), its roles mapped to the codes the
posting rules used before roles existed. A store without chart events keeps it: the implicit
default, so every store written before charts were data reads and posts as it did.

Each template groups its accounts under *group* accounts (sub-type ``group``, ADR 0038) with
two-digit codes (10 "Cash and bank" holds 1000): no posting account had such a code, and a
group's code sorts before its accounts'. A group takes no
postings, so adding groups changed no balance. A template also says which account each default
expense category posts to (``categories``): a minimal chart has no 6200 "Travel".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from ledger import accounts as a
from ledger.accounts import Account, AccountType, Subtype
from ledger.errors import InvalidValue
from ledger.journal import JournalLine
from ledger.roles import Role, Roles

_A, _L, _E, _I, _X = (
    AccountType.ASSET,
    AccountType.LIABILITY,
    AccountType.EQUITY,
    AccountType.INCOME,
    AccountType.EXPENSE,
)
S = Subtype


@dataclass(frozen=True)
class Template:
    name: str
    accounts: tuple[Account, ...]  # groups before the accounts they hold
    roles: Mapping[str, str]
    categories: Mapping[str, str]  # the default expense categories -> account codes

    def chart(self) -> dict[str, Account]:
        return {acct.code: acct for acct in self.accounts}


def _account(code: str, name: str, kind: AccountType, subtype: Subtype, parent: str | None = None) -> Account:
    return Account(code, name, kind, subtype.value, parent)


def _groups(*groups: tuple[str, str, AccountType]) -> tuple[Account, ...]:
    return tuple(Account(code, name, kind, Subtype.GROUP.value) for code, name, kind in groups)


def _under(parent: str, *accounts: Account) -> tuple[Account, ...]:
    return tuple(replace(acct, parent=parent) for acct in accounts)


# The categories an expense claim may name before a policy is configured, on services-eu.
SERVICES_CATEGORIES = {
    "travel": "6200",
    "meals": "6300",
    "software": "6100",
    "office": "6400",
    "professional-fees": "6500",
    "marketing": "6600",
    "subcontracting": a.COST_OF_SERVICES,
}


SERVICES_EU = Template(
    "services-eu",
    (
        *_groups(
            ("10", "Cash and bank", _A),
            ("11", "Receivables and prepayments", _A),
            ("20", "Trade payables and advances", _L),
            ("21", "Taxes", _L),
            ("23", "Payroll and accruals", _L),
            ("30", "Capital and reserves", _E),
            ("40", "Operating income", _I),
            ("49", "FX gains", _I),
            ("50", "Cost of services", _X),
            ("51", "Staff costs", _X),
            ("60", "Operating expenses", _X),
            ("67", "Financial costs", _X),
        ),
        *_under("10", _account(a.BANK, "Bank", _A, S.BANK)),
        *_under(
            "11",
            _account(a.RECEIVABLES, "Accounts receivable", _A, S.RECEIVABLE),
            _account(a.INPUT_TAX, "Input tax (VAT receivable)", _A, S.TAX),
            _account("1300", "Prepaid expenses", _A, S.PREPAID),
        ),
        *_under("20", _account(a.PAYABLES, "Accounts payable", _L, S.PAYABLE)),
        *_under("21", _account(a.TAX_PAYABLE, "Output tax (VAT payable)", _L, S.TAX)),
        *_under("20", _account(a.CUSTOMER_CREDIT, "Customer credit and advances", _L, S.CUSTOMER_CREDIT)),
        *_under(
            "23",
            _account(a.SALARIES_PAYABLE, "Salaries payable", _L, S.SALARIES_PAYABLE),
            _account(a.ACCRUED_LIABILITIES, "Accrued liabilities", _L, S.ACCRUED),
            _account(a.EMPLOYEE_PAYABLE, "Expense claims payable to employees", _L, S.EMPLOYEE_PAYABLE),
        ),
        *_under(
            "30",
            _account(a.SHARE_CAPITAL, "Share capital", _E, S.EQUITY),
            _account(a.RETAINED_EARNINGS, "Retained earnings", _E, S.RETAINED_EARNINGS),
        ),
        *_under(
            "40",
            _account(a.SERVICE_REVENUE, "Service revenue", _I, S.REVENUE),
            _account("4100", "Other income", _I, S.OTHER),
        ),
        *_under(
            "49",
            _account(a.FX_GAIN, "Realised FX gain", _I, S.FX),
            _account("4910", "Unrealised FX gain", _I, S.FX),
        ),
        *_under("50", _account(a.COST_OF_SERVICES, "Cost of services (subcontractors)", _X, S.COST_OF_SALES)),
        *_under("51", _account(a.SALARIES, "Salaries and wages", _X, S.EXPENSE)),
        *_under(
            "60",
            _account("6000", "Rent", _X, S.EXPENSE),
            _account("6100", "Software and subscriptions", _X, S.EXPENSE),
            _account("6200", "Travel", _X, S.EXPENSE),
            _account("6300", "Meals and entertainment", _X, S.EXPENSE),
            _account("6400", "Office supplies", _X, S.EXPENSE),
            _account("6500", "Professional fees", _X, S.EXPENSE),
            _account("6600", "Marketing", _X, S.EXPENSE),
        ),
        *_under(
            "67",
            _account(a.BANK_FEES, "Bank fees", _X, S.EXPENSE),
            _account(a.BAD_DEBTS, "Bad debts", _X, S.EXPENSE),
            _account(a.FX_LOSS, "Realised FX loss", _X, S.FX),
            _account("7910", "Unrealised FX loss", _X, S.FX),
        ),
    ),
    MappingProxyType(
        {
            Role.BANK.value: a.BANK,
            Role.RECEIVABLE.value: a.RECEIVABLES,
            Role.INPUT_TAX.value: a.INPUT_TAX,
            Role.PAYABLE.value: a.PAYABLES,
            Role.OUTPUT_TAX.value: a.TAX_PAYABLE,
            Role.CUSTOMER_CREDIT.value: a.CUSTOMER_CREDIT,
            Role.SALARIES_PAYABLE.value: a.SALARIES_PAYABLE,
            Role.ACCRUED_LIABILITIES.value: a.ACCRUED_LIABILITIES,
            Role.EMPLOYEE_PAYABLE.value: a.EMPLOYEE_PAYABLE,
            Role.RETAINED_EARNINGS.value: a.RETAINED_EARNINGS,
            Role.REVENUE.value: a.SERVICE_REVENUE,
            Role.FX_GAIN.value: a.FX_GAIN,
            Role.COST_OF_SERVICES.value: a.COST_OF_SERVICES,
            Role.SALARIES.value: a.SALARIES,
            Role.BANK_FEES.value: a.BANK_FEES,
            Role.BAD_DEBTS.value: a.BAD_DEBTS,
            Role.FX_LOSS.value: a.FX_LOSS,
            # unrealised FX (issue 18, item 5): its own accounts, so the P&L says which is which
            Role.FX_UNREALISED_GAIN.value: "4910",
            Role.FX_UNREALISED_LOSS.value: "7910",
        }
    ),
    MappingProxyType(SERVICES_CATEGORIES),
)

MINIMAL = Template(
    "minimal",
    (
        *_groups(
            ("10", "Cash and bank", _A),
            ("11", "Receivables", _A),
            ("20", "Payables and accruals", _L),
            ("21", "Taxes", _L),
            ("60", "Operating expenses", _X),
        ),
        *_under("10", _account("1000", "Bank", _A, S.BANK)),
        *_under(
            "11",
            _account("1100", "Accounts receivable", _A, S.RECEIVABLE),
            _account("1200", "Input tax", _A, S.TAX),
        ),
        _account("1900", "Suspense", _A, S.SUSPENSE),
        *_under("20", _account("2000", "Accounts payable", _L, S.PAYABLE)),
        *_under("21", _account("2100", "Output tax", _L, S.TAX)),
        *_under(
            "20",
            _account("2200", "Customer credit", _L, S.CUSTOMER_CREDIT),
            _account("2300", "Salaries payable", _L, S.SALARIES_PAYABLE),
            _account("2400", "Accrued liabilities", _L, S.ACCRUED),
            _account("2500", "Employee payable", _L, S.EMPLOYEE_PAYABLE),
        ),
        _account("3000", "Equity", _E, S.EQUITY),
        _account("3100", "Retained earnings", _E, S.RETAINED_EARNINGS),
        _account("4000", "Revenue", _I, S.REVENUE),
        _account("4900", "FX gains", _I, S.FX),
        _account("5000", "Cost of services", _X, S.COST_OF_SALES),
        _account("5100", "Salaries", _X, S.EXPENSE),
        *_under(
            "60",
            _account("6000", "Expenses", _X, S.EXPENSE),
            _account("6700", "Bank fees", _X, S.EXPENSE),
            _account("6800", "Bad debts", _X, S.EXPENSE),
            _account("6900", "Rounding", _X, S.EXPENSE),
        ),
        _account("7900", "FX losses", _X, S.FX),
    ),
    MappingProxyType(
        {
            Role.BANK.value: "1000",
            Role.RECEIVABLE.value: "1100",
            Role.INPUT_TAX.value: "1200",
            Role.SUSPENSE.value: "1900",
            Role.PAYABLE.value: "2000",
            Role.OUTPUT_TAX.value: "2100",
            Role.CUSTOMER_CREDIT.value: "2200",
            Role.SALARIES_PAYABLE.value: "2300",
            Role.ACCRUED_LIABILITIES.value: "2400",
            Role.EMPLOYEE_PAYABLE.value: "2500",
            Role.RETAINED_EARNINGS.value: "3100",
            Role.REVENUE.value: "4000",
            Role.FX_GAIN.value: "4900",
            Role.FX_UNREALISED_GAIN.value: "4900",
            Role.COST_OF_SERVICES.value: "5000",
            Role.SALARIES.value: "5100",
            Role.BANK_FEES.value: "6700",
            Role.BAD_DEBTS.value: "6800",
            Role.ROUNDING.value: "6900",
            Role.FX_LOSS.value: "7900",
            Role.FX_UNREALISED_LOSS.value: "7900",
        }
    ),
    # one expense account: every category but subcontracting posts to it
    MappingProxyType({**{c: "6000" for c in SERVICES_CATEGORIES}, "subcontracting": "5000"}),
)

TEMPLATES: dict[str, Template] = {t.name: t for t in (SERVICES_EU, MINIMAL)}
DEFAULT_TEMPLATE = SERVICES_EU.name


def template(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        names = ", ".join(sorted(TEMPLATES))
        raise InvalidValue(f"template: one of {names}; got {name[:40]!r}") from None


DEFAULT_CHART: dict[str, Account] = SERVICES_EU.chart()
DEFAULT_ROLES = Roles(SERVICES_EU.roles)
# The services-eu code -> role map: what a line stored before lines carried their role was posted as.
_DEFAULT_ROLE_OF: dict[str, str] = {}
for _key, _code in SERVICES_EU.roles.items():
    _DEFAULT_ROLE_OF.setdefault(_code, _key)


def default_account(code: str) -> Account:
    """An account of the implicit default chart (services-eu)."""
    try:
        return DEFAULT_CHART[code]
    except KeyError:
        raise InvalidValue(f"unknown account {code!r}") from None


def role_of(line: JournalLine) -> str | None:
    """The role a line was posted under: its own, else (a line stored before lines carried one)
    the services-eu role of its account, the only chart there was then."""
    return line.role if line.role is not None else _DEFAULT_ROLE_OF.get(line.account)
