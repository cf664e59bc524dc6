"""Expenses: cost centers, the approval policy, and claims from submission to reimbursement."""

from __future__ import annotations

from datetime import date
from typing import Any

from commands.finance import messages as m
from commands.posting import open_books
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.books import BOOKS_ID, Books
from ledger.chart_templates import SERVICES_EU, TEMPLATES
from ledger.errors import NotFound
from ledger.events import Meta
from ledger.expense_policy import (
    DEFAULT_FALLBACK_APPROVER,
    DEFAULT_STEPS,
    POLICY_ID,
    ApprovalStep,
    CostCenter,
    ExpensePolicy,
    cost_center_id,
)
from ledger.expenses import ExpenseClaim, make_details
from ledger.money import to_decimal


def define_cost_center(uow: UnitOfWork, c: m.DefineCostCenter) -> CommandResult:
    center = CostCenter.define(c.code, c.name, c.manager, c.on or uow.today(), c.meta)
    uow.ensure_new(center.id, f"cost center {center.code}:")
    return uow.commit(center)


def _cost_center(uow: UnitOfWork, code: str) -> CostCenter:
    return uow.load(CostCenter, cost_center_id(code.strip().upper()), label=f"cost center {code}:")


def change_cost_center_manager(uow: UnitOfWork, c: m.ChangeCostCenterManager) -> CommandResult:
    center = _cost_center(uow, c.code)
    center.change_manager(c.manager, c.on or uow.today(), c.meta)
    return uow.commit(center)


def _policy(uow: UnitOfWork, on: date, meta: Meta) -> ExpensePolicy:
    try:
        return uow.load(ExpensePolicy, POLICY_ID)
    except NotFound:
        # The default categories are the chart's template's (a minimal chart has no 6200 "Travel"):
        # books started before templates named them are still served by their own accounts.
        steps, categories = list(DEFAULT_STEPS), _default_categories(uow)
        return ExpensePolicy.configure(steps, DEFAULT_FALLBACK_APPROVER, categories, on, meta, uow.chart().accounts)


def _default_categories(uow: UnitOfWork) -> dict[str, str]:
    return dict(TEMPLATES.get(uow.chart().template, SERVICES_EU).categories)


def expense_policy(uow: UnitOfWork) -> ExpensePolicy:
    """The policy in force: the configured one, else the default (manager approves, finance falls back)."""
    return _policy(uow, uow.today(), Meta("keel"))


def configure_policy(uow: UnitOfWork, c: m.ConfigureExpensePolicy) -> CommandResult:
    on = c.on or uow.today()
    steps = [ApprovalStep(s.approver.strip(), to_decimal(s.above)) for s in c.steps]
    categories = dict(c.categories) or _default_categories(uow)
    try:
        policy = uow.load(ExpensePolicy, POLICY_ID)
        policy.reconfigure(steps, c.fallback_approver, categories, on, c.meta, uow.chart().accounts)
    except NotFound:
        policy = ExpensePolicy.configure(steps, c.fallback_approver, categories, on, c.meta, uow.chart().accounts)
    return uow.commit(policy)


def _details(claim: m.ClaimInput) -> Any:
    return make_details(
        claim.category,
        claim.description,
        to_decimal(claim.amount),
        claim.tax_rate,
        claim.receipt_reference,
        claim.cost_center,
        claim.project_id,
    )


def submit_claim(uow: UnitOfWork, c: m.SubmitExpenseClaim) -> CommandResult:
    uow.ensure_new(c.claim_id, "expense claim")
    on = c.on or uow.today()
    details = _details(c.claim)
    center = _cost_center(uow, details.cost_center)
    policy = _policy(uow, on, c.meta)
    try:
        functional = uow.load(Books, BOOKS_ID).functional_currency
    except NotFound:
        functional = uow.default_functional_currency
    employee = c.employee or c.meta.actor
    claim = ExpenseClaim.submit(c.claim_id, employee, details, policy, center, functional, on, c.meta)
    return uow.commit(claim, policy if policy.pending_events else None)


def approve_claim(uow: UnitOfWork, c: m.ApproveExpenseClaim) -> CommandResult:
    claim = uow.load(ExpenseClaim, c.claim_id, c.expected_version, label="expense claim")
    on = c.on or uow.today()
    _, new_books = open_books(uow, on, c.meta, "this approval")
    claim.approve(c.meta.actor, on, c.meta, uow.chart().roles)
    return uow.commit(claim, new_books)


def reject_claim(uow: UnitOfWork, c: m.RejectExpenseClaim) -> CommandResult:
    claim = uow.load(ExpenseClaim, c.claim_id, c.expected_version, label="expense claim")
    claim.reject(c.meta.actor, c.reason, c.on or uow.today(), c.meta)
    return uow.commit(claim)


def resubmit_claim(uow: UnitOfWork, c: m.ResubmitExpenseClaim) -> CommandResult:
    claim = uow.load(ExpenseClaim, c.claim_id, label="expense claim")
    on = c.on or uow.today()
    details = _details(c.claim)
    claim.resubmit(c.meta.actor, details, _policy(uow, on, c.meta), _cost_center(uow, details.cost_center), on, c.meta)
    return uow.commit(claim)


def reimburse_claim(uow: UnitOfWork, c: m.ReimburseExpenseClaim) -> CommandResult:
    claim = uow.load(ExpenseClaim, c.claim_id, label="expense claim")
    on = c.on or uow.today()
    _, new_books = open_books(uow, on, c.meta, "this reimbursement")
    claim.reimburse(c.reference, on, c.meta, uow.chart().roles)
    return uow.commit(claim, new_books)


HANDLERS: Handlers = {
    m.DefineCostCenter: define_cost_center,
    m.ChangeCostCenterManager: change_cost_center_manager,
    m.ConfigureExpensePolicy: configure_policy,
    m.SubmitExpenseClaim: submit_claim,
    m.ApproveExpenseClaim: approve_claim,
    m.RejectExpenseClaim: reject_claim,
    m.ResubmitExpenseClaim: resubmit_claim,
    m.ReimburseExpenseClaim: reimburse_claim,
}
