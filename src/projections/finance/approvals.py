"""Who approves expense claims, as the claims read model knows it: a cost center, and the expense
policy in force (the default one, at version 0, until a policy is configured)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ledger.expense_policy import (
    DEFAULT_CATEGORIES,
    DEFAULT_FALLBACK_APPROVER,
    DEFAULT_STEPS,
    ApprovalStep,
    cost_center_id,
)
from projections.engine.db import ViewDatabase


@dataclass(frozen=True)
class CostCenterView:
    code: str
    name: str
    manager: str
    version: int


def get_cost_center(db: ViewDatabase, code: str) -> CostCenterView | None:
    """The cost center of ``code`` (any case), or None."""
    with db.read() as cur:
        cur.execute(
            "SELECT code, name, manager, version FROM cost_centers WHERE id = %s",
            (str(cost_center_id(code.strip().upper())),),
        )
        row = cur.fetchone()
    return CostCenterView(row[0], row[1], row[2], int(row[3])) if row else None


@dataclass(frozen=True)
class PolicyView:
    steps: list[ApprovalStep]
    fallback_approver: str
    categories: dict[str, str]
    version: int  # 0: none configured, the default applies


def expense_policy(db: ViewDatabase) -> PolicyView:
    """The policy in force: the configured one, else the default."""
    with db.read() as cur:
        cur.execute("SELECT fallback_approver, version FROM expense_policy")
        row = cur.fetchone()
        if row is None:
            return PolicyView(list(DEFAULT_STEPS), DEFAULT_FALLBACK_APPROVER, dict(DEFAULT_CATEGORIES), 0)
        cur.execute("SELECT approver, above FROM expense_policy_steps ORDER BY step_no")
        steps = [ApprovalStep(r[0], Decimal(r[1])) for r in cur.fetchall()]
        cur.execute("SELECT category, account FROM expense_policy_categories ORDER BY ordinal")
        categories = {str(r[0]): str(r[1]) for r in cur.fetchall()}
    return PolicyView(steps, row[0], categories, int(row[1]))
