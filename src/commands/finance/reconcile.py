"""Matching bank statement lines to the books, and taking a match back (ADR 0034).

A match records what the line is in the same unit of work as the match itself: a line paying open
invoices records the customer's payment (the path a typed payment takes, ``commands.settlement``:
through the bank account's ledger account, with the bank's fee as a bank fee), a line booked to an
account (a rule's, or the accountant's choice) records a journal entry between the bank account
and that account. What each match recorded is kept on the match, so an unmatch reverses exactly it,
as events. Ids of what a match records derive from the line and how many times it was matched, so
a retried or repeated auto-reconciliation can never record a line twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid5

from commands.collector import paused_collection
from commands.finance import bank_messages as m
from commands.posting import open_books, rate_of
from commands.settlement import pay_bills, receive_payment, reverse_payment, reverse_supplier_payment
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.bank import BankAccount
from ledger.bank_lines import BankLine, MatchItem
from ledger.books import BOOKS_ID
from ledger.errors import InvalidValue, NotFound
from ledger.events import KeelAggregate, Meta
from ledger.expenses import ExpenseClaim
from ledger.invoice import Invoice
from ledger.journal_entry import JournalEntry, make_entry_line
from ledger.money import Money, to_decimal
from ledger.payables import Bill


def _load_line(uow: UnitOfWork, line_id: UUID) -> BankLine:
    return uow.load(BankLine, line_id, label="bank line")


def match_line(uow: UnitOfWork, c: m.MatchBankLine) -> CommandResult:
    line, saved = _decide(uow, c)
    return uow.commit(line, *saved)


BATCH = 250  # matches appended at a time within a batch's one transaction


@paused_collection()  # the batch's aggregates stay alive until it commits: no cyclic passes over them
def match_lines(uow: UnitOfWork, c: m.MatchBankLines) -> CommandResult:
    """Every match of the batch, in one transaction written in chunks, or none of them: each
    aggregate is loaded once for the whole batch (a customer paying many invoices, the books)."""
    if not c.matches:
        raise InvalidValue("matches: none given")
    _preload(uow, c.matches)
    with uow.stream() as out:
        pending: list[KeelAggregate | None] = []
        last: BankLine | None = None
        for n, match in enumerate(c.matches, start=1):
            last, saved = _decide(uow, match)
            pending += [last, *saved]
            if n % BATCH == 0:
                out.append(*_distinct(pending))
                pending = []
        assert last is not None
        out.append(*_distinct(pending))
        return out.commit(last)


def _preload(uow: UnitOfWork, matches: tuple[m.MatchBankLine, ...]) -> None:
    """Two reads for the whole batch instead of a few per match: the lines and invoices first, then
    the customers and what each match would create (known not to exist yet)."""
    invoices = [UUID(i.target) for c in matches for i in c.items if i.kind == "invoice" and _is_uuid(i.target)]
    uow.preload([*(c.line_id for c in matches), *invoices])
    more: list[UUID] = [BOOKS_ID]
    for c in matches:
        try:
            line = uow.load(BankLine, c.line_id)
        except NotFound:
            continue
        more.append(line.bank_account_id)
        if any(i.kind == "account" for i in c.items):  # only a match to an account records an entry
            more.append(uuid5(line.id, f"entry:{line.matches}"))
        for i in c.items:
            if i.kind == "invoice" and _is_uuid(i.target):
                owner = uow.load(Invoice, UUID(i.target)).customer_id
                more += [owner, uuid5(line.id, f"payment:{line.matches}:{owner}")]
    uow.preload(more)


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise InvalidValue(f"items: {text[:40]!r} is not the id of {what}") from None


def _distinct(aggregates: list[KeelAggregate | None]) -> list[KeelAggregate]:
    seen: dict[UUID, KeelAggregate] = {}
    for a in aggregates:
        if a is not None:
            seen.setdefault(a.id, a)
    return list(seen.values())


def _decide(uow: UnitOfWork, c: m.MatchBankLine) -> tuple[BankLine, list[KeelAggregate | None]]:
    """The line matched, and what the match records (not saved)."""
    line = _load_line(uow, c.line_id)
    line.check_unmatched()
    bank = uow.load(BankAccount, line.bank_account_id, label="bank account")
    on = c.on or line.booking_date  # the books record the money on the day it moved
    rec = _Recording(uow, c, line, bank, on)
    by_customer: dict[UUID, list[tuple[Invoice, Decimal, Decimal]]] = defaultdict(list)
    by_supplier: dict[UUID, list[tuple[Bill, Decimal]]] = defaultdict(list)
    claims: list[tuple[ExpenseClaim, Decimal]] = []
    accounts: list[tuple[str, Decimal]] = []
    for given in c.items:
        amount, fee = to_decimal(given.amount), to_decimal(given.fee)
        if given.kind == "invoice":
            invoice = uow.load(Invoice, _uuid(given.target, "an invoice"))
            by_customer[invoice.customer_id].append((invoice, amount, fee))
        elif fee:
            raise InvalidValue(f"items: a bank fee goes with a customer's payment, not with a {given.kind[:20]}")
        elif given.kind == "bill":
            bill = uow.load(Bill, _uuid(given.target, "a bill"))
            by_supplier[bill.supplier_id].append((bill, amount))
        elif given.kind == "expense":
            claims.append((uow.load(ExpenseClaim, _uuid(given.target, "an expense claim")), amount))
        elif given.kind == "account":
            accounts.append((given.target, amount))
        else:
            raise InvalidValue(f"items: an invoice, a bill, an expense claim or an account, not {given.kind[:20]!r}")
    for customer_id, paid in by_customer.items():
        rec.customer_payment(customer_id, paid)
    for supplier_id, bills in by_supplier.items():
        rec.supplier_payment(supplier_id, bills)
    for claim, amount in claims:
        rec.reimbursement(claim, amount)
    if accounts:
        rec.entry(accounts)
    line.match(rec.items, c.rule, c.score, c.auto, on, c.meta)
    return line, rec.saved


class _Recording:
    """What one match records, item by item, through the paths a typed command takes."""

    def __init__(self, uow: UnitOfWork, c: m.MatchBankLine, line: BankLine, bank: BankAccount, on: date) -> None:
        self.uow, self.c, self.line, self.bank, self.on = uow, c, line, bank, on
        self.reference = (line.reference or line.description or line.line_key)[:200]
        self.items: list[MatchItem] = []
        self.saved: list[KeelAggregate | None] = []

    def customer_payment(self, customer_id: UUID, paid: list[tuple[Invoice, Decimal, Decimal]]) -> None:
        payment_id = uuid5(self.line.id, f"payment:{self.line.matches}:{customer_id}")
        total = sum((amount + fee for _, amount, fee in paid), Decimal(0))
        if total <= 0 or any(amount <= 0 for _, amount, _ in paid):
            raise InvalidValue("items: money paid out is not a customer's payment to an invoice")
        receipt = receive_payment(
            self.uow,
            payment_id=payment_id,
            customer_id=customer_id,
            amount=str(total),
            allocations=[(inv.id, str(amount + fee)) for inv, amount, fee in paid],
            reference=self.reference,
            on=self.on,
            meta=self.c.meta,
            currency=self.line.amount.currency,
            rate=self.c.rate,
            bank_fee=str(sum((fee for _, _, fee in paid), Decimal(0))),
            bank_account=self.bank.account,
        )
        self.saved += receipt.aggregates()
        for invoice, amount, fee in paid:
            self.items.append(MatchItem("invoice", str(invoice.id), amount, fee, str(payment_id), invoice.label))

    def supplier_payment(self, supplier_id: UUID, bills: list[tuple[Bill, Decimal]]) -> None:
        """Money out settling a supplier's bills: ``keel bills pay``'s path, from the bank account."""
        if any(amount >= 0 for _, amount in bills):
            raise InvalidValue("items: money received is not a payment of a supplier's bill")
        payment_id = uuid5(self.line.id, f"supplier-payment:{self.line.matches}:{supplier_id}")
        payout = pay_bills(
            self.uow,
            payment_id=payment_id,
            supplier_id=supplier_id,
            allocations=[(bill.id, str(-amount)) for bill, amount in bills],
            reference=self.reference,
            on=self.on,
            meta=self.c.meta,
            rate=self.c.rate,
            bank_account=self.bank.account,
        )
        self.saved += payout.aggregates()
        for bill, amount in bills:
            self.items.append(
                MatchItem("bill", str(bill.id), amount, Decimal(0), str(payment_id), bill.supplier_reference)
            )

    def reimbursement(self, claim: ExpenseClaim, amount: Decimal) -> None:
        """Money out to an employee for an approved claim, in full: the claim's own reimbursement."""
        label = claim.details.receipt_reference
        if -amount != claim.gross.amount or claim.currency != self.line.amount.currency:
            raise InvalidValue(f"items: expense claim {label} is reimbursed in full, {claim.gross}, as money out")
        claim.reimburse(self.reference, self.on, self.c.meta, self.uow.chart().roles, self.bank.account)
        self.saved.append(claim)
        self.items.append(MatchItem("expense", str(claim.id), amount, Decimal(0), str(claim.id), label))

    def entry(self, accounts: list[tuple[str, Decimal]]) -> None:
        entry_id = uuid5(self.line.id, f"entry:{self.line.matches}")
        c = self.c
        self.saved.append(_entry(self.uow, self.line, self.bank, entry_id, accounts, c.rule, c.rate, self.on, c.meta))
        chart = self.uow.chart()
        for code, amount in accounts:
            name = chart.account(code).name
            self.items.append(MatchItem("account", code, amount, Decimal(0), str(entry_id), f"{code} {name}"))


