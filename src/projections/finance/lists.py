"""Lists and details of customers and invoices (their lists as of a date, as known at a moment),
and customers' names as of a date for the other lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.money import Money
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.spans import NOW, spans_at
from projections.engine.sql import Cursor, as_date, in_chunks, one_of


@dataclass(frozen=True)
class CustomerView:
    id: str
    name: str
    payment_terms_days: int
    currency: str
    registered_on: date
    version: int


@dataclass(frozen=True)
class InvoiceLineView:
    description: str
    service_code: str | None
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    tax_inclusive: bool
    amount: Decimal


@dataclass(frozen=True)
class InvoiceView:
    id: str
    customer_id: str
    series: str
    number: str | None
    status: str
    currency: str
    rate: Decimal | None
    net: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    credited: Decimal
    written_off: Decimal
    outstanding: Decimal
    drafted_on: date
    issue_date: date | None
    due_date: date | None
    sent_on: date | None
    voided_on: date | None
    void_reason: str | None
    version: int
    lines: list[InvoiceLineView]

    @property
    def payment_state(self) -> str:
        if self.status != "issued":
            return self.status
        if self.outstanding == 0:  # settled: with payments (or customer credit), else by credit or write-off
            return "paid" if self.paid else "credited" if self.credited else "written_off"
        return "partially_paid" if self.outstanding < self.total else "unpaid"


_CUSTOMER_COLUMNS = "id, name, payment_terms_days, currency, registered_on, version"
_INVOICE_COLUMNS = (
    "id, customer_id, series, number, status, currency, rate, net_minor, tax_minor, paid_minor, credited_minor,"
    " written_off_minor, drafted_on, issue_date, due_date, sent_on, voided_on, void_reason, version"
)


def _customer(row: tuple[Any, ...]) -> CustomerView:
    d = as_date(row[4])
    assert d is not None
    return CustomerView(str(row[0]), row[1], int(row[2]), row[3], d, int(row[5]))


def list_customers(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    name: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[CustomerView]:
    """The customers registered by ``as_of`` as they stood then, as known at ``known_at``, by
    name; ``name`` matches any part of it, ignoring case. Merged duplicates are left out from
    the merge's date."""
    with db.read() as cur:
        at, params = spans_at(cur, as_of, known_at)
        where = [at, "merged_into IS NULL"]
        if name:
            where.append("LOWER(name) LIKE %s")
            params.append(f"%{name.lower()}%")
        columns = "customer_id, name, payment_terms_days, currency, registered_on, version, name, customer_id"
        select = f"SELECT {columns} FROM customer_spans"
        return fetch_page(cur, select, ["name", "customer_id"], where, params, cursor, limit, _customer)


def customer_names(cur: Cursor, ids: Sequence[str], as_of: date, known_at: datetime | None) -> dict[str, str]:
    """The names of these customers as of ``as_of`` as known at ``known_at`` (None: now); of one
    registered after ``as_of``, its first name as known then. Merged duplicates keep theirs."""
    known = known_at or NOW
    names: dict[str, tuple[bool, date, str]] = {}  # id -> (not on the day, valid_from, name): the least wins
    for chunk in in_chunks(cur, ids):
        among, params = one_of(cur, "customer_id", chunk)
        cur.execute(
            "SELECT customer_id, valid_from, valid_to, name FROM customer_spans"
            f" WHERE {among} AND known_from <= %s AND known_to > %s",
            [*params, known, known],
        )
        for customer, start, end, name in cur.fetchall():
            valid_from, valid_to = as_date(start), as_date(end)
            assert valid_from is not None and valid_to is not None
            rank = (not valid_from <= as_of < valid_to, valid_from, str(name))
            names[str(customer)] = min(names.get(str(customer), rank), rank)
    return {customer: rank[2] for customer, rank in names.items()}


def get_customer(db: ViewDatabase, customer_id: str) -> CustomerView | None:
    with db.read() as cur:
        cur.execute(f"SELECT {_CUSTOMER_COLUMNS} FROM customers WHERE id = %s", (customer_id,))
        row = cur.fetchone()
    return _customer(row) if row else None


