"""The events of an open-items file's documents, made at the speed of a file (ADR 0051).

An open invoice is an issued ``Invoice`` (``Drafted`` then ``Issued``), an open bill a ``Bill``
(``Recorded``): ``open_invoice`` and ``open_bill`` make them as any document is made, each
event checked by the input policy as it is constructed, the invoice computing its taxes twice
(drafting and applying). For 100,000 documents that is most of an import's time. Here the first
document of each kind and currency is made that way; the rest copy its events' state and replace
only what a document brings, as a statement's lines do (``ledger.bank_lines.LineImports``).

Why that is the same events: the copy is taken only where the item's value is its amount (rate 1)
and its currency the books' own, so the journal has the same lines on the same accounts, roles and
tax code as the first's, and no valuation rounds. What an item brings was checked by the same
rules as the policy's before it gets here (``OpenItem`` is made by ``commands.finance.open_items``
after checking): the number as a name; the issue date as a business date, the due date as a
derived one; the amount within the money bound (so the net, tax and every journal line are); the
texts made from the number and the party's name (line description, memo, reference) stay within
the text bound. The rest (accounts, actor, command, the time the events were made) is the first
document's, checked with it. A property test compares the stored bytes of both ways for any item
(``tests/unit/test_open_item_events.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from ledger.chart import ChartRules
from ledger.customer import Customer
from ledger.events import KeelAggregate, Meta
from ledger.invoice import Invoice
from ledger.money import Money
from ledger.opening import OpenItem, open_bill, open_invoice
from ledger.payables import Bill, Supplier

Events = list[KeelAggregate.Event]


def _copied(cls: type, template: dict[str, Any], **changes: Any) -> Any:
    """An event of ``cls`` with the template's state (its key order kept) and ``changes``, made
    without ``__init__``: the values were checked as described above."""
    state = template.copy()
    state.update(changes)
    made: Any = object.__new__(cls)
    made.__dict__.update(state)
    return made


class OpenItemEvents:
    """Makes the events of open invoices and bills: ``invoice`` and ``bill`` give what
    ``open_invoice(…).collect_events()`` and ``open_bill(…).collect_events()`` give."""

    def __init__(self, against: str, functional: str, meta: Meta, rules: ChartRules) -> None:
        self.against, self.functional, self.meta, self.rules = against, functional, meta, rules
        self.templates: dict[str, list[dict[str, Any]]] = {}  # per kind, of the functional currency

    def _template(self, kind: str, item: OpenItem) -> list[dict[str, Any]] | None:
        if item.amount.currency != self.functional or item.value != item.amount.amount:
            return None
        return self.templates.get(kind)

    def _first(self, kind: str, item: OpenItem, made: KeelAggregate) -> Events:
        events = [event for event in made.collect_events() if isinstance(event, KeelAggregate.Event)]
        if item.amount.currency == self.functional and item.value == item.amount.amount:
            self.templates[kind] = [dict(vars(event)) for event in events]
        return events

    def invoice(self, invoice_id: UUID, customer: Customer, item: OpenItem) -> Events:
        template = self._template("invoice", item)
        if template is None:
            made = open_invoice(invoice_id, customer, item, self.against, self.functional, self.meta, self.rules)
            return self._first("invoice", item, made)
        drafted, issued = template
        amount, document = item.amount.amount, str(invoice_id)
        line = replace(drafted["lines"][0], description=f"Open item {item.number} (imported)", unit_price=amount)
        memo, party = f"Invoice {item.number} (opening)", str(customer.id)
        receivable, against = (
            replace(
                ln, amount=sign * amount, functional=sign * item.value, party_id=party, document_id=document, memo=memo
            )
            for ln, sign in zip(issued["journal"], (1, -1), strict=True)
        )
        day = item.issued_on
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
                journal=[receivable, against],
            ),
        ]

    def bill(self, bill_id: UUID, supplier: Supplier, item: OpenItem) -> Events:
        template = self._template("bill", item)
        if template is None:
            made = open_bill(bill_id, supplier, item, self.against, self.functional, self.meta, self.rules)
            return self._first("bill", item, made)
        (recorded,) = template
        net = Money(item.amount.amount, self.functional).rounded().amount  # as the bill's taxes give it
        document, memo = str(bill_id), f"Bill {item.number} from {supplier.name}"
        expense, payable = (
            replace(
                ln, amount=sign * net, functional=sign * net, party_id=str(supplier.id), document_id=document, memo=memo
            )
            for ln, sign in zip(recorded["journal"], (1, -1), strict=True)
        )
        line = replace(
            recorded["lines"][0], description=f"Open item {item.number} (imported)", amount=item.amount.amount
        )
        changes = {"supplier_id": supplier.id, "supplier_reference": item.number, "due_date": item.due_on}
        return [
            _copied(
                Bill.Recorded,
                recorded,
                originator_id=bill_id,
                effective_date=item.issued_on,
                **changes,
                lines=[line],
                net=net,
                journal=[expense, payable],
            )
        ]
