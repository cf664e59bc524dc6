"""Lists and details of customers and invoices, as they stand now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.money import Money
from projections.db import ViewDatabase, as_date


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
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceView:
    id: str
    customer_id: str
    number: str | None
    status: str
    currency: str
    tax_percent: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    drafted_on: date
    issue_date: date | None
    due_date: date | None
    voided_on: date | None
    void_reason: str | None
    version: int
    lines: list[InvoiceLineView]

    @property
    def payment_state(self) -> str:
        if self.status != "issued":
            return self.status
        if self.outstanding == 0:
            return "paid"
        return "partially_paid" if self.paid > 0 else "unpaid"


_CUSTOMER_COLUMNS = "id, name, payment_terms_days, currency, registered_on, version"
_INVOICE_COLUMNS = (
    "id, customer_id, number, status, currency, tax_percent, net_minor, tax_minor, paid_minor,"
    " drafted_on, issue_date, due_date, voided_on, void_reason, version"
)


def _customer(row: tuple[Any, ...]) -> CustomerView:
    d = as_date(row[4])
    assert d is not None
    return CustomerView(str(row[0]), row[1], int(row[2]), row[3], d, int(row[5]))


def list_customers(db: ViewDatabase, limit: int = 100, offset: int = 0) -> list[CustomerView]:
    with db.read() as cur:
        cur.execute(f"SELECT {_CUSTOMER_COLUMNS} FROM customers ORDER BY name, id LIMIT %s OFFSET %s", (limit, offset))
        return [_customer(r) for r in cur.fetchall()]


def get_customer(db: ViewDatabase, customer_id: str) -> CustomerView | None:
    with db.read() as cur:
        cur.execute(f"SELECT {_CUSTOMER_COLUMNS} FROM customers WHERE id = %s", (customer_id,))
        row = cur.fetchone()
    return _customer(row) if row else None


def _invoice(row: tuple[Any, ...], lines: list[InvoiceLineView]) -> InvoiceView:
    currency = row[4]
    net, tax, paid = (Money.from_minor(int(v), currency).amount for v in row[6:9])
    status = row[3]
    drafted = as_date(row[9])
    assert drafted is not None
    return InvoiceView(
        id=str(row[0]),
        customer_id=str(row[1]),
        number=row[2],
        status=status,
        currency=currency,
        tax_percent=Decimal(row[5]),
        net=net,
        tax=tax,
        total=net + tax,
        paid=paid,
        outstanding=net + tax - paid if status == "issued" else Money.zero(currency).amount,
        drafted_on=drafted,
        issue_date=as_date(row[10]),
        due_date=as_date(row[11]),
        voided_on=as_date(row[12]),
        void_reason=row[13],
        version=int(row[14]),
        lines=lines,
    )


def list_invoices(
    db: ViewDatabase,
    customer_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[InvoiceView]:
    where, params = [], []
    if customer_id:
        where.append("customer_id = %s")
        params.append(customer_id)
    if status:
        where.append("status = %s")
        params.append(status)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    with db.read() as cur:
        cur.execute(
            f"SELECT {_INVOICE_COLUMNS} FROM invoices {clause} ORDER BY drafted_on, position LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        return [_invoice(r, []) for r in cur.fetchall()]


def get_invoice(db: ViewDatabase, invoice_id: str) -> InvoiceView | None:
    with db.read() as cur:
        cur.execute(f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE id = %s", (invoice_id,))
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute(
            "SELECT description, quantity, unit_price, amount_minor FROM invoice_lines"
            " WHERE invoice_id = %s ORDER BY line_no",
            (invoice_id,),
        )
        currency = row[4]
        lines = [
            InvoiceLineView(r[0], Decimal(r[1]), Decimal(r[2]), Money.from_minor(int(r[3]), currency).amount)
            for r in cur.fetchall()
        ]
    return _invoice(row, lines)
