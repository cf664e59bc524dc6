"""Expense claims with approval routes.

Routes come from the expense policy: a list of steps, each with an approver (a named
person, or the manager of the claim's cost center) and an amount above which it applies.
Nobody approves their own claim: where a step would route to the claimant, it goes to the
policy's fallback approver. Approvals follow the route in order. The final approval posts
the expense (category -> account by the policy's categorisation rules); reimbursement pays
the employee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.errors import InvalidTransition, InvalidValue, NotPermitted
from ledger.events import KeelAggregate, Meta
from ledger.expense_policy import CostCenter, ExpensePolicy, person_named
from ledger.journal import JournalLine, Posting, reverse
from ledger.money import Money, to_decimal
from ledger.roles import Role, Roles
from ledger.tax import TaxableLine, check_rate, compute, tax_code

SUBMITTED, APPROVED, REJECTED, REIMBURSED = "submitted", "approved", "rejected", "reimbursed"


@dataclass(frozen=True, slots=True)
class ClaimDetails:
    category: str
    description: str
    amount: Decimal  # gross, as on the receipt, in the functional currency
    tax_rate: Decimal
    receipt_reference: str
    cost_center: str
    project_id: str | None = None


def make_details(
    category: str,
    description: str,
    amount: str | Decimal,
    tax_rate: str | Decimal,
    receipt_reference: str,
    cost_center: str,
    project_id: str | None = None,
) -> ClaimDetails:
    value = to_decimal(amount)
    if value <= 0:
        raise InvalidValue(f"a claim must be for a positive amount, got {value}")
    if not description.strip():
        raise InvalidValue("a claim needs a description")
    if not receipt_reference.strip():
        raise InvalidValue("a claim needs a receipt reference")
    return ClaimDetails(
        category.strip(),
        description.strip(),
        value,
        check_rate(tax_rate),
        receipt_reference.strip(),
        cost_center.strip().upper(),
        project_id or None,
    )


class ExpenseClaim(KeelAggregate):
    TOPIC = "keel.ExpenseClaim"

    if TYPE_CHECKING:
        employee: str
        details: ClaimDetails
        account: str
        currency: str
        route: list[str]
        approvals: list[str]
        status: str
        reimbursement: list[JournalLine]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.expenseclaim.Created.v1"

    class Submitted(Created):
        TOPIC = "keel.expenseclaim.Submitted.v1"
        employee: str
        details: ClaimDetails
        account: str
        currency: str
        route: list[str]

        def apply(self, claim: ExpenseClaim) -> None:
            claim.employee = self.employee
            claim.details = self.details
            claim.account = self.account
            claim.currency = self.currency
            claim.route = list(self.route)
            claim.approvals = []
            claim.status = SUBMITTED

    class Approved(Event):
        TOPIC = "keel.expenseclaim.Approved.v1"
        approver: str
        journal: list[JournalLine]  # posted by the final approval only

        def apply(self, claim: ExpenseClaim) -> None:
            claim.approvals = [*claim.approvals, self.approver]
            if len(claim.approvals) == len(claim.route):
                claim.status = APPROVED

    class Rejected(Event):
        TOPIC = "keel.expenseclaim.Rejected.v1"
        approver: str
        reason: str

        def apply(self, claim: ExpenseClaim) -> None:
            claim.status = REJECTED

    class Resubmitted(Event):
        TOPIC = "keel.expenseclaim.Resubmitted.v1"
        details: ClaimDetails
        account: str
        route: list[str]

        def apply(self, claim: ExpenseClaim) -> None:
            claim.details = self.details
            claim.account = self.account
            claim.route = list(self.route)
            claim.approvals = []
            claim.status = SUBMITTED

    class Reimbursed(Event):
        TOPIC = "keel.expenseclaim.Reimbursed.v1"
        reference: str
        journal: list[JournalLine]

        def apply(self, claim: ExpenseClaim) -> None:
            claim.status = REIMBURSED
            claim.reimbursement = list(self.journal)

    class ReimbursementReversed(Event):
        """The reimbursement taken back (its bank line unmatched): the claim is approved and owed
        to the employee again; the journal undoes the reimbursement's."""

        TOPIC = "keel.expenseclaim.ReimbursementReversed.v1"
        reason: str
        journal: list[JournalLine]

        def apply(self, claim: ExpenseClaim) -> None:
            claim.status, claim.reimbursement = APPROVED, []

    @classmethod
    def submit(
        cls,
        claim_id: UUID,
        employee: str,
        details: ClaimDetails,
        policy: ExpensePolicy,
        cost_center: CostCenter,
        currency: str,
        on: date,
        meta: Meta,
    ) -> ExpenseClaim:
        employee = person_named(employee, "the employee")
        gross = Money(details.amount, currency)
        if not gross.is_rounded():
            raise InvalidValue(f"claim amount {gross} has more precision than {currency} allows")
        gross.to_minor()  # refuses an amount beyond the input policy
        route = policy.route(employee, cost_center.manager, gross)
        return cls._create(
            cls.Submitted,
            id=claim_id,
            employee=employee,
            details=details,
            account=policy.account_for(details.category),
            currency=currency,
            route=route,
            **meta.stamp(on),
        )

    @property
    def gross(self) -> Money:
        return Money(self.details.amount, self.currency)

    @property
    def next_approver(self) -> str | None:
        return self.route[len(self.approvals)] if self.status == SUBMITTED else None

    def _check_approver(self, approver: str, verb: str) -> None:
        if self.status != SUBMITTED:
            raise InvalidTransition(
                f"only a submitted claim can be {verb.removesuffix('e')}ed; this claim is {self.status}"
            )
        if approver == self.employee:
            raise NotPermitted(f"nobody may {verb} their own claim ({approver})")
        expected = self.next_approver
        if approver != expected:
            if approver in self.route:
                raise InvalidTransition(f"out of order: the claim waits for {expected} before {approver}")
            raise NotPermitted(f"{approver} is not an approver of this claim (route: {', '.join(self.route)})")

    def approve(self, approver: str, on: date, meta: Meta, roles: Roles) -> bool:
        """Record an approval; the final one posts the expense. Returns True when fully approved."""
        self._check_approver(approver, "approve")
        final = len(self.approvals) + 1 == len(self.route)
        journal: list[JournalLine] = []
        if final:
            d = self.details
            result = compute([TaxableLine(self.gross, d.tax_rate, inclusive=True)])
            dims: dict[str, Any] = {
                "party_id": self.employee,
                "document_id": str(self.id),
                "memo": f"Expense claim {d.receipt_reference}: {d.description}",
            }
            posting = Posting(self.currency, self.currency, roles=roles)
            posting.add(
                self.account,
                result.nets[0].amount,
                cost_center=d.cost_center,
                project_id=d.project_id,
                tax_code=tax_code(d.tax_rate),
                **dims,
            )
            for group in result.groups:
                posting.post(Role.INPUT_TAX, group.tax.amount, tax_code=group.code, **dims)
            posting.post(Role.EMPLOYEE_PAYABLE, -self.gross.amount, **dims)
            journal = posting.entry()
        self.trigger_event(self.Approved, approver=approver, journal=journal, **meta.stamp(on))
        return final

    def reject(self, approver: str, reason: str, on: date, meta: Meta) -> None:
        self._check_approver(approver, "reject")
        if not reason.strip():
            raise InvalidValue("a rejection needs a reason")
        self.trigger_event(self.Rejected, approver=approver, reason=reason.strip(), **meta.stamp(on))

    def resubmit(
        self, employee: str, details: ClaimDetails, policy: ExpensePolicy, cost_center: CostCenter, on: date, meta: Meta
    ) -> None:
        if self.status != REJECTED:
            raise InvalidTransition(f"only a rejected claim can be resubmitted; this claim is {self.status}")
        if employee != self.employee:
            raise NotPermitted(f"only {self.employee} can resubmit their claim")
        gross = Money(details.amount, self.currency)
        gross.to_minor()  # refuses an amount beyond the input policy
        route = policy.route(employee, cost_center.manager, gross)
        self.trigger_event(
            self.Resubmitted,
            details=details,
            account=policy.account_for(details.category),
            route=route,
            **meta.stamp(on),
        )

    def reimburse(self, reference: str, on: date, meta: Meta, roles: Roles, bank_account: str | None = None) -> None:
        if self.status != APPROVED:
            raise InvalidTransition(f"only an approved claim can be reimbursed; this claim is {self.status}")
        dims: dict[str, Any] = {
            "party_id": self.employee,
            "document_id": str(self.id),
            "memo": f"Reimbursement {reference}".strip(),
        }
        posting = Posting(self.currency, self.currency, roles=roles)
        posting.post(Role.EMPLOYEE_PAYABLE, self.gross.amount, **dims)
        posting.post(Role.BANK, -self.gross.amount, code=roles.bank_account(bank_account), **dims)
        self.trigger_event(self.Reimbursed, reference=reference.strip(), journal=posting.entry(), **meta.stamp(on))

    def reverse_reimbursement(self, reason: str, on: date, meta: Meta) -> None:
        if self.status != REIMBURSED:
            raise InvalidTransition(
                f"only a reimbursed claim can have its reimbursement reversed; this one is {self.status}"
            )
        memo = f"Reversal of reimbursement: {reason.strip() or 'reversed'}"[:200]
        self.trigger_event(
            self.ReimbursementReversed,
            reason=reason.strip() or "reversed",
            journal=reverse(self.reimbursement, memo),
            **meta.stamp(on),
        )
