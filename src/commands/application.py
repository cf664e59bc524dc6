"""The write side: one handler per command, all writes of a command in one atomic save.

Nothing is written unless every rule holds. A save that races another writer on the
same aggregate fails on its version; the handler then reloads and decides again.
Every command that posts to the books is checked against the lock date first.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from commands import messages as m
from commands.access import AccessHandlers
from commands.adapters.clock import SYSTEM_CLOCK, Clock
from commands.adapters.recorders import KeelApplicationRecorder, keel_recorder
from commands.adapters.store import APP_NAME, event_store_env, preflight
from commands.adapters.transcodings import register_keel_transcodings
from commands.crm_handlers import CrmHandlers
from commands.idempotency import Claim, Ticket, current_ticket
from commands.work_handlers import WorkHandlers
from ledger.accounts import RETAINED_EARNINGS, AccountType, account
from ledger.books import BOOKS_ID, Books
from ledger.credit_note import CreditNote
from ledger.customer import Customer
from ledger.errors import AlreadyExists, InvalidValue, NotFound, VersionConflict
from ledger.events import KeelAggregate, Meta
from ledger.expenses import (
    DEFAULT_CATEGORIES,
    POLICY_ID,
    ApprovalStep,
    CostCenter,
    ExpenseClaim,
    ExpensePolicy,
    cost_center_id,
    make_details,
)
from ledger.invoice import Invoice, InvoiceLine, make_line
from ledger.journal import JournalLine, balanced
from ledger.journal_entry import JournalEntry, make_entry_line
from ledger.money import Money, minor_units, to_decimal
from ledger.payables import Bill, Supplier, SupplierPayment, make_bill_line
from ledger.payment import Payment
from ledger.people import Person
from ledger.projects import Project
from ledger.sequence import NumberSequence, invoice_series, sequence_id

A = TypeVar("A", bound=KeelAggregate)

MAX_ATTEMPTS = 12
DEFAULT_POLICY_STEPS = [ApprovalStep("cost_center_manager", Decimal(0))]


def today() -> date:
    return datetime.now(UTC).date()


class KeelApplication(Application[UUID]):
    name = APP_NAME
    # Aggregates that gain events for as long as they live (a number sequence per document, a
    # project per allocation and approved week, a customer per credit movement, the books per
    # close) are snapshotted, so loading them stays O(1). Snapshots are a cache: the events rule.
    snapshotting_intervals = {NumberSequence: 50, Project: 50, Customer: 50, Books: 50, Person: 50}

    def __init__(self, database_url: str, functional_currency: str = "EUR", clock: Clock = SYSTEM_CLOCK) -> None:
        env = event_store_env(database_url)
        preflight(database_url)
        super().__init__(env=env)
        # The log as Keel keeps it (times, hash chain, idempotency records): each backend its own.
        self.keel_log: KeelApplicationRecorder = keel_recorder(self.recorder)
        self.keel_log.set_up(database_url, self.snapshots.recorder if self.snapshots else None)
        minor_units(functional_currency)
        self.default_functional_currency = functional_currency
        self.log_clock = clock
        # Today's date for the rules that need one (a close not from the future, a key's issue date):
        # the log clock's, so a story told on its own clock closes its periods on its own days. Tests
        # may set a date of their own. (Commands without a date still default to the wall clock's.)
        self.clock: Callable[[], date] = lambda: self.log_clock.now().date()
        # Called with the log position after each successful save (wakes local projections).
        self.on_saved: Callable[[int], None] | None = None
        self.access = AccessHandlers(self)
        self._handlers: dict[type[m.Command], Callable[[Any], m.CommandResult]] = {
            m.RegisterCustomer: self._register_customer,
            m.RenameCustomer: self._rename_customer,
            m.ChangePaymentTerms: self._change_payment_terms,
            m.DraftInvoice: self._draft_invoice,
            m.IssueInvoice: self._issue_invoice,
            m.MarkInvoiceSent: self._mark_sent,
            m.VoidInvoice: self._void_invoice,
            m.IssueCreditNote: self._issue_credit_note,
            m.WriteOffInvoice: self._write_off,
            m.RecordPayment: self._record_payment,
            m.UnallocatePayment: self._unallocate,
            m.ApplyCustomerCredit: self._apply_credit,
            m.RefundCustomerCredit: self._refund_credit,
            m.ClosePeriod: self._close_period,
            m.ReopenPeriod: self._reopen_period,
            m.CloseYear: self._close_year,
            m.PostJournalEntry: self._post_entry,
            m.ReverseJournalEntry: self._reverse_entry,
            m.RegisterSupplier: self._register_supplier,
            m.RecordBill: self._record_bill,
            m.VoidBill: self._void_bill,
            m.PaySupplier: self._pay_supplier,
            m.DefineCostCenter: self._define_cost_center,
            m.ChangeCostCenterManager: self._change_cost_center_manager,
            m.ConfigureExpensePolicy: self._configure_policy,
            m.SubmitExpenseClaim: self._submit_claim,
            m.ApproveExpenseClaim: self._approve_claim,
            m.RejectExpenseClaim: self._reject_claim,
            m.ResubmitExpenseClaim: self._resubmit_claim,
            m.ReimburseExpenseClaim: self._reimburse_claim,
            **CrmHandlers(self).handlers(),
            **WorkHandlers(self).handlers(),
            **self.access.handlers(),
        }

    @property
    def log_clock(self) -> Clock:
        """Where the moment each append is recorded at comes from (the "known at" axis)."""
        return self._log_clock

    @log_clock.setter
    def log_clock(self, clock: Clock) -> None:
        self._log_clock = clock
        self.keel_log.clock = clock

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_keel_transcodings(transcoder)

    # -- the one way in -------------------------------------------------------------

    def handle(self, command: m.Command) -> m.CommandResult:
        """Run a command; retry when another writer changed the same aggregates meanwhile."""
        handler = self._handlers[type(command)]
        for attempt in range(MAX_ATTEMPTS):
            try:
                return handler(command)
            except IntegrityError:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                # Someone else won the race; back off a little (jittered) and decide again.
                time.sleep(random.uniform(0.001, 0.004) * 2 ** min(attempt, 5))
        raise AssertionError("unreachable")

    def functional_currency(self) -> str:
        """The books' currency: fixed when they were opened, else the configured default."""
        try:
            return self._load(Books, BOOKS_ID).functional_currency
        except NotFound:
            return self.default_functional_currency

    # -- reading the log (for projections, audits and tests) -------------------------

    def read_log(
        self, after: int, limit: int, topics: Sequence[str] = ()
    ) -> list[tuple[int, DomainEventProtocol[UUID]]]:
        """Up to ``limit`` events after position ``after``, only of ``topics`` if given: events of
        other topics are skipped in the database, never decoded."""
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, topics=topics, inclusive_of_start=False
        )
        return [(n.id, self.mapper.to_domain_event(n)) for n in notifications]

    def head_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def times_of(self, positions: Sequence[int]) -> dict[int, datetime]:
        """When each of these positions was appended; empty for stores without a log."""
        return self.keel_log.times_of(positions)

    def recorded_times(self, first: int, last: int) -> dict[int, datetime]:
        """When each position was appended (inside its transaction); empty for stores without a log."""
        return self.keel_log.recorded_times(first, last)

    def position_at(self, moment: datetime) -> int:
        """The log position the books had reached at ``moment`` (what "known at" it means)."""
        return self.keel_log.position_at(moment)

    def moment_of(self, position: int) -> datetime | None:
        """When a position was appended; None beyond the head."""
        return self.recorded_times(position, position).get(position)

    # -- idempotency ------------------------------------------------------------------

    def claim(self, ticket: Ticket, stale_after_seconds: float = 60.0) -> Claim:
        return self.keel_log.claim(ticket, stale_after_seconds)

    def finish(self, ticket: Ticket, http_status: int, response: str, success: bool) -> None:
        self.keel_log.finish(ticket, http_status, response, success)

    def history(self, aggregate_id: UUID) -> list[tuple[int | None, DomainEventProtocol[UUID]]]:
        """Every event of one aggregate with its log position, oldest first."""
        events = list(self.events.get(aggregate_id))
        if not events:
            raise NotFound(f"nothing was ever recorded for {aggregate_id}")
        positions = self.keel_log.positions_of(aggregate_id)
        return [(positions.get(e.originator_version), e) for e in events]

    # -- helpers -------------------------------------------------------------------

    def _load(self, kind: type[A], aggregate_id: UUID, expected_version: int | None = None, label: str = "") -> A:
        label = label or kind.__name__.lower()
        try:
            aggregate: KeelAggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{label} {aggregate_id} not found") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{label} {aggregate_id} not found")
        if expected_version is not None and expected_version != aggregate.version:
            raise VersionConflict(
                f"{label} {aggregate_id} is at version {aggregate.version}, not {expected_version}",
                current_version=aggregate.version,
            )
        return aggregate

    def _ensure_new(self, aggregate_id: UUID, label: str) -> None:
        if aggregate_id in self.repository:
            raise AlreadyExists(f"{label} {aggregate_id} already exists")

    def _commit(self, subject: KeelAggregate, *others: KeelAggregate | None) -> m.CommandResult:
        ticket = current_ticket.get()
        if ticket is not None:
            # The completed idempotency record is written in the same transaction as the events.
            response = {"id": str(subject.id), "version": subject.version}
            recordings = self.save(subject, *others, idempotency=(ticket, response))
        else:
            recordings = self.save(subject, *others)
        position = max((r.notification.id for r in recordings), default=0)
        if self.on_saved and position:
            self.on_saved(position)
        return m.CommandResult(id=subject.id, version=subject.version, position=position)

    def _books(self, on: date, meta: Meta, what: str) -> tuple[Books, Books | None]:
        """The books checked open on ``on``; the second item is a new Books to save, if any."""
        try:
            books = self._load(Books, BOOKS_ID)
            new = None
        except NotFound:
            books = new = Books.open(self.default_functional_currency, on, meta)
        books.check_open(on, what)
        return books, new

    @staticmethod
    def _rate(currency: str, rate: str | None, books: Books) -> Decimal:
        if currency == books.functional_currency:
            if rate is not None and to_decimal(rate) != 1:
                raise InvalidValue(f"{currency} is the functional currency; its rate is 1, not {rate}")
            return Decimal(1)
        if rate is None:
            raise InvalidValue(
                f"{currency} is not the functional currency: give its rate to {books.functional_currency}"
            )
        value = to_decimal(rate)
        if value <= 0:
            raise InvalidValue(f"an exchange rate must be positive, got {rate}")
        return value

    def _next_number(self, series: str, document_id: UUID, on: date, meta: Meta) -> tuple[str, NumberSequence]:
        try:
            sequence = self._load(NumberSequence, sequence_id(series))
        except NotFound:
            sequence = NumberSequence.start(series, on, meta)
        return sequence.take(document_id, on, meta), sequence

    @staticmethod
    def _lines(inputs: tuple[m.LineInput, ...], default_rate: str) -> list[InvoiceLine]:
        return [
            make_line(
                ln.description,
                ln.quantity,
                ln.unit_price,
                ln.tax_rate if ln.tax_rate is not None else default_rate,
                ln.tax_inclusive,
                ln.discount_percent,
                ln.service_code,
            )
            for ln in inputs
        ]

    # -- customers -----------------------------------------------------------------

    def _register_customer(self, c: m.RegisterCustomer) -> m.CommandResult:
        self._ensure_new(c.customer_id, "customer")
        customer = Customer.register(c.customer_id, c.name, c.payment_terms_days, c.currency, c.on or today(), c.meta)
        return self._commit(customer)

    def _rename_customer(self, c: m.RenameCustomer) -> m.CommandResult:
        customer = self._load(Customer, c.customer_id, c.expected_version)
        customer.rename(c.name, c.on or today(), c.meta)
        return self._commit(customer)

    def _change_payment_terms(self, c: m.ChangePaymentTerms) -> m.CommandResult:
        customer = self._load(Customer, c.customer_id, c.expected_version)
        customer.change_payment_terms(c.payment_terms_days, c.on or today(), c.meta)
        return self._commit(customer)

    # -- invoices ------------------------------------------------------------------

    def _draft_invoice(self, c: m.DraftInvoice) -> m.CommandResult:
        self._ensure_new(c.invoice_id, "invoice")
        customer = self._load(Customer, c.customer_id)
        customer.check_active()
        lines = self._lines(c.lines, c.tax_percent)
        currency = c.currency or customer.currency
        invoice = Invoice.draft(c.invoice_id, customer.id, currency, lines, c.on or today(), c.meta, series=c.series)
        return self._commit(invoice)

    def _issue_invoice(self, c: m.IssueInvoice) -> m.CommandResult:
        invoice = self._load(Invoice, c.invoice_id, c.expected_version)
        customer = self._load(Customer, invoice.customer_id)
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "issuing this invoice")
        rate = self._rate(invoice.currency, c.rate, books)
        number, sequence = self._next_number(invoice_series(on, invoice.series), invoice.id, on, c.meta)
        invoice.issue(number, on, customer.payment_terms_days, books.functional_currency, rate, c.meta)
        return self._commit(invoice, sequence, new_books)

    def _mark_sent(self, c: m.MarkInvoiceSent) -> m.CommandResult:
        invoice = self._load(Invoice, c.invoice_id, c.expected_version)
        invoice.mark_sent(c.to, c.on or today(), c.meta)
        return self._commit(invoice)

    def _void_invoice(self, c: m.VoidInvoice) -> m.CommandResult:
        invoice = self._load(Invoice, c.invoice_id, c.expected_version)
        on = c.on or today()
        _, new_books = self._books(on, c.meta, "voiding this invoice")
        invoice.void(c.reason, on, c.meta)
        return self._commit(invoice, new_books)

    def _issue_credit_note(self, c: m.IssueCreditNote) -> m.CommandResult:
        self._ensure_new(c.credit_note_id, "credit note")
        invoice = self._load(Invoice, c.invoice_id)
        customer = self._load(Customer, invoice.customer_id)
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "this credit note")
        if c.lines:
            lines = self._lines(c.lines, "0")
        elif not invoice.credited.is_zero() or not invoice.written_off.is_zero():
            raise InvalidValue(f"invoice {invoice.label} was partly credited or written off; list the lines to credit")
        else:
            lines = list(invoice.lines)
        number, sequence = self._next_number(invoice_series(on, "CN"), c.credit_note_id, on, c.meta)
        fc = books.functional_currency
        note = CreditNote.issue(c.credit_note_id, invoice, number, lines, c.reason, fc, on, c.meta)
        excess = Money(note.pending_events[0].to_credit, invoice.currency)  # type: ignore[attr-defined]
        customer.add_credit(excess, invoice.value_of(excess, fc), note.id, on, c.meta)
        return self._commit(note, invoice, sequence, customer, new_books)

    def _write_off(self, c: m.WriteOffInvoice) -> m.CommandResult:
        invoice = self._load(Invoice, c.invoice_id, c.expected_version)
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "this write-off")
        invoice.write_off(c.reason, books.functional_currency, on, c.meta)
        return self._commit(invoice, new_books)

    # -- payments ------------------------------------------------------------------

    def _record_payment(self, c: m.RecordPayment) -> m.CommandResult:
        self._ensure_new(c.payment_id, "payment")
        customer = self._load(Customer, c.customer_id)
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "this payment")
        currency = c.currency or customer.currency
        rate = self._rate(currency, c.rate, books)
        amount = Money(to_decimal(c.amount), currency)
        invoices: list[tuple[Invoice, Money]] = []
        for a in c.allocations:
            invoice = self._load(Invoice, a.invoice_id)
            if invoice.customer_id != customer.id:
                raise InvalidValue(f"invoice {invoice.label} belongs to another customer")
            part = Money(to_decimal(a.amount), currency)
            invoice.apply_payment(c.payment_id, part, on, c.meta)
            invoices.append((invoice, part))
        fc = books.functional_currency
        fee = Money(to_decimal(c.bank_fee), currency)
        payment = Payment.receive(c.payment_id, customer.id, amount, rate, fee, invoices, c.reference, fc, on, c.meta)
        customer.add_credit(payment.credit, payment.credit_value_of(payment.credit, fc), payment.id, on, c.meta)
        return self._commit(payment, customer, *(inv for inv, _ in invoices), new_books)

    def _unallocate(self, c: m.UnallocatePayment) -> m.CommandResult:
        payment = self._load(Payment, c.payment_id)
        invoice = self._load(Invoice, c.invoice_id)
        customer = self._load(Customer, payment.customer_id)
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "this un-allocation")
        fc = books.functional_currency
        amount = Money(to_decimal(c.amount), payment.amount.currency)
        invoice.unapply_payment(payment.id, amount, on, c.meta)
        payment.unallocate(invoice, amount, fc, on, c.meta)
        customer.add_credit(amount, payment.credit_value_of(amount, fc), payment.id, on, c.meta)
        return self._commit(payment, invoice, customer, new_books)

    def _apply_credit(self, c: m.ApplyCustomerCredit) -> m.CommandResult:
        customer = self._load(Customer, c.customer_id)
        invoice = self._load(Invoice, c.invoice_id)
        if invoice.customer_id != customer.id:
            raise InvalidValue(f"invoice {invoice.label} belongs to another customer")
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "applying credit")
        fc = books.functional_currency
        amount = Money(to_decimal(c.amount), invoice.currency)
        invoice.check_settlement(amount, on, "applying credit")
        value = customer.use_credit(amount, fc, invoice.id, on, c.meta)
        invoice.apply_customer_credit(amount, value, fc, on, c.meta)
        return self._commit(invoice, customer, new_books)

    def _refund_credit(self, c: m.RefundCustomerCredit) -> m.CommandResult:
        customer = self._load(Customer, c.customer_id)
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "this refund")
        currency = c.currency or customer.currency
        rate = self._rate(currency, c.rate, books)
        amount = Money(to_decimal(c.amount), currency)
        customer.refund_credit(amount, books.functional_currency, rate, c.reference, on, c.meta)
        return self._commit(customer, new_books)

    # -- books: close, journal entries ------------------------------------------------

    def _close_period(self, c: m.ClosePeriod) -> m.CommandResult:
        now = self.clock()
        on = c.on or now
        if on > now or c.lock_date >= now:
            raise InvalidValue(f"only a period that has ended can be closed, and not from the future (today is {now})")
        try:
            books = self._load(Books, BOOKS_ID)
        except NotFound:
            books = Books.open(self.default_functional_currency, on, c.meta)
        books.close_period(c.lock_date, on, c.meta)
        return self._commit(books)

    def _reopen_period(self, c: m.ReopenPeriod) -> m.CommandResult:
        books = self._load(Books, BOOKS_ID, label="books")
        books.reopen_period(c.lock_date, c.reason, c.on or self.clock(), c.meta)
        return self._commit(books)

    def closes(self) -> list[tuple[date, int, datetime]]:
        """Every period close: (lock date, log position, when it was recorded), oldest first."""
        try:
            history = self.history(BOOKS_ID)
        except NotFound:
            return []
        found = []
        for position, event in history:
            if isinstance(event, Books.PeriodClosed) and position is not None:
                moment = self.moment_of(position)
                if moment is not None:
                    found.append((event.lock_date, position, moment))
        return found

    def _close_year(self, c: m.CloseYear) -> m.CommandResult:
        books = self._load(Books, BOOKS_ID, label="books")
        books.check_year_closable(c.year)
        journal = self._closing_entry(c.year, books.functional_currency)
        books.close_year(c.year, journal, c.meta)
        return self._commit(books)

    def _closing_entry(self, year: int, functional_currency: str) -> list[JournalLine]:
        """Reverse every income and expense balance of the year into retained earnings.

        A once-a-year read of the write side's own log: the closing entry is decided from the
        posted facts, whatever the state of the read models.
        """
        start, end = date(year, 1, 1), date(year, 12, 31)
        sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        after = 0
        while page := self.read_log(after, 1000):
            for position, event in page:
                after = position
                journal = getattr(event, "journal", None)
                effective = getattr(event, "effective_date", None)
                if (
                    not journal
                    or effective is None
                    or not start <= effective <= end
                    or isinstance(event, Books.YearClosed)
                ):
                    continue
                for line in journal:
                    if account(line.account).type in (AccountType.INCOME, AccountType.EXPENSE):
                        acc = sums[(line.account, line.currency)]
                        acc[0] += line.amount
                        acc[1] += line.value
        lines: list[JournalLine] = []
        per_currency: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for (code, currency), (amount, value) in sorted(sums.items()):
            if amount or value:
                lines.append(JournalLine(code, -amount, currency, -value, memo=f"Year-end close {year}"))
                per_currency[currency][0] += amount
                per_currency[currency][1] += value
        for currency, (amount, value) in sorted(per_currency.items()):
            lines.append(JournalLine(RETAINED_EARNINGS, amount, currency, value, memo=f"Result of {year}"))
        if not lines:
            raise InvalidValue(f"nothing was posted to income or expense accounts in {year}")
        return balanced(lines, functional_currency)

    def _post_entry(self, c: m.PostJournalEntry) -> m.CommandResult:
        self._ensure_new(c.entry_id, "journal entry")
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "this journal entry")
        fc = books.functional_currency
        lines = []
        for ln in c.lines:
            currency = ln.currency or fc
            lines.append(
                make_entry_line(
                    ln.account,
                    currency,
                    ln.debit,
                    ln.credit,
                    str(self._rate(currency, ln.rate, books)),
                    party_id=ln.party_id,
                    cost_center=ln.cost_center,
                    project_id=ln.project_id,
                    tax_code=ln.tax_code,
                    memo=ln.memo,
                )
            )
        entry = JournalEntry.post(c.entry_id, lines, c.memo, c.corrects, fc, on, c.meta)
        return self._commit(entry, new_books)

    def _reverse_entry(self, c: m.ReverseJournalEntry) -> m.CommandResult:
        entry = self._load(JournalEntry, c.entry_id, label="journal entry")
        on = c.on or today()
        _, new_books = self._books(on, c.meta, "this reversal")
        entry.reverse(c.reason, on, c.meta)
        return self._commit(entry, new_books)

    # -- payables ------------------------------------------------------------------

    def _register_supplier(self, c: m.RegisterSupplier) -> m.CommandResult:
        self._ensure_new(c.supplier_id, "supplier")
        currency = c.currency or self.default_functional_currency
        supplier = Supplier.register(c.supplier_id, c.name, c.payment_terms_days, currency, c.on or today(), c.meta)
        return self._commit(supplier)

    def _record_bill(self, c: m.RecordBill) -> m.CommandResult:
        self._ensure_new(c.bill_id, "bill")
        supplier = self._load(Supplier, c.supplier_id)
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "this bill")
        currency = c.currency or supplier.currency
        rate = self._rate(currency, c.rate, books)
        lines = [
            make_bill_line(ln.description, ln.account, ln.amount, ln.tax_rate, ln.tax_inclusive, ln.cost_center)
            for ln in c.lines
        ]
        bill = Bill.record(
            c.bill_id,
            supplier,
            c.supplier_reference,
            currency,
            rate,
            lines,
            c.due_date,
            books.functional_currency,
            on,
            c.meta,
        )
        return self._commit(bill, new_books)

    def _void_bill(self, c: m.VoidBill) -> m.CommandResult:
        bill = self._load(Bill, c.bill_id)
        on = c.on or today()
        _, new_books = self._books(on, c.meta, "voiding this bill")
        bill.void(c.reason, on, c.meta)
        return self._commit(bill, new_books)

    def _pay_supplier(self, c: m.PaySupplier) -> m.CommandResult:
        self._ensure_new(c.payment_id, "supplier payment")
        supplier = self._load(Supplier, c.supplier_id)
        on = c.on or today()
        books, new_books = self._books(on, c.meta, "this supplier payment")
        bills: list[tuple[Bill, Money]] = []
        for a in c.allocations:
            bill = self._load(Bill, a.bill_id)
            part = Money(to_decimal(a.amount), bill.currency)
            bill.apply_payment(c.payment_id, part, on, c.meta)
            bills.append((bill, part))
        currency = bills[0][0].currency if bills else supplier.currency
        if any(b.currency != currency for b, _ in bills):
            raise InvalidValue("one supplier payment settles bills of one currency")
        rate = self._rate(currency, c.rate, books)
        payment = SupplierPayment.make(
            c.payment_id, supplier, rate, bills, c.reference, books.functional_currency, on, c.meta
        )
        return self._commit(payment, *(b for b, _ in bills), new_books)

    # -- expenses ------------------------------------------------------------------

    def _define_cost_center(self, c: m.DefineCostCenter) -> m.CommandResult:
        center = CostCenter.define(c.code, c.name, c.manager, c.on or today(), c.meta)
        self._ensure_new(center.id, f"cost center {center.code}:")
        return self._commit(center)

    def _cost_center(self, code: str) -> CostCenter:
        return self._load(CostCenter, cost_center_id(code.strip().upper()), label=f"cost center {code}:")

    def _change_cost_center_manager(self, c: m.ChangeCostCenterManager) -> m.CommandResult:
        center = self._cost_center(c.code)
        center.change_manager(c.manager, c.on or today(), c.meta)
        return self._commit(center)

    def _policy(self, on: date, meta: Meta) -> ExpensePolicy:
        try:
            return self._load(ExpensePolicy, POLICY_ID)
        except NotFound:
            return ExpensePolicy.configure(DEFAULT_POLICY_STEPS, "finance", dict(DEFAULT_CATEGORIES), on, meta)

    def expense_policy(self) -> ExpensePolicy:
        """The policy in force: the configured one, else the default (manager approves, finance falls back)."""
        return self._policy(self.clock(), Meta("keel"))

    def _configure_policy(self, c: m.ConfigureExpensePolicy) -> m.CommandResult:
        on = c.on or today()
        steps = [ApprovalStep(s.approver.strip(), to_decimal(s.above)) for s in c.steps]
        categories = dict(c.categories) or dict(DEFAULT_CATEGORIES)
        try:
            policy = self._load(ExpensePolicy, POLICY_ID)
            policy.reconfigure(steps, c.fallback_approver, categories, on, c.meta)
        except NotFound:
            policy = ExpensePolicy.configure(steps, c.fallback_approver, categories, on, c.meta)
        return self._commit(policy)

    def _details(self, claim: m.ClaimInput) -> Any:
        return make_details(
            claim.category,
            claim.description,
            to_decimal(claim.amount),
            claim.tax_rate,
            claim.receipt_reference,
            claim.cost_center,
            claim.project_id,
        )

    def _submit_claim(self, c: m.SubmitExpenseClaim) -> m.CommandResult:
        self._ensure_new(c.claim_id, "expense claim")
        on = c.on or today()
        details = self._details(c.claim)
        center = self._cost_center(details.cost_center)
        policy = self._policy(on, c.meta)
        try:
            functional = self._load(Books, BOOKS_ID).functional_currency
        except NotFound:
            functional = self.default_functional_currency
        employee = c.employee or c.meta.actor
        claim = ExpenseClaim.submit(c.claim_id, employee, details, policy, center, functional, on, c.meta)
        return self._commit(claim, policy if policy.pending_events else None)

    def _approve_claim(self, c: m.ApproveExpenseClaim) -> m.CommandResult:
        claim = self._load(ExpenseClaim, c.claim_id, label="expense claim")
        on = c.on or today()
        _, new_books = self._books(on, c.meta, "this approval")
        claim.approve(c.meta.actor, on, c.meta)
        return self._commit(claim, new_books)

    def _reject_claim(self, c: m.RejectExpenseClaim) -> m.CommandResult:
        claim = self._load(ExpenseClaim, c.claim_id, label="expense claim")
        claim.reject(c.meta.actor, c.reason, c.on or today(), c.meta)
        return self._commit(claim)

    def _resubmit_claim(self, c: m.ResubmitExpenseClaim) -> m.CommandResult:
        claim = self._load(ExpenseClaim, c.claim_id, label="expense claim")
        on = c.on or today()
        details = self._details(c.claim)
        claim.resubmit(
            c.meta.actor, details, self._policy(on, c.meta), self._cost_center(details.cost_center), on, c.meta
        )
        return self._commit(claim)

    def _reimburse_claim(self, c: m.ReimburseExpenseClaim) -> m.CommandResult:
        claim = self._load(ExpenseClaim, c.claim_id, label="expense claim")
        on = c.on or today()
        _, new_books = self._books(on, c.meta, "this reimbursement")
        claim.reimburse(c.reference, on, c.meta)
        return self._commit(claim, new_books)

    # -- queries of aggregates (for tests and audits) --------------------------------

    def first_event(self, kind: type[A], aggregate_id: UUID) -> KeelAggregate.Event:
        """The event that created an aggregate of ``kind``: what a never-changing document says."""
        self.get(kind, aggregate_id)  # NotFound unless it exists and is of that kind
        return next(iter(self.events.get(aggregate_id, lte=1)))  # type: ignore[return-value]

    def get(self, kind: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        try:
            aggregate: KeelAggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"{kind.__name__.lower()} {aggregate_id} not found") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{kind.__name__.lower()} {aggregate_id} not found")
        return aggregate
