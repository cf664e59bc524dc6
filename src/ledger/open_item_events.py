"""The events of an open-items file's documents, made at the speed of a file (ADR 0051).

An open invoice is an issued ``Invoice`` (``Drafted`` then ``Issued``), an open bill a ``Bill``
(``Recorded``): ``open_invoice`` and ``open_bill`` make them as any document is made, each
event checked by the input policy as it is constructed, the invoice computing its taxes twice
(drafting and applying). For 100,000 documents that is most of an import's time. Here the first
document of each kind and currency is made that way; the rest copy its events' state and replace
only what a document brings, as a statement's lines do (``ledger.bank_lines.LineImports``).

Why that is the same events: the copy is taken per kind and currency, so the journal has the same
lines on the same accounts, roles and tax code as the first's; an invoice's lines carry the value
given, a bill's are valued as ``Posting.value_of`` values them (half-up, so they cancel). What an
item brings was checked by the same rules as the policy's before it gets here (``OpenItem`` is made
by ``commands.finance.open_items`` after checking): the number as a name; the issue date as a
business date, the due date as a derived one; the amount and value within the money bound (so the
net, tax and every journal line are; a rate or a bill's valued line beyond a bound is left to the
domain, which refuses it in its words); the texts made from the number and the party's name (line
description, memo, reference) stay within the text bound. The rest (accounts, actor, command, the
time the events were made) is the first document's, checked with it. A property test compares the
stored bytes of both ways for any item (``tests/unit/test_open_item_events.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.chart import ChartRules
from ledger.customer import Customer
from ledger.events import KeelAggregate, Meta
from ledger.invoice import Invoice
from ledger.invoice_lines import InvoiceLine
from ledger.journal import JournalLine
from ledger.money import Money, minor_units
from ledger.opening import OpenItem, open_bill, open_invoice, rate_of_item
from ledger.payables import Bill, BillLine, Supplier
from ledger.policy import MAX_DECIMAL, MAX_MINOR_UNITS

Events = list[KeelAggregate.Event]


def _copied(cls: type, template: dict[str, Any], **changes: Any) -> Any:
    """An event of ``cls`` with the template's state (its key order kept) and ``changes``, made
    without ``__init__``: the values were checked as described above."""
    state = template.copy()
    state.update(changes)
    made: Any = object.__new__(cls)
    made.__dict__.update(state)
    return made


def _line(t: JournalLine, amount: Decimal, functional: Decimal, party: str, document: str, memo: str) -> JournalLine:
    """The template's journal line with a document's amounts and dimensions (``replace`` without
    its introspection: a file makes 200,000 of them)."""
    return JournalLine(
        account=t.account,
        amount=amount,
        currency=t.currency,
        functional=functional,
        party_id=party,
        document_id=document,
        cost_center=t.cost_center,
        project_id=t.project_id,
        tax_code=t.tax_code,
        memo=memo,
        role=t.role,
    )


class OpenItemEvents:
    """Makes the events of open invoices and bills: ``invoice`` and ``bill`` give what
    ``open_invoice(…).collect_events()`` and ``open_bill(…).collect_events()`` give."""

    def __init__(self, against: str, functional: str, meta: Meta, rules: ChartRules) -> None:
        self.against, self.functional, self.meta, self.rules = against, functional, meta, rules
        self.templates: dict[tuple[str, str], list[dict[str, Any]]] = {}  # per kind and currency

    def _first(self, kind: str, item: OpenItem, made: KeelAggregate) -> Events:
        events = [event for event in made.collect_events() if isinstance(event, KeelAggregate.Event)]
        self.templates[kind, item.amount.currency] = [dict(vars(event)) for event in events]
        return events

    def invoice(self, invoice_id: UUID, customer: Customer, item: OpenItem) -> Events:
        template, rate = self.templates.get(("invoice", item.amount.currency)), rate_of_item(item)
        if template is None or rate >= MAX_DECIMAL:  # the first, or one the policy refuses (by its words)
            made = open_invoice(invoice_id, customer, item, self.against, self.functional, self.meta, self.rules)
            return self._first("invoice", item, made)
        drafted, issued = template
        amount, value, document, party = item.amount.amount, item.value, str(invoice_id), str(customer.id)
        memo, day = f"Invoice {item.number} (opening)", item.issued_on
        receivable, against = issued["journal"]
        journal = [
            _line(receivable, amount, value, party, document, memo),
            _line(against, -amount, -value, party, document, memo),
        ]
        first: InvoiceLine = drafted["lines"][0]
        line = InvoiceLine(
            f"Open item {item.number} (imported)",
            first.quantity,
            amount,
            first.tax_rate,
            first.tax_inclusive,
            first.discount_percent,
            first.service_code,
        )
        return [
            _copied(
                Invoice.Drafted,
                drafted,
                originator_id=invoice_id,
                effective_date=day,
                customer_id=customer.id,
                lines=[line],
            ),
            _copied(
                Invoice.Issued,
                issued,
                originator_id=invoice_id,
                effective_date=day,
                number=item.number,
                due_date=item.due_on,
                net=amount,
                rate=rate,
                journal=journal,
            ),
        ]

    def bill(self, bill_id: UUID, supplier: Supplier, item: OpenItem) -> Events:
        template, rate = self.templates.get(("bill", item.amount.currency)), rate_of_item(item)
        if template is None or rate >= MAX_DECIMAL:
            made = open_bill(bill_id, supplier, item, self.against, self.functional, self.meta, self.rules)
            return self._first("bill", item, made)
        (recorded,) = template
        fc = self.functional
        net = Money(item.amount.amount, item.amount.currency).rounded().amount  # as the bill's taxes give it
        # valued as ``Posting.value_of`` values each line: half-up, so the two lines' values cancel
        debit, credit = Money(net * rate, fc).rounded().amount, Money(-net * rate, fc).rounded().amount
        if debit.scaleb(minor_units(fc)) > MAX_MINOR_UNITS:  # beyond the entry's bound: the domain's words
            return self._first(
                "bill", item, open_bill(bill_id, supplier, item, self.against, fc, self.meta, self.rules)
            )
        document, party, memo = str(bill_id), str(supplier.id), f"Bill {item.number} from {supplier.name}"
        expense, payable = recorded["journal"]
        journal = [
            _line(expense, net, debit, party, document, memo),
            _line(payable, -net, credit, party, document, memo),
        ]
        first: BillLine = recorded["lines"][0]
        line = BillLine(
            f"Open item {item.number} (imported)",
            first.account,
            item.amount.amount,
            first.tax_rate,
            first.tax_inclusive,
            first.cost_center,
        )
        changes = {"supplier_id": supplier.id, "supplier_reference": item.number, "due_date": item.due_on}
        return [
            _copied(
                Bill.Recorded,
                recorded,
                originator_id=bill_id,
                effective_date=item.issued_on,
                **changes,
                rate=rate,
                lines=[line],
                net=net,
                journal=journal,
            )
        ]
