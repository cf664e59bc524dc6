"""The write side: one handler per command, all writes of a command in one atomic save.

Nothing is written unless every rule holds. A save that races another writer on the
same aggregate fails on its version; the handler then reloads and decides again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from commands.messages import (
    ChangePaymentTerms,
    Command,
    CommandResult,
    DraftInvoice,
    IssueInvoice,
    RecordPayment,
    RegisterCustomer,
    RenameCustomer,
    VoidInvoice,
)
from commands.store import APP_NAME, event_store_env
from commands.transcodings import register_keel_transcodings
from ledger.customer import Customer
from ledger.errors import AlreadyExists, InvalidValue, NotFound, VersionConflict
from ledger.events import KeelAggregate
from ledger.invoice import Invoice, make_line
from ledger.money import Money, to_decimal
from ledger.payment import Payment
from ledger.sequence import NumberSequence, invoice_series, sequence_id

A = TypeVar("A", bound=KeelAggregate)
C = TypeVar("C", bound=Command)

MAX_ATTEMPTS = 12


def today() -> date:
    return datetime.now(UTC).date()


class KeelApplication(Application[UUID]):
    name = APP_NAME
    # A number sequence gains an event per issued invoice; snapshots keep loading it O(1).
    snapshotting_intervals = {NumberSequence: 50}

    def __init__(self, database_url: str) -> None:
        super().__init__(env=event_store_env(database_url))
        # Called with the log position after each successful save (wakes local projections).
        self.on_saved: Callable[[int], None] | None = None
        self._handlers: dict[type[Command], Callable[[Any], CommandResult]] = {
            RegisterCustomer: self._register_customer,
            RenameCustomer: self._rename_customer,
            ChangePaymentTerms: self._change_payment_terms,
            DraftInvoice: self._draft_invoice,
            IssueInvoice: self._issue_invoice,
            VoidInvoice: self._void_invoice,
            RecordPayment: self._record_payment,
        }

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_keel_transcodings(transcoder)

    # -- the one way in -------------------------------------------------------------

    def handle(self, command: Command) -> CommandResult:
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

    # -- reading the log (for projections, audits and tests) -------------------------

    def read_log(self, after: int, limit: int) -> list[tuple[int, DomainEventProtocol[UUID]]]:
        notifications = self.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
        return [(n.id, self.mapper.to_domain_event(n)) for n in notifications]

    def head_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    # -- helpers -------------------------------------------------------------------

    def _load(self, kind: type[A], aggregate_id: UUID, expected_version: int | None = None) -> A:
        label = kind.__name__.lower()
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

    def _commit(self, subject: KeelAggregate, *others: KeelAggregate) -> CommandResult:
        recordings = self.save(subject, *others)
        position = max((r.notification.id for r in recordings), default=0)
        if self.on_saved and position:
            self.on_saved(position)
        return CommandResult(id=subject.id, version=subject.version, position=position)

    # -- customers -----------------------------------------------------------------

    def _register_customer(self, c: RegisterCustomer) -> CommandResult:
        self._ensure_new(c.customer_id, "customer")
        customer = Customer.register(c.customer_id, c.name, c.payment_terms_days, c.currency, c.on or today(), c.meta)
        return self._commit(customer)

    def _rename_customer(self, c: RenameCustomer) -> CommandResult:
        customer = self._load(Customer, c.customer_id, c.expected_version)
        customer.rename(c.name, c.on or today(), c.meta)
        return self._commit(customer)

    def _change_payment_terms(self, c: ChangePaymentTerms) -> CommandResult:
        customer = self._load(Customer, c.customer_id, c.expected_version)
        customer.change_payment_terms(c.payment_terms_days, c.on or today(), c.meta)
        return self._commit(customer)

    # -- invoices ------------------------------------------------------------------

    def _draft_invoice(self, c: DraftInvoice) -> CommandResult:
        self._ensure_new(c.invoice_id, "invoice")
        customer = self._load(Customer, c.customer_id)
        lines = [make_line(line.description, line.quantity, line.unit_price) for line in c.lines]
        invoice = Invoice.draft(
            c.invoice_id,
            customer.id,
            c.currency or customer.currency,
            lines,
            c.tax_percent,
            c.on or today(),
            c.meta,
        )
        return self._commit(invoice)

    def _issue_invoice(self, c: IssueInvoice) -> CommandResult:
        invoice = self._load(Invoice, c.invoice_id, c.expected_version)
        customer = self._load(Customer, invoice.customer_id)
        on = c.on or today()
        series = invoice_series(on)
        try:
            sequence = self._load(NumberSequence, sequence_id(series))
        except NotFound:
            sequence = NumberSequence.start(series, on, c.meta)
        number = sequence.take(invoice.id, on, c.meta)
        invoice.issue(number, on, customer.payment_terms_days, c.meta)
        return self._commit(invoice, sequence)

    def _void_invoice(self, c: VoidInvoice) -> CommandResult:
        invoice = self._load(Invoice, c.invoice_id, c.expected_version)
        invoice.void(c.reason, c.on or today(), c.meta)
        return self._commit(invoice)

    # -- payments ------------------------------------------------------------------

    def _record_payment(self, c: RecordPayment) -> CommandResult:
        self._ensure_new(c.payment_id, "payment")
        customer = self._load(Customer, c.customer_id)
        on = c.on or today()
        currency = c.currency or customer.currency
        amount = Money(to_decimal(c.amount), currency)
        invoices: list[Invoice] = []
        allocations: list[tuple[UUID, Money]] = []
        for a in c.allocations:
            invoice = self._load(Invoice, a.invoice_id)
            if invoice.customer_id != customer.id:
                raise InvalidValue(f"invoice {invoice.number or invoice.id} belongs to another customer")
            part = Money(to_decimal(a.amount), currency)
            invoice.apply_payment(c.payment_id, part, on, c.meta)
            invoices.append(invoice)
            allocations.append((invoice.id, part))
        payment = Payment.receive(c.payment_id, customer.id, amount, allocations, c.reference, on, c.meta)
        return self._commit(payment, *invoices)

    # -- queries of aggregates (for tests and audits) --------------------------------

    def get(self, kind: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        try:
            aggregate: KeelAggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"{kind.__name__.lower()} {aggregate_id} not found") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{kind.__name__.lower()} {aggregate_id} not found")
        return aggregate
