"""Reading the bank read model: bank accounts, a bank account's lines, the reconciliation report and
what auto-reconciliation matches against (issue 18, ADR 0034).

Every answer takes both axes: lines booked by ``as_of`` and imported by ``known_at``, each matched
when a match dated by ``as_of`` was recorded by ``known_at`` and not taken back by then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.money import from_minor
from ledger.reconciliation import LineFacts, OpenBill, OpenClaim, OpenInvoice, Rule
from ledger.roles import Role
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.spans import NOW
from projections.engine.sql import Cursor, Row, as_date
from projections.finance.general_ledger import account_balances
from projections.finance.scope import ReportScope, read_position


@dataclass(frozen=True)
class BankAccountView:
    id: str
    name: str
    account: str
    iban: str | None
    currency: str
    opened_on: date
    status: str = "open"  # open or closed, as of the date asked, as known then
    closed_on: date | None = None


@dataclass(frozen=True)
class BankLineView:
    """A line as the books knew it: ``matched_to`` names what it was matched to, if anything;
    ``line`` is the short reference tables show (the id's first 8 digits), which ``keel bank
    match`` and ``unmatch`` take."""

    id: str
    booking_date: date
    amount: Decimal
    currency: str
    description: str
    reference: str | None
    counterparty: str | None
    counterparty_iban: str | None
    matched: bool
    matched_to: str
    line_key: str
    line: str


@dataclass(frozen=True)
class Reconciliation:
    """A bank account's balance per the statements and per the books, as of a date as known at a
    moment, and the statement lines not yet in the books that explain the difference."""

    scope: ReportScope
    bank_account: str
    ledger_account: str
    currency: str
    statement_from: date | None  # the first day the statements' balance is counted from
    statement_opening: Decimal  # the balance the statements give on that day (0 without one)
    statement_balance: Decimal
    book_balance: Decimal
    difference: Decimal  # statement - books
    unmatched_total: Decimal
    unexplained: Decimal  # difference - unmatched: zero when the unmatched lines explain it all
    lines: list[BankLineView]


def _known(alias: str, known_at: datetime | None) -> tuple[str, list[Any]]:
    return f"{alias}.recorded_at <= %s", [known_at or NOW]


def accounts(cur: Cursor, as_of: date, known_at: datetime | None) -> list[BankAccountView]:
    """The accounts opened by ``as_of``, each by the name it had then and closed or not then, as
    known at ``known_at``."""
    moment = known_at or NOW
    cur.execute(
        "SELECT a.id, (SELECT n.name FROM bank_account_names n WHERE n.id = a.id AND n.valid_from <= %s"
        " AND n.recorded_at <= %s ORDER BY n.valid_from DESC, n.position DESC LIMIT 1) AS shown,"
        " a.account, a.iban, a.currency, a.opened_on,"
        " CASE WHEN a.closed_on <= %s AND a.closed_at <= %s THEN a.closed_on END"
        " FROM bank_accounts a WHERE a.opened_on <= %s AND a.recorded_at <= %s ORDER BY shown",
        [as_of, moment, as_of, moment, as_of, moment],
    )
    return [
        BankAccountView(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            r[3],
            str(r[4]),
            as_date(r[5]) or as_of,
            "closed" if r[6] is not None else "open",
            as_date(r[6]),
        )
        for r in cur.fetchall()
    ]


def account_named(cur: Cursor, name_or_id: str) -> BankAccountView | None:
    """A bank account by id, or by its current name (without case)."""
    cur.execute(
        "SELECT id, name, account, iban, currency, opened_on, closed_on FROM bank_accounts"
        " WHERE id = %s OR LOWER(name) = %s",
        [name_or_id, name_or_id.strip().lower()],
    )
    row = cur.fetchone()
    if row is None:
        return None
    opened = as_date(row[5])
    assert opened is not None
    closed = as_date(row[6])
    status = "closed" if closed else "open"
    return BankAccountView(str(row[0]), str(row[1]), str(row[2]), row[3], str(row[4]), opened, status, closed)


def _match_items(as_of: date, known_at: datetime | None) -> tuple[str, list[Any]]:
    """A line's match as of ``as_of`` known at ``known_at`` (its items as JSON; NULL: unmatched)."""
    moment = known_at or NOW
    return (
        "(SELECT m.items FROM bank_matches m WHERE m.line_id = l.id AND m.effective_date <= %s"
        " AND m.recorded_at <= %s AND (m.unmatched_at IS NULL OR m.unmatched_at > %s)"
        " ORDER BY m.match_no DESC LIMIT 1)",
        [as_of, moment, moment],
    )


_LINE = "l.id, l.booking_date, l.amount_minor, l.currency, l.description, l.reference, l.counterparty_name,"
_LINE += " l.counterparty_iban, l.line_key"


def _line(row: Row) -> BankLineView:
    lid, booked, minor, currency, description, reference, name, iban, key, items = row[:10]
    labels = [i["label"] or f"{i['kind']} {i['target']}" for i in json.loads(items)] if items else []
    return BankLineView(
        str(lid),
        as_date(booked) or date.min,
        from_minor(int(minor), str(currency)),
        str(currency),
        str(description),
        reference,
        name,
        iban,
        bool(items),
        ", ".join(labels),
        str(key),
        str(lid)[:8],
    )


def lines(
    db: ViewDatabase,
    bank_account_id: str,
    as_of: date,
    known_at: datetime | None,
    unmatched: bool,
    cursor: str | None,
    limit: int,
) -> Page[BankLineView]:
    """A page of the account's lines booked by ``as_of`` as known at ``known_at``, by booking date."""
    with db.read() as cur:
        items, params = _match_items(as_of, known_at)
        where = ["l.bank_account_id = %s", "l.booking_date <= %s", "l.recorded_at <= %s"]
        values: list[Any] = [*params, bank_account_id, as_of, known_at or NOW]
        if unmatched:
            where.append(f"{items} IS NULL")
            values += params
        select = f"SELECT {_LINE}, {items} AS items, l.booking_date, l.id FROM bank_lines l"
        return fetch_page(cur, select, ("l.booking_date", "l.id"), where, values, cursor, limit, _line)


def _anchor(cur: Cursor, bank_account_id: str, as_of: date, known_at: datetime | None) -> tuple[date | None, int]:
    """The first statement (known then, starting by ``as_of``) that gives a balance: its first day
    and its opening balance (given, or its closing less its lines)."""
    cur.execute(
        "SELECT from_date, opening_minor, closing_minor, total_minor FROM bank_statements"
        " WHERE bank_account_id = %s AND recorded_at <= %s AND from_date IS NOT NULL AND from_date <= %s"
        " AND (opening_minor IS NOT NULL OR closing_minor IS NOT NULL) ORDER BY from_date, position LIMIT 1",
        [bank_account_id, known_at or NOW, as_of],
    )
    row = cur.fetchone()
    if row is None:
        return None, 0
    start, opening, closing, total = row
    return as_date(start), int(opening) if opening is not None else int(closing) - int(total)


def reconciliation(
    db: ViewDatabase, account: BankAccountView, as_of: date, known_at: datetime | None
) -> Reconciliation:
    with db.read() as cur:
        start, opening = _anchor(cur, account.id, as_of, known_at)
        since, since_params = (" AND l.booking_date >= %s", [start]) if start else ("", [])
        cur.execute(
            "SELECT COALESCE(SUM(l.amount_minor), 0) FROM bank_lines l WHERE l.bank_account_id = %s"
            f" AND l.booking_date <= %s AND l.recorded_at <= %s{since}",
            [account.id, as_of, known_at or NOW, *since_params],
        )
        row = cur.fetchone()
        moved = int(row[0]) if row else 0
        items, params = _match_items(as_of, known_at)
        cur.execute(
            f"SELECT {_LINE}, {items} AS items FROM bank_lines l WHERE l.bank_account_id = %s"
            f" AND l.booking_date <= %s AND l.recorded_at <= %s{since} AND {items} IS NULL"
            " ORDER BY l.booking_date, l.id",
            [*params, account.id, as_of, known_at or NOW, *since_params, *params],
        )
        unmatched = [_line(r) for r in cur.fetchall()]
        book = sum(
            (
                int(amount)
                for code, currency, amount, _ in account_balances(cur, as_of, known_at, [account.account])
                if currency == account.currency
            ),
            0,
        )
        position = read_position(cur, "bank")
    c = account.currency
    statement = from_minor(opening + moved, c)
    books = from_minor(book, c)
    unmatched_total = sum((line.amount for line in unmatched), from_minor(0, c))
    difference = statement - books
    return Reconciliation(
        ReportScope(as_of, known_at, position, currency=c),
        account.name,
        account.account,
        c,
        start,
        from_minor(opening, c),
        statement,
        books,
        difference,
        unmatched_total,
        difference - unmatched_total,
        unmatched,
    )


# -- what auto-reconciliation matches against (as known now) -------------------------------------


def unmatched_facts(cur: Cursor, bank_account_id: str) -> list[LineFacts]:
    """Every line of the account without a match, as matching sees it."""
    cur.execute(
        "SELECT l.id, l.amount_minor, l.currency, l.description, l.reference, l.counterparty_name,"
        " l.counterparty_iban, l.charges_minor FROM bank_lines l WHERE l.bank_account_id = %s AND NOT EXISTS"
        " (SELECT 1 FROM bank_matches m WHERE m.line_id = l.id AND m.unmatched_at IS NULL)"
        " ORDER BY l.booking_date, l.id",
        [bank_account_id],
    )
    found = []
    for lid, minor, currency, description, reference, name, iban, charges in cur.fetchall():
        text = " ".join(t for t in (description, reference, name) if t)
        fee = from_minor(int(charges), str(currency)) if charges is not None else None
        found.append(LineFacts(str(lid), from_minor(int(minor), str(currency)), str(currency), text, iban, fee))
    return found


def open_invoices(cur: Cursor) -> list[OpenInvoice]:
    """Issued invoices with something still owed on them."""
    cur.execute(
        "SELECT id, number, customer_id, currency, net_minor + tax_minor - paid_minor - credited_minor"
        " - written_off_minor FROM invoices WHERE status = 'issued' AND number IS NOT NULL"
        " AND net_minor + tax_minor - paid_minor - credited_minor - written_off_minor > 0"
    )
    return [
        OpenInvoice(str(i), str(n), str(c), str(cur_), from_minor(int(owed), str(cur_)))
        for i, n, c, cur_, owed in cur.fetchall()
    ]


def open_bills(cur: Cursor) -> list[OpenBill]:
    """Bills with something still owed on them (the payables account by document: voids and
    credit notes already taken off)."""
    cur.execute(
        "SELECT d.id, d.number, d.party_id, d.currency, SUM(g.amount_minor) FROM documents d"
        " JOIN gl_lines g ON g.document_id = d.id AND g.role = %s WHERE d.kind = 'bill'"
        " GROUP BY d.id, d.number, d.party_id, d.currency HAVING SUM(g.amount_minor) < 0",
        [Role.PAYABLE.value],
    )
    return [
        OpenBill(str(i), str(n), str(s), str(c), -from_minor(int(owed), str(c))) for i, n, s, c, owed in cur.fetchall()
    ]


def approved_claims(cur: Cursor) -> list[OpenClaim]:
    """Expense claims approved and not reimbursed yet."""
    cur.execute("SELECT id, receipt_reference, employee, currency, amount_minor FROM claims WHERE status = 'approved'")
    return [OpenClaim(str(i), str(r), str(e), str(c), from_minor(int(a), str(c))) for i, r, e, c, a in cur.fetchall()]


def payees(cur: Cursor) -> dict[str, str]:
    """The IBANs suppliers were paid to, learnt from lines matched to their bills."""
    return _learnt(cur, "bill", "SELECT id, party_id FROM documents WHERE kind = 'bill'")


def payers(cur: Cursor) -> dict[str, str]:
    """The IBANs customers paid from, learnt from lines matched to their invoices."""
    return _learnt(cur, "invoice", "SELECT id, customer_id FROM invoices")


def _learnt(cur: Cursor, kind: str, owners_sql: str) -> dict[str, str]:
    """IBAN -> the party whose documents of ``kind`` lines from (or to) it were matched to."""
    cur.execute(
        "SELECT l.counterparty_iban, m.items FROM bank_matches m JOIN bank_lines l ON l.id = m.line_id"
        " WHERE m.unmatched_at IS NULL AND l.counterparty_iban IS NOT NULL"
    )
    found: dict[str, str] = {}
    targets: dict[str, str] = {}
    for iban, items in cur.fetchall():
        for item in json.loads(items):
            if item["kind"] == kind:
                targets[item["target"]] = str(iban)
    if targets:
        cur.execute(owners_sql)
        owners = {str(i): str(c) for i, c in cur.fetchall()}
        for invoice, iban in targets.items():
            if invoice in owners:
                found[iban] = owners[invoice]
    return found


def rules(cur: Cursor) -> list[Rule]:
    cur.execute("SELECT name, contains, account, direction FROM bank_rules WHERE removed_at IS NULL ORDER BY name")
    return [Rule(str(n), str(c), str(a), str(d)) for n, c, a, d in cur.fetchall()]


def mapping(cur: Cursor, name: str) -> str | None:
    """A saved CSV column mapping's settings (JSON), by name (without case)."""
    cur.execute("SELECT settings FROM bank_mappings WHERE LOWER(name) = %s", [name.strip().lower()])
    row = cur.fetchone()
    return str(row[0]) if row else None