def _invoice(row: tuple[Any, ...], lines: list[InvoiceLineView]) -> InvoiceView:
    (iid, customer, series, number, status, currency, rate, *minor) = row[:12]
    net, tax, paid, credited, written_off = (Money.from_minor(int(v), currency).amount for v in minor)
    drafted = as_date(row[12])
    assert drafted is not None
    total = net + tax
    return InvoiceView(
        id=str(iid),
        customer_id=str(customer),
        series=series,
        number=number,
        status=status,
        currency=currency,
        rate=Decimal(rate) if rate else None,
        net=net,
        tax=tax,
        total=total,
        paid=paid,
        credited=credited,
        written_off=written_off,
        outstanding=total - paid - credited - written_off if status == "issued" else Money.zero(currency).amount,
        drafted_on=drafted,
        issue_date=as_date(row[13]),
        due_date=as_date(row[14]),
        sent_on=as_date(row[15]),
        voided_on=as_date(row[16]),
        void_reason=row[17],
        version=int(row[18]),
        lines=lines,
    )


def list_invoices(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    customer_id: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[InvoiceView]:
    """The invoices drafted by ``as_of`` as they stood then (issued, voided, what was paid,
    credited or written off by that date), as known at ``known_at``, by draft date."""
    with db.read() as cur:
        # By draft date: the invoices in that order, each probing its own spans (a nested loop that
        # stops at the page's end), not every span holding then sorted (137,000 at 1M events).
        at, params = spans_at(cur, as_of, known_at, "s", indexed=False)
        where = [at, "i.drafted_on <= %s"]
        params.append(as_of)
        if customer_id:
            where.append("i.customer_id = %s")
            params.append(customer_id)
        if status:
            where.append("s.status = %s")
            params.append(status)
        select = (
            "SELECT i.id, i.customer_id, i.series, s.number, s.status, i.currency, s.rate, i.net_minor, i.tax_minor,"
            " s.paid_minor, s.credited_minor, s.written_off_minor, i.drafted_on, s.issue_date, s.due_date, s.sent_on,"
            " s.voided_on, s.void_reason, s.version, i.drafted_on, i.id"
            " FROM invoices i JOIN invoice_spans s ON s.invoice_id = i.id"
        )
        order = ["i.drafted_on", "i.id"]
        return fetch_page(cur, select, order, where, params, cursor, limit, lambda r: _invoice(r, []))


def get_invoice(db: ViewDatabase, invoice_id: str) -> InvoiceView | None:
    with db.read() as cur:
        cur.execute(f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE id = %s", (invoice_id,))
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute(
            "SELECT description, service_code, quantity, unit_price, discount_percent, tax_rate, tax_inclusive,"
            " amount_minor FROM invoice_lines WHERE invoice_id = %s ORDER BY line_no",
            (invoice_id,),
        )
        currency = row[5]
        lines = [
            InvoiceLineView(
                r[0],
                r[1],
                Decimal(r[2]),
                Decimal(r[3]),
                Decimal(r[4]),
                Decimal(r[5]),
                bool(r[6]),
                Money.from_minor(int(r[7]), currency).amount,
            )
            for r in cur.fetchall()
        ]
    return _invoice(row, lines)


@dataclass(frozen=True)
class ClaimView:
    id: str
    employee: str
    category: str
    account: str
    description: str
    receipt_reference: str
    cost_center: str
    project_id: str | None
    currency: str
    amount: Decimal
    status: str
    route: list[str]
    approvals: list[str]
    next_approver: str | None
    rejection_reason: str | None
    submitted_on: date
    version: int


_CLAIM_COLUMNS = (
    "id, employee, category, account, description, receipt_reference, cost_center, project_id, currency,"
    " amount_minor, status, route, approvals, next_approver, rejection_reason, submitted_on, version"
)


def _claim(r: tuple[Any, ...]) -> ClaimView:
    submitted = as_date(r[15])
    assert submitted is not None
    return ClaimView(
        str(r[0]),
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        Money.from_minor(int(r[9]), r[8]).amount,
        r[10],
        [p for p in r[11].split(",") if p],
        [p for p in r[12].split(",") if p],
        r[13],
        r[14],
        submitted,
        int(r[16]),
    )


def list_claims(
    db: ViewDatabase,
    status: str | None = None,
    next_approver: str | None = None,
    employee: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[ClaimView]:
    where, params = [], []
    for column, value in (("status", status), ("next_approver", next_approver), ("employee", employee)):
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    with db.read() as cur:
        select = f"SELECT {_CLAIM_COLUMNS}, submitted_on, id FROM claims"
        return fetch_page(cur, select, ["submitted_on", "id"], where, params, cursor, limit, _claim)


def get_claim(db: ViewDatabase, claim_id: str) -> ClaimView | None:
    with db.read() as cur:
        cur.execute(f"SELECT {_CLAIM_COLUMNS} FROM claims WHERE id = %s", (claim_id,))
        row = cur.fetchone()
    return _claim(row) if row else None
