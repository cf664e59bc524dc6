"""Who approves expense claims: cost centers with their managers, and the expense policy
(categories and the approval steps by amount)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.accounts import Account, AccountType
from ledger.chart_templates import SERVICES_CATEGORIES
from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import Money

DEFAULT_CATEGORIES = dict(SERVICES_CATEGORIES)  # the implicit chart's (a template may name its own)


def cost_center_id(code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:cost-center:{code}")


POLICY_ID = uuid5(NAMESPACE_URL, "keel:expense-policy")


def person_named(name: str, what: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidValue(f"{what} must name a person (1 to 200 characters)")
    return name


class CostCenter(KeelAggregate):
    TOPIC = "keel.CostCenter"

    if TYPE_CHECKING:
        code: str
        name: str
        manager: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.costcenter.Created.v1"

    class Defined(Created):
        TOPIC = "keel.costcenter.Defined.v1"
        code: str
        name: str
        manager: str

        def apply(self, cc: CostCenter) -> None:
            cc.code, cc.name, cc.manager = self.code, self.name, self.manager

    class ManagerChanged(Event):
        TOPIC = "keel.costcenter.ManagerChanged.v1"
        manager: str

        def apply(self, cc: CostCenter) -> None:
            cc.manager = self.manager

    @classmethod
    def define(cls, code: str, name: str, manager: str, on: date, meta: Meta) -> CostCenter:
        code = code.strip().upper()
        if not code or len(code) > 20 or not code.replace("-", "").isalnum():
            raise InvalidValue(f"a cost center code is 1 to 20 letters, digits or dashes, got {code!r}")
        if not name.strip():
            raise InvalidValue("a cost center needs a name")
        return cls._create(
            cls.Defined,
            id=cost_center_id(code),
            code=code,
            name=name.strip(),
            manager=person_named(manager, "the manager"),
            **meta.stamp(on),
        )

    def change_manager(self, manager: str, on: date, meta: Meta) -> None:
        self.trigger_event(self.ManagerChanged, manager=person_named(manager, "the manager"), **meta.stamp(on))


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    approver: str  # a person, or COST_CENTER_MANAGER
    above: Decimal  # the step applies to claims above this amount (functional currency)


class ExpensePolicy(KeelAggregate):
    TOPIC = "keel.ExpensePolicy"

    if TYPE_CHECKING:
        steps: list[ApprovalStep]
        fallback_approver: str
        categories: dict[str, str]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.expensepolicy.Created.v1"

    class Configured(Created):
        TOPIC = "keel.expensepolicy.Configured.v1"
        steps: list[ApprovalStep]
        fallback_approver: str
        categories: dict[str, str]

        def apply(self, policy: ExpensePolicy) -> None:
            policy.steps = list(self.steps)
            policy.fallback_approver = self.fallback_approver
            policy.categories = dict(self.categories)

    class Reconfigured(Event):
        TOPIC = "keel.expensepolicy.Reconfigured.v1"
        steps: list[ApprovalStep]
        fallback_approver: str
        categories: dict[str, str]

        def apply(self, policy: ExpensePolicy) -> None:
            policy.steps = list(self.steps)
            policy.fallback_approver = self.fallback_approver
            policy.categories = dict(self.categories)

    @staticmethod
    def _validate(
        steps: list[ApprovalStep], fallback: str, categories: dict[str, str], chart: Mapping[str, Account]
    ) -> dict[str, Any]:
        if not steps:
            raise InvalidValue("an expense policy needs at least one approval step")
        for step in steps:
            if step.above < 0:
                raise InvalidValue(f"an approval threshold cannot be negative, got {step.above}")
            person_named(step.approver, "an approver")
        for category, code in categories.items():
            acct = chart.get(code)
            if acct is None or acct.type not in (AccountType.EXPENSE, AccountType.ASSET) or acct.is_group:
                raise InvalidValue(
                    f"category {category!r} must map to an expense or asset account that takes postings, not {code}"
                )
        return {
            "steps": steps,
            "fallback_approver": person_named(fallback, "the fallback approver"),
            "categories": categories,
        }

    @classmethod
    def configure(
        cls,
        steps: list[ApprovalStep],
        fallback: str,
        categories: dict[str, str],
        on: date,
        meta: Meta,
        chart: Mapping[str, Account],
    ) -> ExpensePolicy:
        """The policy; every category maps to an expense or asset account of ``chart``."""
        checked = cls._validate(steps, fallback, categories, chart)
        return cls._create(cls.Configured, id=POLICY_ID, **checked, **meta.stamp(on))

    def reconfigure(
        self,
        steps: list[ApprovalStep],
        fallback: str,
        categories: dict[str, str],
        on: date,
        meta: Meta,
        chart: Mapping[str, Account],
    ) -> None:
        self.trigger_event(self.Reconfigured, **self._validate(steps, fallback, categories, chart), **meta.stamp(on))

    def route(self, claimant: str, manager: str, amount: Money) -> list[str]:
        """Who approves, in order: the applicable steps, never the claimant, nobody twice."""
        route: list[str] = []
        for step in self.steps:
            if amount.amount <= step.above:
                continue
            person = manager if step.approver == COST_CENTER_MANAGER else step.approver
            if person == claimant:
                person = self.fallback_approver
            if person == claimant:
                raise InvalidValue(f"the policy leaves no approver for {claimant}'s claim other than {claimant}")
            if person not in route:
                route.append(person)
        return route

    def account_for(self, category: str) -> str:
        try:
            return self.categories[category]
        except KeyError:
            known = ", ".join(sorted(self.categories))
            raise InvalidValue(f"unknown expense category {category!r}; known: {known}") from None


COST_CENTER_MANAGER = "cost_center_manager"

# The policy in force until one is configured: the cost center's manager approves every claim,
# finance when the manager is the claimant; the default categories.
DEFAULT_STEPS = (ApprovalStep(COST_CENTER_MANAGER, Decimal(0)),)
DEFAULT_FALLBACK_APPROVER = "finance"
