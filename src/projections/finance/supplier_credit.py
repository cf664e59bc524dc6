"""Supplier credit notes as received, with their lines and what became of their supplier credit
(used on later bills, refunded): the read model a credit note's GET answers from. Amounts are
kept as recorded, to the digit (text); the credit left is the note's own less every use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.supplier_credit import SupplierCreditNote
from projections.engine.db import ViewDatabase
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, as_date


class SupplierCreditProjection:
    name = "supplier_credit"
    schema_version = 1
    tables = ("supplier_credit_notes", "supplier_credit_note_lines", "supplier_credit_uses")
    folds = (SupplierCreditNote.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            "CREATE TABLE supplier_credit_notes (id TEXT PRIMARY KEY, bill_id TEXT NOT NULL,"
            " supplier_id TEXT NOT NULL, reference TEXT NOT NULL, received_on DATE NOT NULL,"
            " currency TEXT NOT NULL, rate TEXT NOT NULL, net TEXT NOT NULL, tax TEXT NOT NULL,"
            " to_credit TEXT NOT NULL, reason TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL)"
        )
        cur.execute("CREATE INDEX supplier_credit_notes_bill ON supplier_credit_notes (bill_id)")
        cur.execute(
            "CREATE TABLE supplier_credit_note_lines (credit_note_id TEXT NOT NULL, line_no INTEGER NOT NULL,"
            " description TEXT NOT NULL, account TEXT NOT NULL, amount TEXT NOT NULL, tax_rate TEXT NOT NULL,"
            " tax_inclusive BOOLEAN NOT NULL, cost_center TEXT, PRIMARY KEY (credit_note_id, line_no))"
        )
        cur.execute(
            "CREATE TABLE supplier_credit_uses (credit_note_id TEXT NOT NULL, version INTEGER NOT NULL,"
            " kind TEXT NOT NULL, used_on DATE NOT NULL, bill_id TEXT, amount TEXT NOT NULL,"
            " reference TEXT NOT NULL, PRIMARY KEY (credit_note_id, version))"
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e, oid = fact.event, str(fact.event.originator_id)
            version = (e.originator_version, fact.position)
            if isinstance(e, SupplierCreditNote.Received):
                cur.execute(
                    "INSERT INTO supplier_credit_notes (id, bill_id, supplier_id, reference, received_on, currency,"
                    " rate, net, tax, to_credit, reason, version, position)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        oid,
                        str(e.bill_id),
                        str(e.supplier_id),
                        e.supplier_reference,
                        e.effective_date,
                        e.currency,
                        str(e.rate),
                        str(e.net),
                        str(e.tax),
                        str(e.to_credit),
                        e.reason,
                        *version,
                    ),
                )
                for n, ln in enumerate(e.lines, start=1):
                    cur.execute(
                        "INSERT INTO supplier_credit_note_lines (credit_note_id, line_no, description, account,"
                        " amount, tax_rate, tax_inclusive, cost_center) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        (
                            oid,
                            n,
                            ln.description,
                            ln.account,
                            str(ln.amount),
                            str(ln.tax_rate),
                            ln.tax_inclusive,
                            ln.cost_center,
                        ),
                    )
                continue
            use: tuple[str, str | None, str]
            if isinstance(e, SupplierCreditNote.CreditApplied):
                use = ("applied", str(e.bill_id), "")
            elif isinstance(e, SupplierCreditNote.CreditRefunded):
                use = ("refunded", None, e.reference)
            else:
                continue
            cur.execute(
                "INSERT INTO supplier_credit_uses (credit_note_id, version, kind, used_on, bill_id, amount, reference)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (oid, e.originator_version, use[0], e.effective_date, use[1], str(e.amount), use[2]),
            )
            cur.execute("UPDATE supplier_credit_notes SET version = %s, position = %s WHERE id = %s", (*version, oid))


@dataclass(frozen=True)
class SupplierCreditLineView:
    description: str
    account: str
    amount: Decimal
    tax_rate: Decimal
    tax_inclusive: bool
    cost_center: str | None


@dataclass(frozen=True)
class SupplierCreditUseView:
    kind: str  # applied (to a bill) or refunded
    on: date
    bill_id: str | None
    amount: Decimal
    reference: str


@dataclass(frozen=True)
class SupplierCreditNoteView:
    id: str
    bill_id: str
    supplier_id: str
    reference: str
    received_on: date
    currency: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    to_credit: Decimal
    credit_left: Decimal
    reason: str
    lines: list[SupplierCreditLineView]
    uses: list[SupplierCreditUseView]
    version: int


def _date(value: object) -> date:
    found = as_date(value)
    assert found is not None
    return found


def get_supplier_credit_note(db: ViewDatabase, note_id: str) -> SupplierCreditNoteView | None:
    with db.read() as cur:
        cur.execute(
            "SELECT bill_id, supplier_id, reference, received_on, currency, rate, net, tax, to_credit, reason, version"
            " FROM supplier_credit_notes WHERE id = %s",
            (note_id,),
        )
        r = cur.fetchone()
        if r is None:
            return None
        cur.execute(
            "SELECT description, account, amount, tax_rate, tax_inclusive, cost_center"
            " FROM supplier_credit_note_lines WHERE credit_note_id = %s ORDER BY line_no",
            (note_id,),
        )
        lines = [
            SupplierCreditLineView(ln[0], ln[1], Decimal(ln[2]), Decimal(ln[3]), bool(ln[4]), ln[5])
            for ln in cur.fetchall()
        ]
        cur.execute(
            "SELECT kind, used_on, bill_id, amount, reference FROM supplier_credit_uses WHERE credit_note_id = %s"
            " ORDER BY version",
            (note_id,),
        )
        uses = [
            SupplierCreditUseView(u[0], _date(u[1]), None if u[2] is None else str(u[2]), Decimal(u[3]), u[4])
            for u in cur.fetchall()
        ]
    net, tax, to_credit = Decimal(r[6]), Decimal(r[7]), Decimal(r[8])
    return SupplierCreditNoteView(
        note_id,
        str(r[0]),
        str(r[1]),
        r[2],
        _date(r[3]),
        r[4],
        Decimal(r[5]),
        net,
        tax,
        net + tax,
        to_credit,
        to_credit - sum((u.amount for u in uses), Decimal(0)),
        r[9],
        lines,
        uses,
        int(r[10]),
    )
