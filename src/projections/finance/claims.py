"""Expense claims as they stand now: status, route, who must act next; and who approves them —
the cost centers with their managers and the expense policy in force (its approval steps and
category rules, in their order), each with its aggregate's version (the ETag clients send back
as If-Match). Thresholds are kept as recorded, to the digit."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.expense_policy import CostCenter, ExpensePolicy
from ledger.expenses import ExpenseClaim
from ledger.money import to_minor
from projections.engine.projection import Fact
from projections.engine.sql import Cursor


class ClaimsProjection:
    name = "claims"
    schema_version = 2  # 2: cost centers and the expense policy
    tables = ("claims", "cost_centers", "expense_policy", "expense_policy_steps", "expense_policy_categories")
    folds = (ExpenseClaim.Event, CostCenter.Event, ExpensePolicy.Event)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE claims (
                id TEXT PRIMARY KEY,
                employee TEXT NOT NULL,
                category TEXT NOT NULL,
                account TEXT NOT NULL,
                description TEXT NOT NULL,
                receipt_reference TEXT NOT NULL,
                cost_center TEXT NOT NULL,
                project_id TEXT,
                currency TEXT NOT NULL,
                amount_minor BIGINT NOT NULL,
                status TEXT NOT NULL,
                route TEXT NOT NULL,
                approvals TEXT NOT NULL,
                next_approver TEXT,
                rejection_reason TEXT,
                submitted_on DATE NOT NULL,
                version INTEGER NOT NULL,
                position BIGINT NOT NULL
            )"""
        )
        cur.execute("CREATE INDEX claims_next_approver ON claims (next_approver)")
        cur.execute(
            "CREATE TABLE cost_centers (id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL,"
            " manager TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL)"
        )
        # One policy (``POLICY_ID``): its row, its steps in order, its categories in order.
        cur.execute(
            "CREATE TABLE expense_policy (id TEXT PRIMARY KEY, fallback_approver TEXT NOT NULL,"
            " version INTEGER NOT NULL, position BIGINT NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE expense_policy_steps (step_no INTEGER PRIMARY KEY, approver TEXT NOT NULL,"
            " above TEXT NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE expense_policy_categories (ordinal INTEGER PRIMARY KEY, category TEXT NOT NULL,"
            " account TEXT NOT NULL)"
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e = fact.event
            cid = str(e.originator_id)
            if isinstance(e, CostCenter.Event | ExpensePolicy.Event):
                self._approvers(cur, fact)
            elif isinstance(e, ExpenseClaim.Submitted):
                cur.execute(
                    "INSERT INTO claims (id, employee, category, account, description, receipt_reference, cost_center,"
                    " project_id, currency, amount_minor, status, route, approvals, next_approver, submitted_on,"
                    " version, position)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'submitted', %s, '', %s, %s, %s, %s)",
                    (
                        cid,
                        e.employee,
                        e.details.category,
                        e.account,
                        e.details.description,
                        e.details.receipt_reference,
                        e.details.cost_center,
                        e.details.project_id,
                        e.currency,
                        to_minor(e.details.amount, e.currency),
                        ",".join(e.route),
                        e.route[0] if e.route else None,
                        e.effective_date,
                        e.originator_version,
                        fact.position,
                    ),
                )
            elif isinstance(e, ExpenseClaim.Resubmitted):
                cur.execute(
                    "UPDATE claims SET category = %s, account = %s, description = %s, receipt_reference = %s,"
                    " cost_center = %s, project_id = %s, amount_minor = %s, status = 'submitted', route = %s,"
                    " approvals = '', next_approver = %s, rejection_reason = NULL, version = %s, position = %s"
                    " WHERE id = %s",
                    (
                        e.details.category,
                        e.account,
                        e.details.description,
                        e.details.receipt_reference,
                        e.details.cost_center,
                        e.details.project_id,
                        self._minor(cur, cid, e.details.amount),
                        ",".join(e.route),
                        e.route[0] if e.route else None,
                        e.originator_version,
                        fact.position,
                        cid,
                    ),
                )
            elif isinstance(e, ExpenseClaim.Approved):
                cur.execute("SELECT route, approvals FROM claims WHERE id = %s", (cid,))
                row = cur.fetchone()
                assert row is not None
                route = row[0].split(",")
                approvals = [a for a in row[1].split(",") if a] + [e.approver]
                done = len(approvals) >= len(route)
                cur.execute(
                    "UPDATE claims SET approvals = %s, status = %s, next_approver = %s, version = %s, position = %s"
                    " WHERE id = %s",
                    (
                        ",".join(approvals),
                        "approved" if done else "submitted",
                        None if done else route[len(approvals)],
                        e.originator_version,
                        fact.position,
                        cid,
                    ),
                )
            elif isinstance(e, ExpenseClaim.Rejected):
                cur.execute(
                    "UPDATE claims SET status = 'rejected', next_approver = NULL, rejection_reason = %s,"
                    " version = %s, position = %s WHERE id = %s",
                    (e.reason, e.originator_version, fact.position, cid),
                )
            elif isinstance(e, ExpenseClaim.ReimbursementReversed):  # approved, owed to the employee again
                cur.execute(
                    "UPDATE claims SET status = 'approved', version = %s, position = %s WHERE id = %s",
                    (e.originator_version, fact.position, cid),
                )
            elif isinstance(e, ExpenseClaim.Reimbursed):
                cur.execute(
                    "UPDATE claims SET status = 'reimbursed', version = %s, position = %s WHERE id = %s",
                    (e.originator_version, fact.position, cid),
                )

    @staticmethod
    def _approvers(cur: Cursor, fact: Fact) -> None:
        e, oid = fact.event, str(fact.event.originator_id)
        if isinstance(e, CostCenter.Defined):
            cur.execute(
                "INSERT INTO cost_centers (id, code, name, manager, version, position) VALUES (%s, %s, %s, %s, %s, %s)",
                (oid, e.code, e.name, e.manager, e.originator_version, fact.position),
            )
        elif isinstance(e, CostCenter.ManagerChanged):
            cur.execute(
                "UPDATE cost_centers SET manager = %s, version = %s, position = %s WHERE id = %s",
                (e.manager, e.originator_version, fact.position, oid),
            )
        elif isinstance(e, ExpensePolicy.Configured | ExpensePolicy.Reconfigured):
            for table in ("expense_policy", "expense_policy_steps", "expense_policy_categories"):
                cur.execute(f"DELETE FROM {table}")
            cur.execute(
                "INSERT INTO expense_policy (id, fallback_approver, version, position) VALUES (%s, %s, %s, %s)",
                (oid, e.fallback_approver, e.originator_version, fact.position),
            )
            for n, step in enumerate(e.steps, start=1):
                cur.execute(
                    "INSERT INTO expense_policy_steps (step_no, approver, above) VALUES (%s, %s, %s)",
                    (n, step.approver, str(step.above)),
                )
            for n, (category, account) in enumerate(e.categories.items(), start=1):
                cur.execute(
                    "INSERT INTO expense_policy_categories (ordinal, category, account) VALUES (%s, %s, %s)",
                    (n, category, account),
                )

    @staticmethod
    def _minor(cur: Cursor, claim_id: str, amount: object) -> int:
        cur.execute("SELECT currency FROM claims WHERE id = %s", (claim_id,))
        row = cur.fetchone()
        assert row is not None
        return to_minor(amount, row[0])  # type: ignore[arg-type]
