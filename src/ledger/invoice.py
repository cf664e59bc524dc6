"""Invoice: drafted with lines, issued with a gap-free number, then settled by payments,
customer credit, credit notes or a write-off, or voided while nothing has touched it.

Lines carry their own tax rate (exclusive or inclusive), a discount and a service code.
An invoice may be in any currency; the rate to the functional currency is recorded when
it is issued and values every later movement on it (differences are realised FX).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.invoice_lines import MAX_LINES, SERIES, InvoiceLine, add_days, document_posting, taxes
from ledger.journal import JournalLine, Posting, reverse
from ledger.money import Money, minor_units
from ledger.roles import Role, Roles

DRAFT, ISSUED, VOIDED = "draft", "issued", "voided"


class Invoice(KeelAggregate):
    TOPIC = "keel.Invoice"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        customer_id: UUID
        currency: str
        lines: list[InvoiceLine]
        series: str
        project_id: UUID | None
        status: str
        drafted_on: date
        number: str | None
        issue_date: date | None
        due_date: date | None
        sent_on: date | None
        rate: Decimal
        net: Money
        tax: Money
        paid: Money
        credited: Money
        written_off: Money
        journal: list[JournalLine]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.invoice.Created.v1"

    class Drafted(Created):
        TOPIC = "keel.invoice.Drafted.v1"
        class_version = 3
        customer_id: UUID
        currency: str
        lines: list[InvoiceLine]
        series: str
        project_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 had one tax rate for the whole invoice and no series."""
            rate = state.pop("tax_percent")
            state["lines"] = [replace(line, tax_rate=rate) for line in state["lines"]]
            state["series"] = "INV"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """v2 invoices belonged to no project."""
            state["project_id"] = None

        def apply(self, inv: Invoice) -> None:
            inv.customer_id = self.customer_id
            inv.currency = self.currency
            inv.lines = list(self.lines)
            inv.series = self.series
            inv.project_id = self.project_id
            inv.status = DRAFT
            inv.drafted_on = self.effective_date
            inv.number = inv.issue_date = inv.due_date = inv.sent_on = None
            inv.rate = Decimal(1)
            result = taxes(inv.lines, self.currency)
            inv.net, inv.tax = result.net, result.tax
            inv.paid = inv.credited = inv.written_off = Money.zero(self.currency)
            inv.journal = []

    class Issued(Event):
        TOPIC = "keel.invoice.Issued.v1"
        class_version = 2
        number: str
        due_date: date
        net: Decimal
        tax: Decimal
        rate: Decimal
        journal: list[JournalLine]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 invoices were valued at par: their currency was taken as the functional one."""
            state["rate"] = Decimal(1)

        def apply(self, inv: Invoice) -> None:
            inv.status = ISSUED
            inv.number = self.number
            inv.issue_date = self.effective_date
            inv.due_date = self.due_date
            inv.rate = self.rate
            inv.journal = list(self.journal)

    class Sent(Event):
        TOPIC = "keel.invoice.Sent.v1"
        to: str

        def apply(self, inv: Invoice) -> None:
            inv.sent_on = self.effective_date

    class Voided(Event):
        TOPIC = "keel.invoice.Voided.v1"
        reason: str
        journal: list[JournalLine]

        def apply(self, inv: Invoice) -> None:
            inv.status = VOIDED

    class PaymentApplied(Event):
        TOPIC = "keel.invoice.PaymentApplied.v1"
        payment_id: UUID
        amount: Decimal

        def apply(self, inv: Invoice) -> None:
            inv.paid += Money(self.amount, inv.currency)

    class PaymentUnapplied(Event):
        TOPIC = "keel.invoice.PaymentUnapplied.v1"
        payment_id: UUID
        amount: Decimal

        def apply(self, inv: Invoice) -> None:
            inv.paid -= Money(self.amount, inv.currency)

    class CustomerCreditApplied(Event):
        TOPIC = "keel.invoice.CustomerCreditApplied.v1"
        amount: Decimal
        journal: list[JournalLine]

        def apply(self, inv: Invoice) -> None:
            inv.paid += Money(self.amount, inv.currency)

    class Credited(Event):
        TOPIC = "keel.invoice.Credited.v1"
        credit_note_id: UUID
        amount: Decimal  # gross

        def apply(self, inv: Invoice) -> None:
            inv.credited += Money(self.amount, inv.currency)

    class WrittenOff(Event):
        TOPIC = "keel.invoice.WrittenOff.v1"
        amount: Decimal
        reason: str
        journal: list[JournalLine]

        def apply(self, inv: Invoice) -> None:
            inv.written_off += Money(self.amount, inv.currency)

    @classmethod
    def draft(
        cls,
        invoice_id: UUID,
        customer_id: UUID,
        currency: str,
        lines: list[InvoiceLine],
        on: date,
        meta: Meta,
        series: str = "INV",
        project_id: UUID | None = None,
    ) -> Invoice:
        minor_units(currency)
        if not lines:
            raise InvalidValue("an invoice needs at least one line")
        if len(lines) > MAX_LINES:
            raise InvalidValue(f"an invoice has at most {MAX_LINES} lines")
        if not SERIES.match(series):
            raise InvalidValue(f"an invoice series is 2 to 6 capital letters, got {series!r}")
        result = taxes(lines, currency)
        for amount in (*result.nets, result.net, result.tax, result.net + result.tax):
            amount.to_minor()  # refuses totals too large to store
        return cls._create(
            cls.Drafted,
            id=invoice_id,
            customer_id=customer_id,
            currency=currency,
            lines=list(lines),
            series=series,
            project_id=project_id,
            **meta.stamp(on),
        )

    # -- derived state ---------------------------------------------------------------

    @property
    def label(self) -> str:
        return self.number or str(self.id)

    @property
    def total(self) -> Money:
        return self.net + self.tax

    @property
    def outstanding(self) -> Money:
        if self.status != ISSUED:
            return Money.zero(self.currency)
        return self.total - self.paid - self.credited - self.written_off

    @property
    def creditable(self) -> Money:
        """What a credit note may still take back: the total less earlier credits and write-offs."""
        return self.total - self.credited - self.written_off

    def value_of(self, amount: Money, functional_currency: str) -> Decimal:
        """The functional value of an amount of this invoice, at its issue rate."""
        return Money(amount.amount * self.rate, functional_currency).rounded().amount

    def _require_issued(self, action: str) -> None:
        if self.status != ISSUED:
            raise InvalidTransition(f"{action} needs an issued invoice; {self.label} is {self.status}")

    def _check_date(self, on: date, action: str) -> None:
        assert self.issue_date is not None
        if on < self.issue_date:
            raise InvalidValue(f"{action} dated {on} is before invoice {self.label} was issued ({self.issue_date})")

    # -- commands ----------------------------------------------------------------------

    def issue(
        self,
        number: str,
        on: date,
        payment_terms_days: int,
        functional_currency: str,
        rate: Decimal,
        meta: Meta,
        roles: Roles,
    ) -> None:
        if self.status != DRAFT:
            raise InvalidTransition(f"only a draft can be issued; this invoice is {self.status}")
        if self.total.amount <= 0:
            raise InvalidTransition("an invoice with a zero total cannot be issued")
        if on < self.drafted_on:
            raise InvalidValue(f"an invoice drafted on {self.drafted_on} cannot be issued dated {on}; draft it earlier")
        posting = Posting(self.currency, functional_currency, rate, roles)
        result = taxes(self.lines, self.currency)
        journal = document_posting(
            posting,
            self.lines,
            result,
            self.total,
            str(self.customer_id),
            str(self.id),
            f"Invoice {number}",
            1,
            self.project_id,
        ).entry()
        self.trigger_event(
            self.Issued,
            number=number,
            due_date=add_days(on, payment_terms_days),
            net=self.net.amount,
            tax=self.tax.amount,
            rate=rate,
            journal=journal,
            **meta.stamp(on),
        )

    def mark_sent(self, to: str, on: date, meta: Meta) -> None:
        self._require_issued("sending")
        self._check_date(on, "sending")
        self.trigger_event(self.Sent, to=to.strip(), **meta.stamp(on))

    def void(self, reason: str, on: date, meta: Meta) -> None:
        if self.status != ISSUED:
            raise InvalidTransition(f"only an issued invoice can be voided; this invoice is {self.status}")
        touched = self.total - self.outstanding
        if not touched.is_zero():
            raise InvalidTransition(
                f"invoice {self.number} has {touched} settled by payments, credit or write-off; "
                "only an untouched invoice can be voided (issue a credit note instead)"
            )
        self._check_date(on, "the void")
        if not reason.strip():
            raise InvalidValue("voiding an invoice needs a reason")
        journal = reverse(self.journal, f"Void of invoice {self.number}")
        self.trigger_event(self.Voided, reason=reason.strip(), journal=journal, **meta.stamp(on))

    def check_settlement(self, amount: Money, on: date, action: str) -> None:
        self._require_issued(action)
        if amount.currency != self.currency:
            raise InvalidValue(f"invoice {self.label} is in {self.currency}; cannot settle {amount}")
        if amount.amount <= 0 or not amount.is_rounded():
            raise InvalidValue(f"{action} on {self.label} must be a positive amount in minor units, got {amount}")
        if amount > self.outstanding:
            raise InvalidTransition(f"{action} of {amount} exceeds the {self.outstanding} outstanding on {self.label}")
        self._check_date(on, action)

    def apply_payment(self, payment_id: UUID, amount: Money, on: date, meta: Meta) -> None:
        """Record that part of a payment settles this invoice (the payment posts the journal)."""
        self.check_settlement(amount, on, "payment")
        self.trigger_event(self.PaymentApplied, payment_id=payment_id, amount=amount.amount, **meta.stamp(on))

    @property
    def unallocatable(self) -> Money:
        """Payments that still sit on the invoice: what a credit note pushed beyond the total
        already became customer credit and cannot be taken back a second time."""
        pushed_out = self.paid + self.credited + self.written_off - self.total
        return self.paid - pushed_out if pushed_out.amount > 0 else self.paid

    def unapply_payment(self, payment_id: UUID, amount: Money, on: date, meta: Meta) -> None:
        self._require_issued("un-allocating a payment")
        self._check_date(on, "the un-allocation")
        if amount > self.unallocatable:
            raise InvalidTransition(
                f"only {self.unallocatable} of payments can still be taken back from invoice {self.label}"
            )
        self.trigger_event(self.PaymentUnapplied, payment_id=payment_id, amount=amount.amount, **meta.stamp(on))

    def apply_customer_credit(
        self, amount: Money, credit_value: Decimal, functional_currency: str, on: date, meta: Meta, roles: Roles
    ) -> None:
        """Settle part of the invoice with the customer's credit (valued at what it cost)."""
        self.check_settlement(amount, on, "applying credit")
        dims: dict[str, Any] = {"party_id": str(self.customer_id), "memo": f"Credit applied to {self.label}"}
        posting = Posting(self.currency, functional_currency, self.rate, roles)
        posting.post(Role.CUSTOMER_CREDIT, amount.amount, value=credit_value, **dims)
        posting.post(Role.RECEIVABLE, -amount.amount, document_id=str(self.id), **dims)
        journal = posting.fx_difference(**dims).entry()
        self.trigger_event(self.CustomerCreditApplied, amount=amount.amount, journal=journal, **meta.stamp(on))

    def credit(self, credit_note_id: UUID, gross: Money, on: date, meta: Meta) -> Money:
        """Take a credit note into account; return the part that exceeds what is still owed."""
        if self.status != ISSUED:
            raise InvalidTransition(f"only an issued invoice can be credited; {self.label} is {self.status}")
        if gross > self.creditable:
            raise InvalidTransition(
                f"a credit of {gross} exceeds the {self.creditable} that can still be credited on {self.label}"
            )
        self._check_date(on, "the credit note")
        excess = gross - self.outstanding if gross > self.outstanding else Money.zero(self.currency)
        self.trigger_event(self.Credited, credit_note_id=credit_note_id, amount=gross.amount, **meta.stamp(on))
        return excess

    def write_off(self, reason: str, functional_currency: str, on: date, meta: Meta, roles: Roles) -> None:
        self._require_issued("a write-off")
        amount = self.outstanding
        if amount.amount <= 0:
            raise InvalidTransition(f"invoice {self.label} has nothing outstanding to write off")
        self._check_date(on, "the write-off")
        if not reason.strip():
            raise InvalidValue("a write-off needs a reason")
        dims: dict[str, Any] = {"party_id": str(self.customer_id), "document_id": str(self.id)}
        posting = Posting(self.currency, functional_currency, self.rate, roles)
        posting.post(Role.BAD_DEBTS, amount.amount, memo=f"Write-off {self.label}", **dims)
        posting.post(Role.RECEIVABLE, -amount.amount, memo=f"Write-off {self.label}", **dims)
        self.trigger_event(
            self.WrittenOff, amount=amount.amount, reason=reason.strip(), journal=posting.entry(), **meta.stamp(on)
        )
