"""Reconciliation's matching rules: what a bank line most likely is in the books (ADR 0034).

Pure functions over plain values, no I/O: the surfaces read the open invoices, the unmatched lines
and the rules from the read models, ask ``propose`` for each line, apply the certain proposals as
commands and list the rest as suggestions. Everything is looked up in dictionaries built once
(``Candidates``): invoice numbers found in a line's text, amounts, payers' IBANs — never a loop over
the open invoices per line, so 10,000 lines against 10,000 invoices is 10,000 lookups.

What is certain (applied by ``keel bank reconcile --auto``):
- a rule whose text the line contains, in the rule's direction (score 100);
- money in whose text names open invoices of one customer that it pays exactly (score 100).
What is suggested, with a score (0-99), never applied on its own:
- an invoice named in the text, paid short by a bank fee within the tolerance (90 when the bank
  said it took that fee, else 80); paid short by more (a partial payment, 50);
- no invoice named, but one open invoice of exactly the amount (60), of a customer who paid from
  this IBAN before (75).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ledger.errors import InvalidValue

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]*[A-Za-z0-9]")
CERTAIN = 100


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What matching looks at in a bank line (money in is positive)."""

    line_id: str
    amount: Decimal
    currency: str
    text: str  # the description, reference and counterparty's name, joined
    counterparty_iban: str | None = None
    charges: Decimal | None = None  # what the bank said it took, when it said


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    id: str
    number: str
    customer_id: str
    currency: str
    outstanding: Decimal  # positive


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    contains: str
    account: str
    direction: str = "any"  # in, out, any

    def applies(self, line: LineFacts) -> bool:
        if (self.direction == "in" and line.amount <= 0) or (self.direction == "out" and line.amount >= 0):
            return False
        return self.contains.casefold() in line.text.casefold()


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How much short of an invoice a payment may arrive and still be that invoice paid less a bank
    fee: up to ``amount`` or ``percent`` of the invoice, whichever is more."""

    amount: Decimal = Decimal("25.00")
    percent: Decimal = Decimal("1")

    def __post_init__(self) -> None:
        if self.amount < 0 or not 0 <= self.percent <= 100:
            raise InvalidValue("tolerance: an amount of zero or more and a percentage from 0 to 100")

    def allows(self, fee: Decimal, outstanding: Decimal) -> bool:
        return 0 < fee <= max(self.amount, outstanding * self.percent / 100)


@dataclass(frozen=True, slots=True)
class Item:
    """One ledger item a proposal matches (part of) the line to: an invoice, or an account."""

    kind: str
    target: str
    amount: Decimal
    fee: Decimal = Decimal(0)
    label: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    line_id: str
    items: tuple[Item, ...]
    score: int
    why: str
    rule: str | None = None

    @property
    def certain(self) -> bool:
        return self.score >= CERTAIN


@dataclass
class Candidates:
    """The open invoices indexed by number, by (currency, amount) and by customer, and the IBANs
    customers paid from before; built once for a whole reconciliation."""

    by_number: dict[str, OpenInvoice] = field(default_factory=dict)
    by_amount: dict[tuple[str, Decimal], list[OpenInvoice]] = field(default_factory=lambda: defaultdict(list))
    payers: dict[str, str] = field(default_factory=dict)  # IBAN -> customer id

    @classmethod
    def of(cls, invoices: Iterable[OpenInvoice], payers: dict[str, str] | None = None) -> Candidates:
        found = cls(payers=dict(payers or {}))
        for invoice in invoices:
            if invoice.outstanding <= 0:
                continue
            found.by_number[invoice.number.upper()] = invoice
            found.by_amount[(invoice.currency, invoice.outstanding)].append(invoice)
        return found

    def named_in(self, text: str, currency: str) -> list[OpenInvoice]:
        """The open invoices whose numbers the text names, in the order it names them, once each."""
        seen: dict[str, OpenInvoice] = {}
        for token in _TOKEN.findall(text):
            invoice = self.by_number.get(token.upper())
            if invoice is not None and invoice.currency == currency:
                seen.setdefault(invoice.id, invoice)
        return list(seen.values())

    def take(self, invoices: Sequence[OpenInvoice]) -> None:
        """These invoices are paid by a match just applied: no later line in the run takes them."""
        for invoice in invoices:
            self.by_number.pop(invoice.number.upper(), None)
            same = self.by_amount.get((invoice.currency, invoice.outstanding))
            if same and invoice in same:
                same.remove(invoice)


def propose(line: LineFacts, candidates: Candidates, rules: Sequence[Rule], tolerance: Tolerance) -> Proposal | None:
    """The most likely match of ``line``, or None when nothing fits."""
    if line.amount > 0:
        named = candidates.named_in(line.text, line.currency)
        if named:
            return _named(line, named, tolerance)
    for rule in rules:
        if rule.applies(line):
            item = Item("account", rule.account, line.amount, label=rule.account)
            return Proposal(line.line_id, (item,), CERTAIN, f"rule {rule.name}: contains {rule.contains!r}", rule.name)
    if line.amount > 0:
        return _by_amount(line, candidates)
    return None


def _invoice_item(invoice: OpenInvoice, amount: Decimal, fee: Decimal = Decimal(0)) -> Item:
    return Item("invoice", invoice.id, amount, fee, invoice.number)


def _named(line: LineFacts, named: list[OpenInvoice], tolerance: Tolerance) -> Proposal:
    customers = {i.customer_id for i in named}
    owed = sum((i.outstanding for i in named), Decimal(0))
    numbers = ", ".join(i.number for i in named)
    if len(customers) == 1 and owed == line.amount:
        items = tuple(_invoice_item(i, i.outstanding) for i in named)
        return Proposal(line.line_id, items, CERTAIN, f"names {numbers} and pays exactly what is open")
    invoice = named[0]
    fee = invoice.outstanding - line.amount
    if tolerance.allows(fee, invoice.outstanding):
        said = line.charges is not None and line.charges == fee
        score = 90 if said else 80
        why = f"names {invoice.number}; {fee} short, a bank fee within the tolerance"
        return Proposal(
            line.line_id,
            (_invoice_item(invoice, line.amount, fee),),
            score,
            why + (" (the bank says so)" if said else ""),
        )
    if 0 < line.amount < invoice.outstanding:
        why = f"names {invoice.number}; pays {line.amount} of the {invoice.outstanding} open (a partial payment)"
        return Proposal(line.line_id, (_invoice_item(invoice, line.amount),), 50, why)
    why = f"names {invoice.number} but pays {line.amount}, more than the {invoice.outstanding} open"
    return Proposal(line.line_id, (_invoice_item(invoice, invoice.outstanding),), 20, why)


def _by_amount(line: LineFacts, candidates: Candidates) -> Proposal | None:
    same = candidates.by_amount.get((line.currency, line.amount), [])
    payer = candidates.payers.get(line.counterparty_iban or "")
    if payer is not None:
        theirs = [i for i in same if i.customer_id == payer]
        if len(theirs) == 1:
            why = f"pays exactly {theirs[0].number}, of the customer who paid from this IBAN before"
            return Proposal(line.line_id, (_invoice_item(theirs[0], line.amount),), 75, why)
    if len(same) == 1:
        return Proposal(line.line_id, (_invoice_item(same[0], line.amount),), 60, f"pays exactly {same[0].number}")
    return None


def reconcile(
    lines: Iterable[LineFacts], candidates: Candidates, rules: Sequence[Rule], tolerance: Tolerance
) -> tuple[list[Proposal], list[Proposal], list[str]]:
    """Every line's proposal: (certain, suggested, ids of lines nothing fits). An invoice a certain
    proposal pays is taken off the candidates, so two lines never both pay it."""
    certain: list[Proposal] = []
    suggested: list[Proposal] = []
    nothing: list[str] = []
    by_id = {i.id: i for i in candidates.by_number.values()}
    for line in lines:
        found = propose(line, candidates, rules, tolerance)
        if found is None:
            nothing.append(line.line_id)
        elif found.certain:
            certain.append(found)
            candidates.take([by_id[i.target] for i in found.items if i.kind == "invoice" and i.target in by_id])
        else:
            suggested.append(found)
    return certain, suggested, nothing
