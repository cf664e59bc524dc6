"""Roles: what posting rules name instead of account numbers.

A posting rule says "debit the receivable, credit revenue and output tax"; the business's chart
maps each role to one of its accounts (``Roles``). Output tax may be mapped per rate: the role
key ``output_tax:24`` (the tax code of the rate) falls back to ``output_tax``; revenue may be
mapped per service line: ``revenue:DES`` takes invoice lines of service code DES, the others
``revenue``. The bank role is
the default bank account; a payment may name another account of sub-type bank (per bank account
mappings come with bank accounts, issue 18 item 3: ``Roles.bank_account`` is where they plug in).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ledger.accounts import AccountType
from ledger.errors import InvalidValue


class Role(StrEnum):
    RECEIVABLE = "receivable"
    CUSTOMER_CREDIT = "customer_credit"
    REVENUE = "revenue"
    OUTPUT_TAX = "output_tax"
    INPUT_TAX = "input_tax"
    PAYABLE = "payable"
    BANK = "bank"
    BANK_FEES = "bank_fees"
    FX_GAIN = "fx_gain"
    FX_LOSS = "fx_loss"
    FX_UNREALISED_GAIN = "fx_unrealised_gain"
    FX_UNREALISED_LOSS = "fx_unrealised_loss"
    ROUNDING = "rounding"
    SUSPENSE = "suspense"
    BAD_DEBTS = "bad_debts"
    COST_OF_SERVICES = "cost_of_services"
    SALARIES = "salaries"
    SALARIES_PAYABLE = "salaries_payable"
    EMPLOYEE_PAYABLE = "employee_payable"
    ACCRUED_LIABILITIES = "accrued_liabilities"
    RETAINED_EARNINGS = "retained_earnings"

    @property
    def types(self) -> tuple[AccountType, ...]:
        """The account types an account mapped to this role may have."""
        return _TYPES[self]

    @property
    def control(self) -> bool:
        """A control account moves only through its documents: no manual entry may post to it."""
        return self in _CONTROL


_A, _L, _E, _I, _X = (
    AccountType.ASSET,
    AccountType.LIABILITY,
    AccountType.EQUITY,
    AccountType.INCOME,
    AccountType.EXPENSE,
)
_TYPES: dict[Role, tuple[AccountType, ...]] = {
    Role.RECEIVABLE: (_A,),
    Role.CUSTOMER_CREDIT: (_L,),
    Role.REVENUE: (_I,),
    Role.OUTPUT_TAX: (_L,),
    Role.INPUT_TAX: (_A, _L),
    Role.PAYABLE: (_L,),
    Role.BANK: (_A,),
    Role.BANK_FEES: (_X,),
    Role.FX_GAIN: (_I,),
    Role.FX_LOSS: (_X,),
    Role.FX_UNREALISED_GAIN: (_I,),
    Role.FX_UNREALISED_LOSS: (_X,),
    Role.ROUNDING: (_I, _X),
    Role.SUSPENSE: (_A, _L),
    Role.BAD_DEBTS: (_X,),
    Role.COST_OF_SERVICES: (_X,),
    Role.SALARIES: (_X,),
    Role.SALARIES_PAYABLE: (_L,),
    Role.EMPLOYEE_PAYABLE: (_L,),
    Role.ACCRUED_LIABILITIES: (_L,),
    Role.RETAINED_EARNINGS: (_E,),
}
_CONTROL = frozenset(
    {
        Role.RECEIVABLE,
        Role.CUSTOMER_CREDIT,
        Role.PAYABLE,
        Role.OUTPUT_TAX,
        Role.INPUT_TAX,
        Role.EMPLOYEE_PAYABLE,
        Role.SALARIES_PAYABLE,
    }
)


# Roles mapped per key besides as a whole: tax per rate, revenue per service line.
KEYED = frozenset({Role.OUTPUT_TAX, Role.INPUT_TAX, Role.REVENUE})


def role_key(key: str) -> tuple[Role, str | None]:
    """A role key's role and its key, if any: ``output_tax:24`` -> (OUTPUT_TAX, "24"),
    ``revenue:DES`` -> (REVENUE, "DES")."""
    name, colon, rate = key.partition(":")
    try:
        role = Role(name)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidValue(f"role: one of {roles} (output_tax:RATE for a rate); got {key[:40]!r}") from None
    if rate and role not in KEYED:
        raise InvalidValue(
            f"role: only output_tax and input_tax are mapped per rate, and revenue per service code; got {key[:40]!r}"
        )
    if colon and not rate:
        raise InvalidValue(
            f"role: a rate or service code follows the colon (output_tax:24, revenue:DES); got {key[:40]!r}"
        )
    if rate and (len(rate) > 20 or not all(c.isascii() and (c.isalnum() or c in "._-") for c in rate)):
        raise InvalidValue(
            f"role: a tax or service code is 1 to 20 letters, digits, '.', '_' or '-'; got {rate[:20]!r}"
        )
    return role, rate or None


@dataclass(frozen=True)
class Roles(Mapping[str, str]):
    """Role key -> account code, as one chart maps them."""

    codes: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.codes[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def code(self, role: Role) -> str:
        """The account the role posts to; a role the chart does not map is refused."""
        try:
            return self.codes[role.value]
        except KeyError:
            raise InvalidValue(
                f"the chart of accounts maps no account to the role {role.value}: map one first"
            ) from None

    def keyed(self, role: Role, key: str | None) -> str:
        """The account of a role for one key: output (or input) tax at one rate (``output_tax:<code>``),
        revenue of one service line (``revenue:<service code>``); else the role's own account."""
        if key is not None:
            found = self.codes.get(f"{role.value}:{key}")
            if found is not None:
                return found
        return self.code(role)

    def bank_account(self, code: str | None = None) -> str:
        """The bank account a movement goes through: the one named, else the bank role's.
        (Bank accounts of their own, each mapped to an account, plug in here: issue 18, item 3.)"""
        return code if code is not None else self.code(Role.BANK)

    def roles_of(self, code: str) -> list[str]:
        """The role keys mapped to an account, in order."""
        return sorted(key for key, mapped in self.codes.items() if mapped == code)
