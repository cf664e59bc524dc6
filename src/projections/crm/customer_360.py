"""The customer 360: one customer across CRM and finance — contacts, deals as they stood, one
timeline of communication, invoices, payments, the open balance and credit, projects — as of a
business date and as known at a moment. It reads finance's and delivery's tables as they stand
(``customers``, ``invoices``, ``gl_lines``, ``work_projects``): SQL, never their code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.money import Money
from ledger.payment import Payment
from ledger.roles import Role
from projections.crm.reports import CrmScope, DealState, crm_position, deal_states, known_by
from projections.engine.db import ViewDatabase
from projections.engine.sql import as_date


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str
    subject: str
    about_kind: str
    about_id: str
    actor: str


@dataclass(frozen=True)
class Customer360:
    scope: CrmScope
    customer_id: str
    name: str
    owner: str
    merged_ids: list[str]
    contacts: list[dict[str, str]]
    deals: list[DealState]
    timeline: list[TimelineEntry]
    invoices: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    open_balance: dict[str, Decimal]
    credit: dict[str, Decimal]
    projects: list[dict[str, Any]] = field(default_factory=list)


def customer_360(
    db: ViewDatabase, customer_id: str, as_of: date, known_at: datetime | None = None
) -> Customer360 | None:
    """One customer across CRM and finance: contacts, deals, one timeline of communication,
    invoices, payments and the open balance. Duplicates merged into it are included."""
    with db.read() as cur:
        cur.execute("SELECT id, name, owner FROM customers WHERE id = %s", (customer_id,))
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute("SELECT id FROM customers WHERE merged_into = %s", (customer_id,))
        merged = [str(r[0]) for r in cur.fetchall()]
        ids = [customer_id, *merged]
        marks = ", ".join(["%s"] * len(ids))
        cur.execute(
            f"SELECT contact_id, name, email, phone, role FROM contacts WHERE customer_id IN ({marks}) AND active"
            " ORDER BY name",
            ids,
        )
        contacts: list[dict[str, str]] = []
        for r in cur.fetchall():  # a merged duplicate's contacts were copied to the target: list them once
            if all(c["contact_id"] != str(r[0]) for c in contacts):
                contacts.append(dict(zip(("contact_id", "name", "email", "phone", "role"), map(str, r), strict=True)))
        deals = deal_states(cur, as_of, known_at, f"customer_id IN ({marks})", ids)
        cur.execute(f"SELECT id FROM leads WHERE customer_id IN ({marks})", ids)
        subjects = ids + [d.deal_id for d in deals] + [str(r[0]) for r in cur.fetchall()]
        ka, kap = known_by("a", known_at)
        smarks = ", ".join(["%s"] * len(subjects))
        cur.execute(
            "SELECT a.effective_date, a.kind, a.subject, a.about_kind, a.about_id, a.actor FROM activities a"
            f" WHERE a.about_id IN ({smarks}) AND a.effective_date <= %s{ka} ORDER BY a.effective_date, a.position",
            [*subjects, as_of, *kap],
        )
        timeline = []
        for r in cur.fetchall():
            d = as_date(r[0])
            assert d is not None
            timeline.append(TimelineEntry(d, r[1], r[2], r[3], str(r[4]), r[5]))
        cur.execute(
            "SELECT id, number, status, currency, net_minor + tax_minor, issue_date, due_date FROM invoices"
            f" WHERE customer_id IN ({marks}) AND issue_date IS NOT NULL AND issue_date <= %s ORDER BY issue_date",
            [*ids, as_of],
        )
        invoices = [
            {
                "id": str(r[0]),
                "number": r[1],
                "status": r[2],
                "currency": r[3],
                "total": Money.from_minor(int(r[4]), r[3]).amount,
                "issue_date": as_date(r[5]),
                "due_date": as_date(r[6]),
            }
            for r in cur.fetchall()
        ]
        kg, kgp = known_by("g", known_at)
        cur.execute(
            "SELECT g.effective_date, g.currency, g.amount_minor, g.memo FROM gl_lines g"
            f" WHERE g.party_id IN ({marks}) AND g.role = %s AND g.event_topic IN (%s, %s)"
            f" AND g.effective_date <= %s{kg} ORDER BY g.effective_date, g.position",
            [
                *ids,
                Role.BANK.value,
                Payment.Received.TOPIC,
                Payment.Reversed.TOPIC,
                as_of,
                *kgp,
            ],  # a reversal: negative
        )
        payments = [
            {"on": as_date(r[0]), "currency": r[1], "amount": Money.from_minor(int(r[2]), r[1]).amount, "memo": r[3]}
            for r in cur.fetchall()
        ]
        cur.execute(
            "SELECT g.role, g.currency, SUM(g.amount_minor) FROM gl_lines g"
            f" WHERE g.party_id IN ({marks}) AND g.role IN (%s, %s) AND g.effective_date <= %s{kg}"
            " GROUP BY g.role, g.currency",
            [*ids, Role.RECEIVABLE.value, Role.CUSTOMER_CREDIT.value, as_of, *kgp],
        )
        balance: dict[str, Decimal] = {}
        credit: dict[str, Decimal] = {}
        for code, currency, minor in cur.fetchall():
            amount = Money.from_minor(int(minor), currency).amount
            if code == Role.RECEIVABLE:
                balance[currency] = amount
            else:
                credit[currency] = -amount
        cur.execute(
            "SELECT id, name, deal_id, status, COALESCE(value_minor, 0), COALESCE(currency, 'EUR'), drafted_on"
            f" FROM work_projects WHERE customer_id IN ({marks}) AND drafted_on <= %s ORDER BY drafted_on",
            [*ids, as_of],
        )
        projects = [
            {
                "id": str(r[0]),
                "name": r[1],
                "deal_id": r[2],
                "status": r[3],
                "value": Money.from_minor(int(r[4]), r[5]).amount,
                "currency": r[5],
                "drafted_on": as_date(r[6]),
            }
            for r in cur.fetchall()
        ]
        position = crm_position(cur)
    return Customer360(
        CrmScope(as_of, known_at, position),
        customer_id,
        row[1],
        row[2],
        merged,
        contacts,
        deals,
        timeline,
        invoices,
        payments,
        balance,
        credit,
        projects,
    )
