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
Money out is matched the same way to what we owe (ADR 0037):
- certain: the text names open bills (by the supplier's reference) of one supplier and the line pays
  exactly what they owe; the text names an approved expense claim (its receipt reference) and the
  line pays exactly its amount;
- suggested: a bill named but paid short (a partial payment, 50) or over (20); no bill named but one
  open bill of exactly the amount (60), of a supplier paid to this IBAN before (75); one approved
  claim of exactly the amount (55).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

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
class OpenBill:
    id: str
    number: str  # the supplier's reference
    supplier_id: str
    currency: str
    outstanding: Decimal  # positive


@dataclass(frozen=True, slots=True)
class OpenClaim:
    """An approved expense claim not reimbursed yet."""

    id: str
    number: str  # its receipt reference
    employee: str
    currency: str
    amount: Decimal  # positive


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
    """One ledger item a proposal matches (part of) the line to: an invoice, a bill, an expense
    claim or an account (``amount`` signed as on the statement)."""

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


class _Owed(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def currency(self) -> str: ...


D = TypeVar("D", bound=_Owed)


class _Index(Generic[D]):
    """Documents we owe on, by number and by (currency, amount): a few lookups per line."""

    def __init__(self) -> None:
        self.by_number: dict[str, D] = {}
        self.by_amount: dict[tuple[str, Decimal], list[D]] = defaultdict(list)
        self.amounts: dict[str, Decimal] = {}

    def add(self, doc: D, amount: Decimal) -> None:
        if amount > 0:
            self.by_number[doc.number.upper()] = doc
            self.by_amount[(doc.currency, amount)].append(doc)
            self.amounts[doc.id] = amount

    def named_in(self, text: str, currency: str) -> list[D]:
        seen: dict[str, D] = {}
        for token in _TOKEN.findall(text):
            doc = self.by_number.get(token.upper())
            if doc is not None and doc.currency == currency:
                seen.setdefault(doc.id, doc)
        return list(seen.values())

    def of_amount(self, currency: str, amount: Decimal) -> list[D]:
        return self.by_amount.get((currency, amount), [])

    def take(self, ids: Iterable[str]) -> None:
        wanted = set(ids)
        for doc in [d for d in self.by_number.values() if d.id in wanted]:
            self.by_number.pop(doc.number.upper(), None)
            same = self.by_amount.get((doc.currency, self.amounts[doc.id]))
            if same and doc in same:
                same.remove(doc)


@dataclass
class Candidates:
    """The open invoices indexed by number, by (currency, amount) and by customer, and the IBANs
    customers paid from before; built once for a whole reconciliation."""

    by_number: dict[str, OpenInvoice] = field(default_factory=dict)
    by_amount: dict[tuple[str, Decimal], list[OpenInvoice]] = field(default_factory=lambda: defaultdict(list))
    payers: dict[str, str] = field(default_factory=dict)  # IBAN -> customer id
    bills: _Index[OpenBill] = field(default_factory=_Index[OpenBill])
    claims: _Index[OpenClaim] = field(default_factory=_Index[OpenClaim])
    payees: dict[str, str] = field(default_factory=dict)  # IBAN -> supplier id

    @classmethod
    def of(
        cls,
        invoices: Iterable[OpenInvoice],
        payers: dict[str, str] | None = None,
        bills: Iterable[OpenBill] = (),
        claims: Iterable[OpenClaim] = (),
        payees: dict[str, str] | None = None,
    ) -> Candidates:
        found = cls(payers=dict(payers or {}), payees=dict(payees or {}))
        for invoice in invoices:
            if invoice.outstanding <= 0:
                continue
            found.by_number[invoice.number.upper()] = invoice
            found.by_amount[(invoice.currency, invoice.outstanding)].append(invoice)
        for bill in bills:
            found.bills.add(bill, bill.outstanding)
        for claim in claims:
            found.claims.add(claim, claim.amount)
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
    elif line.amount < 0:
        found = _named_out(line, candidates)
        if found is not None:
            return found
    for rule in rules:
        if rule.applies(line):
            item = Item("account", rule.account, line.amount, label=rule.account)
            return Proposal(line.line_id, (item,), CERTAIN, f"rule {rule.name}: contains {rule.contains!r}", rule.name)
    if line.amount > 0:
        return _by_amount(line, candidates)
    return _out_by_amount(line, candidates) if line.amount < 0 else None


def _bill_item(bill: OpenBill, amount: Decimal) -> Item:
    return Item("bill", bill.id, amount, label=bill.number)


def _named_out(line: LineFacts, candidates: Candidates) -> Proposal | None:
    """Money out whose text names bills (by the supplier's reference) or an approved claim."""
    paid = -line.amount
    bills = candidates.bills.named_in(line.text, line.currency)
    if bills:
        owed = sum((b.outstanding for b in bills), Decimal(0))
        numbers = ", ".join(b.number for b in bills)
        if len({b.supplier_id for b in bills}) == 1 and owed == paid:
            items = tuple(_bill_item(b, -b.outstanding) for b in bills)
            return Proposal(line.line_id, items, CERTAIN, f"names bill {numbers} and pays exactly what is open")
        bill = bills[0]
        if paid < bill.outstanding:
            why = f"names bill {bill.number}; pays {paid} of the {bill.outstanding} open (a partial payment)"
            return Proposal(line.line_id, (_bill_item(bill, line.amount),), 50, why)
        why = f"names bill {bill.number} but pays {paid}, more than the {bill.outstanding} open"
        return Proposal(line.line_id, (_bill_item(bill, -bill.outstanding),), 20, why)
    for claim in candidates.claims.named_in(line.text, line.currency):
        if claim.amount == paid:
            item = Item("expense", claim.id, line.amount, label=claim.number)
            why = f"names expense claim {claim.number} of {claim.employee} and pays exactly its amount"
            return Proposal(line.line_id, (item,), CERTAIN, why)
    return None


def _out_by_amount(line: LineFacts, candidates: Candidates) -> Proposal | None:
    same = candidates.bills.of_amount(line.currency, -line.amount)
    payee = candidates.payees.get(line.counterparty_iban or "")
    if payee is not None:
        theirs = [b for b in same if b.supplier_id == payee]
        if len(theirs) == 1:
            why = f"pays exactly bill {theirs[0].number}, of the supplier paid to this IBAN before"
            return Proposal(line.line_id, (_bill_item(theirs[0], line.amount),), 75, why)
    if len(same) == 1:
        return Proposal(line.line_id, (_bill_item(same[0], line.amount),), 60, f"pays exactly bill {same[0].number}")
    claims = candidates.claims.of_amount(line.currency, -line.amount)
    if len(claims) == 1:
        claim = claims[0]
        item = Item("expense", claim.id, line.amount, label=claim.number)
        return Proposal(line.line_id, (item,), 55, f"pays exactly expense claim {claim.number} of {claim.employee}")
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
            candidates.bills.take(i.target for i in found.items if i.kind == "bill")
            candidates.claims.take(i.target for i in found.items if i.kind == "expense")
        else:
            suggested.append(found)
    return certain, suggested, nothing