def _entry(
    uow: UnitOfWork,
    line: BankLine,
    bank: BankAccount,
    entry_id: UUID,
    accounts: list[tuple[str, Decimal]],
    rule: str | None,
    rate: str | None,
    on: date,
    meta: Meta,
) -> JournalEntry:
    """The bank account against each account, by the part of the line it explains."""
    books, _ = open_books(uow, on, meta, "this bank line")
    currency = line.amount.currency
    fx = rate_of(currency, rate, books)
    lines = []
    for code, amount in accounts:
        if not amount:
            raise InvalidValue("items: an amount of zero explains nothing")
        debit, credit = (Decimal(0), amount) if amount > 0 else (-amount, Decimal(0))
        lines.append(make_entry_line(code, currency, debit, credit, rate=fx, memo=line.description[:200]))
    total = Money(sum((a for _, a in accounts), Decimal(0)), currency)
    debit, credit = (total.amount, Decimal(0)) if total.amount > 0 else (Decimal(0), -total.amount)
    lines.append(make_entry_line(bank.account, currency, debit, credit, rate=fx))
    memo = f"Bank line {line.booking_date}: {line.description or line.reference or line.line_key}"[:200]
    if rule:
        memo = f"Rule {rule}: {memo}"[:200]
    uow.ensure_new(entry_id, "journal entry")
    return JournalEntry.post(entry_id, lines, memo, None, books.functional_currency, on, meta)


