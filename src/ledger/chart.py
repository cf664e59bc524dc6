"""The chart of accounts as data: one ``Chart`` per store, changed only by its events.

Accounts are added, renamed, deactivated and reactivated, never deleted; roles are mapped to
them. An account mapped to a role is *locked*: it cannot be deactivated, and when the role is a
control role (receivable, payable, taxes, customer credit, employee and salaries payable) no
manual journal entry may post to it: it moves only through its documents. A store with no chart
events keeps the ``services-eu`` template (``IMPLICIT``, version 0).

``ChartRules`` is what posting is checked against: every event that carries a journal is checked
on the write side, in one place (``commands.unit_of_work.UnitOfWork.commit``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, uuid5

from ledger.accounts import Account, AccountType, Subtype, check_code
from ledger.chart_templates import DEFAULT_TEMPLATE, SERVICES_EU, Template, template
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine
from ledger.policy import NAME, check_text
from ledger.roles import Role, Roles, role_key

CHART_ID = uuid5(NAMESPACE_URL, "keel:chart")

_A, _L, _E, _I, _X = (
    AccountType.ASSET,
    AccountType.LIABILITY,
    AccountType.EQUITY,
    AccountType.INCOME,
    AccountType.EXPENSE,
)
# The types a sub-type belongs to (``other`` goes with any).
SUBTYPE_TYPES: dict[str, tuple[AccountType, ...]] = {
    Subtype.BANK: (_A,),
    Subtype.CASH: (_A,),
    Subtype.RECEIVABLE: (_A,),
    Subtype.PREPAID: (_A,),
    Subtype.PAYABLE: (_L,),
    Subtype.TAX: (_A, _L),
    Subtype.CUSTOMER_CREDIT: (_L,),
    Subtype.EMPLOYEE_PAYABLE: (_L,),
    Subtype.SALARIES_PAYABLE: (_L,),
    Subtype.ACCRUED: (_L,),
    Subtype.EQUITY: (_E,),
    Subtype.RETAINED_EARNINGS: (_E,),
    Subtype.REVENUE: (_I,),
    Subtype.COST_OF_SALES: (_X,),
    Subtype.EXPENSE: (_X,),
    Subtype.FX: (_I, _X),
    Subtype.SUSPENSE: (_A, _L),
    Subtype.OTHER: tuple(AccountType),
    Subtype.GROUP: tuple(AccountType),
}


@dataclass(frozen=True)
class ChartRules:
    """A chart as posting sees it: the accounts by code, the roles, and the chart's version."""

    accounts: Mapping[str, Account]
    roles: Roles
    version: int = 0
    template: str = DEFAULT_TEMPLATE  # the template the chart started from

    def account(self, code: str) -> Account:
        try:
            return self.accounts[code]
        except KeyError:
            raise InvalidValue(f"account: the chart of accounts has no account {code[:20]!r}") from None

    def locked(self, code: str) -> bool:
        """Mapped to a role: it cannot be deactivated."""
        return bool(self.roles.roles_of(code))

    def control_role(self, code: str) -> str | None:
        """The control role the account is mapped to, if any (no manual entry may post to it)."""
        return next((key for key in self.roles.roles_of(code) if role_key(key)[0].control), None)

    def check_lines(self, lines: Iterable[JournalLine], *, manual: bool = False, closing: bool = False) -> None:
        """Every line on an account of this chart that takes postings: active (a year-end close
        may still empty a deactivated one), in the account's currency if it has one, and, for a
        manual entry, not a control account."""
        for line in lines:
            acct = self.account(line.account)
            if acct.is_group:
                raise InvalidValue(f"account {acct.code} {acct.name} is a group: it takes no postings")
            if not acct.active and not closing:
                raise InvalidTransition(f"account {acct.code} {acct.name} is deactivated: it takes no new postings")
            if acct.currency is not None and line.amount != 0 and line.currency != acct.currency:
                raise InvalidValue(
                    f"account {acct.code} {acct.name} takes postings in {acct.currency} only, not {line.currency}"
                )
            if manual:
                role = self.control_role(acct.code)
                if role is not None:
                    raise InvalidTransition(
                        f"account {acct.code} {acct.name} is the {role} account: it moves only through its"
                        " documents, not by a manual journal entry"
                    )

    def bank_account(self, code: str | None) -> str | None:
        """``code`` if it names an active asset account of sub-type bank or cash (None: the bank role's)."""
        if code is None:
            return None
        acct = self.account(check_code(code, "bank_account"))
        if acct.type is not AccountType.ASSET or acct.subtype not in (Subtype.BANK, Subtype.CASH):
            raise InvalidValue(
                f"bank_account: {acct.code} {acct.name} is not a bank account (an asset of sub-type bank)"
            )
        if not acct.active:
            raise InvalidTransition(f"bank_account: account {acct.code} {acct.name} is deactivated")
        return acct.code


