"""Finance lists: the general journal (every posting, whatever caused it), bills and suppliers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from ledger.money import Money
from ledger.payables import Bill
from ledger.payment import Payment
from ledger.policy import check_window
from ledger.roles import Role
from ledger.supplier_credit import SupplierCreditNote
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.spans import spans_at
from projections.engine.sql import Cursor, Row, as_date, as_datetime, one_of


@dataclass(frozen=True)
class JournalLineView:
    account: str
    currency: str
    debit: Decimal
    credit: Decimal
    value: Decimal  # signed, in the functional currency: debit positive
    memo: str
    party_id: str | None
    document_id: str | None
    cost_center: str | None
    project_id: str | None
    tax_code: str | None


@dataclass(frozen=True)
class JournalEntryView:
    position: int
    effective_date: date
    recorded_at: datetime
    source_id: str
    source_version: int
    event_topic: str
    lines: list[JournalLineView]


def _header(r: Row) -> JournalEntryView:
    effective, recorded = as_date(r[1]), as_datetime(r[2])
    assert effective is not None and recorded is not None
    return JournalEntryView(int(r[0]), effective, recorded, str(r[3]), int(r[4]), r[5], [])


def journal(
    db: ViewDatabase,
    functional_currency: str,
    start: date | None = None,
    end: date | None = None,
    account: str | None = None,
    source_id: str | None = None,
    known_at: datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[JournalEntryView]:
    """Journal entries by business date, each with all its lines; filters pick entries, not lines."""
    check_window(start, end)
    where: list[str] = []
    params: list[object] = []
    for condition, value in (
        ("effective_date >= %s", start),
        ("effective_date <= %s", end),
        ("source_id = %s", source_id),
        ("recorded_at <= %s", known_at),
        ("position IN (SELECT position FROM gl_lines WHERE account = %s)", account),
    ):
        if value is not None:
            where.append(condition)
            params.append(value)
    with db.read() as cur:
        page = fetch_page(
            cur,
            "SELECT position, effective_date, MIN(recorded_at), source_id, source_version, event_topic,"
            " effective_date, position FROM gl_lines",
            ["effective_date", "position"],
            where,
            params,
            cursor,
            limit,
            _header,
            group_by="position, effective_date, source_id, source_version, event_topic",
        )
        if not page.items:
            return page
        positions = [e.position for e in page.items]
        cur.execute(
            "SELECT position, account, currency, amount_minor, value_minor, memo, party_id, document_id,"
            f" cost_center, project_id, tax_code FROM gl_lines WHERE position IN ({', '.join(['%s'] * len(positions))})"
            " ORDER BY position, line_no",
            positions,
        )
        lines: dict[int, list[JournalLineView]] = {p: [] for p in positions}
        for r in cur.fetchall():
            amount, zero = Money.from_minor(int(r[3]), r[2]).amount, Money.zero(r[2]).amount
            lines[int(r[0])].append(
                JournalLineView(
                    r[1],
                    r[2],
                    amount if amount > 0 else zero,
                    -amount if amount < 0 else zero,
                    Money.from_minor(int(r[4]), functional_currency).amount,
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    r[10],
                )
            )
    return Page([replace(e, lines=lines[e.position]) for e in page.items], page.next_cursor)


VOIDED_BILL = Bill.Voided.TOPIC
CREDIT_NOTE = SupplierCreditNote.Received.TOPIC


@dataclass(frozen=True)
class BillView:
    id: str
    supplier_id: str
    supplier_name: str
    reference: str
    currency: str
    bill_date: date
    due_date: date
    total: Decimal
    open: Decimal
    status: str  # open, paid or voided
    credited: Decimal = Decimal(0)  # what supplier credit notes took off what was owed


def _bill(r: Row) -> BillView:
    currency = r[4]
    total = Money.from_minor(-int(r[7] or 0), currency).amount
    open_ = Money.from_minor(-int(r[8] or 0), currency).amount
    status = "voided" if int(r[9] or 0) else ("paid" if open_ == 0 else "open")
    bill_date, due = as_date(r[5]), as_date(r[6])
    assert bill_date is not None and due is not None
    credited = Money.from_minor(int(r[10] or 0), currency).amount
    return BillView(str(r[0]), str(r[1]), r[2] or "", r[3], currency, bill_date, due, total, open_, status, credited)


def list_bills(
    db: ViewDatabase,
    supplier_id: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
    bill_id: str | None = None,
) -> Page[BillView]:
    """Bills by date, with their total and what is still owed (from the payables account). The
    bills are walked in date order and each one's sums probed by its document, so a page stops at
    its end (a void's lines carry the bill as their document, as its record's do)."""
    inner_where, inner_params = ["d.kind = 'bill'"], []
    for column, value in (("d.party_id", supplier_id), ("d.id", bill_id)):
        if value:
            inner_where.append(f"{column} = %s")
            inner_params.append(value)
    select = (
        "SELECT id, party_id, name, number, currency, issue_date, due_date, total, owed, voids, credited,"
        " issue_date, id FROM ("
        "SELECT d.id, d.party_id, p.name, d.number, d.currency, d.issue_date, d.due_date,"
        " (SELECT SUM(amount_minor) FROM gl_lines g WHERE g.document_id = d.id AND g.role = %s"
        "  AND g.source_id = d.id AND g.source_version = 1) AS total,"
        " COALESCE((SELECT SUM(amount_minor) FROM gl_lines g WHERE g.document_id = d.id AND g.role = %s), 0)"
        "  AS owed,"
        " (SELECT COUNT(*) FROM gl_lines g WHERE g.document_id = d.id AND g.event_topic = %s) AS voids,"
        " (SELECT SUM(amount_minor) FROM gl_lines g WHERE g.document_id = d.id AND g.role = %s"
        "  AND g.event_topic = %s) AS credited"
        " FROM documents d LEFT JOIN parties p ON p.id = d.party_id"
        f" WHERE {' AND '.join(inner_where)}) AS bills"
    )
    where: list[str] = []
    if status == "voided":
        where.append("voids > 0")
    elif status == "open":
        where.append("voids = 0 AND owed <> 0")
    elif status == "paid":
        where.append("voids = 0 AND owed = 0")
    params = [Role.PAYABLE.value, Role.PAYABLE.value, VOIDED_BILL, Role.PAYABLE.value, CREDIT_NOTE, *inner_params]
    with db.read() as cur:
        return fetch_page(cur, select, ["issue_date", "id"], where, params, cursor, limit, _bill)


def get_bill(db: ViewDatabase, bill_id: str) -> BillView | None:
    found = list_bills(db, bill_id=bill_id).items
    return found[0] if found else None


@dataclass(frozen=True)
class SupplierView:
    id: str
    name: str


def list_suppliers(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    name: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[SupplierView]:
    """The suppliers registered by ``as_of`` as known at ``known_at``, by name; ``name`` matches
    any part of it, ignoring case."""
    with db.read() as cur:
        at, params = spans_at(cur, as_of, known_at)
        where = [at]
        if name:
            where.append("LOWER(name) LIKE %s")
            params.append(f"%{name.lower()}%")
        return fetch_page(
            cur,
            "SELECT supplier_id, name, name, supplier_id FROM supplier_spans",
            ["name", "supplier_id"],
            where,
            params,
            cursor,
            limit,
            lambda r: SupplierView(str(r[0]), r[1]),
        )


def get_supplier(db: ViewDatabase, supplier_id: str) -> SupplierView | None:
    with db.read() as cur:
        cur.execute("SELECT id, name FROM parties WHERE kind = 'supplier' AND id = %s", (supplier_id,))
        row = cur.fetchone()
    return SupplierView(str(row[0]), row[1]) if row else None


@dataclass(frozen=True)
class PaymentView:
    id: str
    customer_id: str
    received_on: date
    currency: str
    amount: Decimal  # as received, bank fee included
    reversed_on: date | None = None  # taken back later: its reversal's date


def list_payments(
    db: ViewDatabase,
    customer_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[PaymentView]:
    """Customer payments by date (from their postings under the bank and bank-fee roles)."""
    check_window(start, end)
    where = ["event_topic = %s", "role IN (%s, %s)"]
    params: list[object] = [Payment.Received.TOPIC, Role.BANK.value, Role.BANK_FEES.value]
    filters: list[tuple[str, object]] = [
        ("party_id = %s", customer_id),
        ("effective_date >= %s", start),
        ("effective_date <= %s", end),
    ]
    for condition, value in filters:
        if value is not None:
            where.append(condition)
            params.append(value)

    def convert(r: Row) -> PaymentView:
        received = as_date(r[2])
        assert received is not None
        return PaymentView(str(r[0]), str(r[1]), received, r[3], Money.from_minor(int(r[4]), r[3]).amount)

    with db.read() as cur:
        page = fetch_page(
            cur,
            "SELECT source_id, party_id, effective_date, currency, SUM(amount_minor), effective_date, source_id"
            " FROM gl_lines",
            ["effective_date", "source_id"],
            where,
            params,
            cursor,
            limit,
            convert,
            group_by="source_id, party_id, effective_date, currency",
        )
        reversed_on = _reversals(cur, page.items)
    return replace(page, items=[replace(p, reversed_on=reversed_on.get(p.id)) for p in page.items])


def _reversals(cur: Cursor, payments: list[PaymentView]) -> dict[str, date]:
    """When each of these payments was taken back, if it was: its reversal's postings carry the
    payment's id and its customer (so the party index finds them)."""
    if not payments:
        return {}
    by_party, parties = one_of(cur, "party_id", sorted({p.customer_id for p in payments}))
    by_source, ids = one_of(cur, "source_id", [p.id for p in payments])
    cur.execute(
        f"SELECT source_id, MIN(effective_date) FROM gl_lines WHERE event_topic = %s AND {by_party} AND {by_source}"
        " GROUP BY source_id",
        [Payment.Reversed.TOPIC, *parties, *ids],
    )
    return {str(r[0]): _day(r[1]) for r in cur.fetchall()}


def _day(value: object) -> date:
    found = as_date(value)
    assert found is not None
    return found