def unmatch_line(uow: UnitOfWork, c: m.UnmatchBankLine) -> CommandResult:
    """Take a match back: each thing it recorded is reversed as such — a customer payment by
    ``Payment.Reversed``, a supplier payment by ``SupplierPayment.Reversed``, a reimbursement by
    ``ReimbursementReversed``, a journal entry by its reversal."""
    line = _load_line(uow, c.line_id)
    on = c.on or line.booking_date  # undone on the day it was recorded: as if it never was
    reason = f"Bank line {line.booking_date} unmatched: {c.reason}"[:200]
    items = line.unmatch(c.reason, on, c.meta)
    saved: list[KeelAggregate | None] = []
    done: set[str] = set()
    for item in items:
        if item.record_id in done:
            continue
        done.add(item.record_id)
        record = UUID(item.record_id)
        if item.kind == "invoice":
            saved += reverse_payment(uow, record, reason, on, c.meta).aggregates()
        elif item.kind == "bill":
            saved += reverse_supplier_payment(uow, record, reason, on, c.meta).aggregates()
        elif item.kind == "expense":
            claim = uow.load(ExpenseClaim, record, label="expense claim")
            claim.reverse_reimbursement(reason, on, c.meta)
            saved.append(claim)
        elif item.kind == "account":
            try:
                entry = uow.load(JournalEntry, record, label="journal entry")
            except NotFound:
                raise NotFound(f"the journal entry this match recorded ({item.record_id}) is not there") from None
            entry.reverse(reason, on, c.meta)
            saved.append(entry)
    return uow.commit(line, *_distinct(saved))


HANDLERS: Handlers = {
    m.MatchBankLine: match_line,
    m.MatchBankLines: match_lines,
    m.UnmatchBankLine: unmatch_line,
}