def template_rules(t: Template) -> ChartRules:
    return ChartRules(t.chart(), Roles(dict(t.roles)), 0, t.name)


IMPLICIT = template_rules(SERVICES_EU)


class Chart(KeelAggregate):
    TOPIC = "keel.Chart"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        template: str
        accounts: dict[str, Account]
        roles: dict[str, str]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.chart.Created.v1"

    class Started(Created):
        TOPIC = "keel.chart.ChartStarted.v1"
        template: str

        def apply(self, chart: Chart) -> None:
            chart.template = self.template
            chart.accounts = {}
            chart.roles = {}

    class AccountAdded(Event):
        TOPIC = "keel.chart.AccountAdded.v1"
        code: str
        name: str
        type: str
        subtype: str
        parent: str | None
        currency: str | None

        def apply(self, chart: Chart) -> None:
            kind = AccountType(self.type)
            added = Account(self.code, self.name, kind, self.subtype, self.parent, self.currency)
            chart.accounts = {**chart.accounts, self.code: added}

    class AccountRenamed(Event):
        TOPIC = "keel.chart.AccountRenamed.v1"
        code: str
        name: str

        def apply(self, chart: Chart) -> None:
            chart.accounts = {**chart.accounts, self.code: replace(chart.accounts[self.code], name=self.name)}

    class AccountDeactivated(Event):
        TOPIC = "keel.chart.AccountDeactivated.v1"
        code: str

        def apply(self, chart: Chart) -> None:
            chart.accounts = {**chart.accounts, self.code: replace(chart.accounts[self.code], active=False)}

    class AccountReactivated(Event):
        TOPIC = "keel.chart.AccountReactivated.v1"
        code: str

        def apply(self, chart: Chart) -> None:
            chart.accounts = {**chart.accounts, self.code: replace(chart.accounts[self.code], active=True)}

    class AccountMoved(Event):
        """The account is grouped under another parent (None: at the top) from the event's date."""

        TOPIC = "keel.chart.AccountMoved.v1"
        code: str
        parent: str | None

        def apply(self, chart: Chart) -> None:
            chart.accounts = {**chart.accounts, self.code: replace(chart.accounts[self.code], parent=self.parent)}

    class RoleMapped(Event):
        TOPIC = "keel.chart.RoleMapped.v1"
        role: str
        code: str

        def apply(self, chart: Chart) -> None:
            chart.roles = {**chart.roles, self.role: self.code}

    # -- starting -------------------------------------------------------------------------

    @classmethod
    def start(cls, template_name: str, on: date, meta: Meta) -> Chart:
        """A chart from a template: its accounts added and its roles mapped, as events."""
        t = template(template_name)
        chart = cls._create(cls.Started, id=CHART_ID, template=t.name, **meta.stamp(on))
        for acct in t.accounts:
            chart.add_account(acct, on, meta)
        for key, code in t.roles.items():
            chart.map_role(key, code, on, meta)
        return chart

    @classmethod
    def implicit(cls, on: date, meta: Meta) -> Chart:
        """The chart a store without chart events keeps, as events to record with a first change."""
        return cls.start(DEFAULT_TEMPLATE, on, meta)

    @property
    def rules(self) -> ChartRules:
        return ChartRules(dict(self.accounts), Roles(dict(self.roles)), self.version, self.template)

    # -- accounts -------------------------------------------------------------------------

    def _get(self, code: str) -> Account:
        check_code(code)
        try:
            return self.accounts[code]
        except KeyError:
            raise InvalidValue(f"code: the chart of accounts has no account {code!r}") from None

    def add_account(self, account: Account, on: date, meta: Meta) -> None:
        acct = account.checked()
        if acct.code in self.accounts:
            known = self.accounts[acct.code]
            raise InvalidTransition(f"account {acct.code} already exists ({known.name}); accounts are never replaced")
        if acct.type not in SUBTYPE_TYPES[acct.subtype]:
            allowed = " or ".join(t.value for t in SUBTYPE_TYPES[acct.subtype])
            raise InvalidValue(f"subtype: an account of sub-type {acct.subtype} is {allowed}, not {acct.type.value}")
        if acct.parent is not None:
            self._check_parent(acct, acct.parent)
        self.trigger_event(
            self.AccountAdded,
            code=acct.code,
            name=acct.name,
            type=acct.type.value,
            subtype=acct.subtype,
            parent=acct.parent,
            currency=acct.currency,
            **meta.stamp(on),
        )

    def _check_parent(self, acct: Account, code: str) -> None:
        """A parent exists, is a group of the account's type, and is not the account or below it."""
        if code == acct.code:
            raise InvalidValue(f"parent: account {code} cannot be its own parent")
        parent = self.accounts.get(code)
        if parent is None:
            raise InvalidValue(f"parent: the chart of accounts has no account {code!r}")
        if parent.type is not acct.type:
            raise InvalidValue(f"parent: {parent.code} {parent.name} is {parent.type.value}, not {acct.type.value}")
        if not parent.is_group:
            raise InvalidValue(
                f"parent: {parent.code} {parent.name} takes postings; a parent is an account of sub-type group"
            )
        above: str | None = code
        while above is not None:  # moving a group under one of its own groups would make a cycle
            if above == acct.code:
                raise InvalidValue(f"parent: {parent.code} {parent.name} is grouped under {acct.code}")
            above = self.accounts[above].parent if above in self.accounts else None

    def move(self, code: str, parent: str | None, on: date, meta: Meta) -> None:
        """Group the account under ``parent`` (None: at the top) from ``on``; reports as of earlier
        dates, or known before, keep the old grouping."""
        acct = self._get(code)
        if parent is not None:
            self._check_parent(acct, check_code(parent, "parent"))
        if parent == acct.parent:
            where = f"under {parent}" if parent else "at the top"
            raise InvalidTransition(f"account {code} {acct.name} is already {where}")
        self.trigger_event(self.AccountMoved, code=code, parent=parent, **meta.stamp(on))

    def rename(self, code: str, name: str, on: date, meta: Meta) -> None:
        acct = self._get(code)
        name = check_text(name.strip(), NAME, "name")
        if not name:
            raise InvalidValue("name: an account needs a name")
        if name == acct.name:
            raise InvalidTransition(f"account {code} is already named {name!r}")
        self.trigger_event(self.AccountRenamed, code=code, name=name, **meta.stamp(on))

    def deactivate(self, code: str, on: date, meta: Meta) -> None:
        acct = self._get(code)
        if not acct.active:
            raise InvalidTransition(f"account {code} {acct.name} is already deactivated")
        mapped = Roles(self.roles).roles_of(code)
        if mapped:
            raise InvalidTransition(
                f"account {code} {acct.name} is locked: it is mapped to the role {', '.join(mapped)};"
                " map the role to another account first"
            )
        children = sorted(c.code for c in self.accounts.values() if c.parent == code and c.active)
        if children:
            raise InvalidTransition(f"account {code} {acct.name} groups active accounts: {', '.join(children)}")
        self.trigger_event(self.AccountDeactivated, code=code, **meta.stamp(on))

    def reactivate(self, code: str, on: date, meta: Meta) -> None:
        acct = self._get(code)
        if acct.active:
            raise InvalidTransition(f"account {code} {acct.name} is active")
        self.trigger_event(self.AccountReactivated, code=code, **meta.stamp(on))

    # -- roles ----------------------------------------------------------------------------

    def map_role(self, key: str, code: str, on: date, meta: Meta) -> None:
        role, _ = role_key(key)
        acct = self._get(code)
        if not acct.active:
            raise InvalidTransition(f"account {code} {acct.name} is deactivated; a role maps to an active account")
        if acct.is_group:
            raise InvalidValue(f"code: {code} {acct.name} is a group; a role maps to an account that takes postings")
        if acct.type not in role.types:
            allowed = " or ".join(t.value for t in role.types)
            raise InvalidValue(f"code: the role {key} maps to an {allowed} account; {code} {acct.name} is {acct.type}")
        if role is Role.BANK and acct.subtype not in (Subtype.BANK, Subtype.CASH):
            raise InvalidValue(f"code: the role bank maps to an account of sub-type bank; {code} is {acct.subtype}")
        if self.roles.get(key) == code:
            raise InvalidTransition(f"the role {key} is already mapped to {code}")
        self.trigger_event(self.RoleMapped, role=key, code=code, **meta.stamp(on))
