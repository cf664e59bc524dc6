"""What the worker's reminder jobs ask of the read models: which invoices are open and overdue on a
day, which follow-ups are due, which expense claims wait for approval. Each answer is a page of
candidates; the command that records a reminder checks each again against the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from ledger.roles import Role
from projections.engine.db import ViewDatabase
from projections.engine.sql import as_date
from projections.finance.open_items import open_items_of


@dataclass(frozen=True)
class OverdueInvoice:
    invoice_id: UUID
    customer_id: str
    due_date: date
    open_minor: int  # in the functional currency
    changed_on: date  # the day its open amount last changed (issued, or paid in part)
    issue_date: date | None
    opted_out: bool
    reminded_levels: frozenset[int]

    @property
    def last_payment(self) -> date | None:
        """The last partial payment or credit, if its open amount changed after it was issued."""
        return self.changed_on if self.issue_date is not None and self.changed_on > self.issue_date else None


def overdue_invoices(db: ViewDatabase, as_of: date, after: str, limit: int) -> list[OverdueInvoice]:
    """Invoices open on ``as_of`` (as known now) and past their due date, a page in id order, each
    with what dunning needs: whether its customer opted out and which levels were recorded."""
    with db.read() as cur:
        columns = "o.document_id, o.party_id, o.due_date, o.value_minor, o.valid_from"
        items, params = open_items_of(cur, (Role.RECEIVABLE.value,), as_of, None, columns)
        cur.execute(
            f"SELECT o.document_id, o.party_id, o.due_date, o.value_minor, o.valid_from, i.issue_date,"
            f" x.customer_id FROM {items} AS o JOIN invoices i ON i.id = o.document_id"
            " LEFT JOIN dunning_opt_outs x ON x.customer_id = o.party_id"
            " WHERE o.due_date < %s AND o.value_minor > 0 AND o.document_id > %s ORDER BY o.document_id LIMIT %s",
            [*params, as_of, after, limit],
        )
        rows = cur.fetchall()
        ids = [str(r[0]) for r in rows]
        levels: dict[str, set[int]] = {}
        if ids:
            marks = ", ".join(["%s"] * len(ids))
            cur.execute(
                f"SELECT subject_id, level FROM reminders WHERE kind = 'dunning' AND subject_id IN ({marks})", ids
            )
            for subject, level in cur.fetchall():
                levels.setdefault(str(subject), set()).add(int(level))
    found = []
    for doc, party, due, value, since, issued, opted in rows:
        due_date, changed_on = as_date(due), as_date(since)
        assert due_date is not None and changed_on is not None
        found.append(
            OverdueInvoice(
                UUID(str(doc)),
                str(party or ""),
                due_date,
                int(value),
                changed_on,
                as_date(issued),
                opted is not None,
                frozenset(levels.get(str(doc), ())),
            )
        )
    return found


def follow_ups_due(db: ViewDatabase, as_of: date, after: str, limit: int) -> list[tuple[UUID, date]]:
    """Open follow-ups due on or before ``as_of`` (their latest state), a page in id order."""
    with db.read() as cur:
        cur.execute(
            "SELECT f.followup_id, f.due FROM followup_states f WHERE f.position = (SELECT MAX(g.position)"
            " FROM followup_states g WHERE g.followup_id = f.followup_id) AND f.status = 'open' AND f.due <= %s"
            " AND f.followup_id > %s ORDER BY f.followup_id LIMIT %s",
            (as_of, after, limit),
        )
        return [(UUID(str(r[0])), d) for r in cur.fetchall() if (d := as_date(r[1])) is not None]


def claims_waiting(db: ViewDatabase, as_of: date, days: int, after: str, limit: int) -> list[tuple[UUID, str]]:
    """Expense claims submitted at least ``days`` before ``as_of`` and still waiting for an approver,
    with that approver, a page in id order."""
    with db.read() as cur:
        cur.execute(
            "SELECT id, next_approver FROM claims WHERE status = 'submitted' AND next_approver IS NOT NULL"
            " AND submitted_on <= %s AND id > %s ORDER BY id LIMIT %s",
            (as_of - timedelta(days=days), after, limit),
        )
        return [(UUID(str(r[0])), str(r[1])) for r in cur.fetchall()]
