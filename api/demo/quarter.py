"""The demo quarter's finance: customers, invoices, payments, suppliers, bills, claims, the close."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from api.demo.documents import documents
from api.demo.ids import demo_id, meta
from api.demo.pipeline import delivery, sales
from api.demo.recurring import recurring_work
from api.demo.reminders import reminders
from commands.messages import (
    AllocationInput,
    ApprovalStepInput,
    ApproveExpenseClaim,
    BillLineInput,
    BillPaymentInput,
    ChangePaymentTerms,
    ClaimInput,
    ClosePeriod,
    Command,
    ConfigureExpensePolicy,
    DefineCostCenter,
    DraftInvoice,
    EntryLineInput,
    IssueCreditNote,
    IssueInvoice,
    LineInput,
    PaySupplier,
    PostJournalEntry,
    RecordBill,
    RecordPayment,
    RegisterCustomer,
    RegisterSupplier,
    ReimburseExpenseClaim,
    RenameCustomer,
    ReopenPeriod,
    ReverseJournalEntry,
    SetBillingEmail,
    SetSchedule,
    SubmitExpenseClaim,
    VoidInvoice,
)
from ledger.events import Meta


def _invoice(
    key: str, customer: str, on: date, lines: list[tuple[str, str, str]], tax: str = "24", rate: str | None = None
) -> list[Command]:
    return [
        DraftInvoice(
            meta=meta(f"draft:{key}"),
            on=on,
            invoice_id=demo_id(f"invoice:{key}"),
            customer_id=demo_id(f"customer:{customer}"),
            lines=tuple(LineInput(description=d, quantity=q, unit_price=p) for d, q, p in lines),
            tax_percent=tax,
        ),
        IssueInvoice(meta=meta(f"issue:{key}"), on=on, invoice_id=demo_id(f"invoice:{key}"), rate=rate),
    ]


def _payment(
    key: str, customer: str, on: date, amount: str, allocations: dict[str, str], ref: str, rate: str | None = None
) -> Command:
    return RecordPayment(
        meta=meta(f"payment:{key}"),
        on=on,
        payment_id=demo_id(f"payment:{key}"),
        customer_id=demo_id(f"customer:{customer}"),
        amount=amount,
        allocations=tuple(
            AllocationInput(invoice_id=demo_id(f"invoice:{k}"), amount=a) for k, a in allocations.items()
        ),
        reference=ref,
        rate=rate,
    )


def quarter() -> Iterator[Command]:
    customers = [
        ("northwind", "Northwind Studio", 30, "EUR", date(2026, 7, 1)),
        ("helios", "Helios Foods", 14, "EUR", date(2026, 7, 1)),
        ("atlas", "Atlas Logistics", 45, "EUR", date(2026, 7, 3)),
        ("blueharbor", "Blue Harbor Inc.", 30, "USD", date(2026, 7, 10)),
    ]
    for key, name, terms, currency, on in customers:
        yield RegisterCustomer(
            meta=meta(f"register:{key}"),
            on=on,
            customer_id=demo_id(f"customer:{key}"),
            name=name,
            payment_terms_days=terms,
            currency=currency,
        )
    yield from _invoice(
        "nw-1",
        "northwind",
        date(2026, 7, 6),
        [("Brand discovery workshop", "2", "1800.00"), ("Design hours", "36", "95.00")],
    )
    yield from _back_office()
    yield from _invoice("he-1", "helios", date(2026, 7, 9), [("Packaging redesign, phase 1", "1", "6400.00")])
    yield from _invoice(
        "bh-1", "blueharbor", date(2026, 7, 15), [("Website UX audit", "1", "4800.00")], tax="0", rate="0.9200"
    )
    yield RecordBill(
        meta=meta("bill:pixel-1"),
        on=date(2026, 7, 20),
        bill_id=demo_id("bill:pixel-1"),
        supplier_id=demo_id("supplier:pixel"),
        supplier_reference="PX-2026-118",
        lines=(
            BillLineInput(
                description="Illustrations for Northwind",
                account="5000",
                amount="1800.00",
                tax_rate="24",
                cost_center="DESIGN",
            ),
        ),
    )
    yield _payment("he-1", "helios", date(2026, 7, 22), "7936.00", {"he-1": "7936.00"}, "HF-2231")
    yield ChangePaymentTerms(
        meta=meta("terms:atlas"), on=date(2026, 7, 28), customer_id=demo_id("customer:atlas"), payment_terms_days=30
    )
    yield PostJournalEntry(
        meta=meta("accrual:july-rent"),
        on=date(2026, 7, 31),
        entry_id=demo_id("entry:july-rent"),
        memo="Accrue July studio rent (landlord bills in arrears)",
        lines=(
            EntryLineInput(account="6000", debit="2000.00", cost_center="OPS"),
            EntryLineInput(account="2400", credit="2000.00"),
        ),
    )
    yield from _invoice(
        "at-1", "atlas", date(2026, 8, 3), [("Fleet livery concepts", "1", "3500.00"), ("Design hours", "20", "95.00")]
    )
    yield ClosePeriod(meta=meta("close:july"), on=date(2026, 8, 4), lock_date=date(2026, 7, 31))
    yield ReverseJournalEntry(
        meta=meta("reverse:july-rent"),
        on=date(2026, 8, 4),
        entry_id=demo_id("entry:july-rent"),
        reason="July rent billed by the landlord",
    )
    yield RecordBill(
        meta=meta("bill:harbour-7"),
        on=date(2026, 8, 4),
        bill_id=demo_id("bill:harbour-7"),
        supplier_id=demo_id("supplier:harbour"),
        supplier_reference="HP-07/2026",
        lines=(BillLineInput(description="Studio rent, July", account="6000", amount="2000.00", cost_center="OPS"),),
    )
    yield _payment("nw-1", "northwind", date(2026, 8, 5), "3000.00", {"nw-1": "3000.00"}, "NW-TRANSFER-0805")
    # Recorded late: Copperline's bill for July's brochures arrives on 12 August, after the close.
    # The accountant reopens the books, records it on its date and closes July again; the
    # restatement of July shows it against what was known at the first close.
    yield ReopenPeriod(
        meta=meta("reopen:july"),
        on=date(2026, 8, 12),
        lock_date=None,
        reason="Copperline Print's July bill CL-2026-031 arrived after the close",
    )
    yield RecordBill(
        meta=meta("bill:copperline-31"),
        on=date(2026, 7, 29),
        bill_id=demo_id("bill:copperline-31"),
        supplier_id=demo_id("supplier:copperline"),
        supplier_reference="CL-2026-031",
        lines=(
            BillLineInput(
                description="Printed brochures for the Helios launch",
                account="5000",
                amount="640.00",
                tax_rate="24",
                cost_center="DESIGN",
            ),
        ),
    )
    yield ClosePeriod(meta=meta("close:july-again"), on=date(2026, 8, 12), lock_date=date(2026, 7, 31))
    yield PaySupplier(
        meta=meta("pay:pixel-1"),
        on=date(2026, 8, 10),
        supplier_id=demo_id("supplier:pixel"),
        payment_id=demo_id("supplier-payment:pixel-1"),
        reference="SEPA-0810",
        allocations=(BillPaymentInput(bill_id=demo_id("bill:pixel-1"), amount="2232.00"),),
    )
    yield from _claim(
        "travel-jon",
        "jon",
        date(2026, 8, 12),
        "travel",
        "Client workshop in Lyon: train and hotel",
        "620.00",
        "24",
        "R-2231",
        approvers=("maria", "fiona"),
    )
    yield from _invoice("nw-2", "northwind", date(2026, 8, 17), [("Design system, sprint 1", "60", "95.00")])
    yield from _invoice("he-2", "helios", date(2026, 8, 20), [("Packaging redesign, phase 2", "1", "5200.00")])
    yield VoidInvoice(
        meta=meta("void:he-2"),
        on=date(2026, 8, 24),
        invoice_id=demo_id("invoice:he-2"),
        reason="Phase 2 postponed by the client; to be re-invoiced",
    )
    yield IssueCreditNote(
        meta=meta("credit:nw-2"),
        on=date(2026, 8, 25),
        invoice_id=demo_id("invoice:nw-2"),
        credit_note_id=demo_id("credit-note:nw-2"),
        reason="Sprint 1 scope reduced by four hours",
        lines=(
            LineInput(
                description="Design system, sprint 1 (reduction)", quantity="4", unit_price="95.00", tax_rate="24"
            ),
        ),
    )
    yield _payment("bh-1", "blueharbor", date(2026, 8, 28), "4800.00", {"bh-1": "4800.00"}, "BH-WIRE-77", rate="0.9350")
    yield ReimburseExpenseClaim(
        meta=meta("reimburse:travel-jon"),
        on=date(2026, 8, 31),
        claim_id=demo_id("claim:travel-jon"),
        reference="SEPA-0831",
    )
    yield from _claim(
        "meals-maria",
        "maria",
        date(2026, 9, 2),
        "meals",
        "Team lunch after the Atlas pitch",
        "86.00",
        "13",
        "R-2240",
        approvers=("fiona",),
    )
    yield _payment(
        "nw-2", "northwind", date(2026, 9, 4), "5000.00", {"nw-1": "2463.20", "nw-2": "2536.80"}, "NW-TRANSFER-0904"
    )
    yield from _invoice("at-2", "atlas", date(2026, 9, 7), [("Signage rollout, 14 depots", "14", "320.00")])
    yield _payment("at-1", "atlas", date(2026, 9, 15), "7000.00", {"at-1": "6696.00"}, "ATLAS-PAY-0915")
    yield RenameCustomer(
        meta=meta("rename:northwind"),
        on=date(2026, 9, 18),
        customer_id=demo_id("customer:northwind"),
        name="Northwind Studio Ltd",
    )
    yield from _invoice("nw-3", "northwind", date(2026, 9, 25), [("Design system, sprint 2", "48", "95.00")])
    yield RecordBill(
        meta=meta("bill:clouddesk-9"),
        on=date(2026, 9, 26),
        bill_id=demo_id("bill:clouddesk-9"),
        supplier_id=demo_id("supplier:clouddesk"),
        supplier_reference="CD-55102",
        lines=(
            BillLineInput(
                description="Design suite licences, Q4",
                account="6100",
                amount="240.00",
                tax_rate="24",
                cost_center="DESIGN",
            ),
        ),
    )
    # Recorded late: an August retainer invoice the account manager only entered at quarter end.
    yield from _invoice("he-3", "helios", date(2026, 8, 31), [("August retainer: social content", "1", "1500.00")])
    yield _payment("he-3", "helios", date(2026, 9, 29), "1000.00", {"he-3": "1000.00"}, "HF-2290")
    yield from sales()
    yield from delivery()
    yield from documents()
    yield from automation()
    yield from reminders()
    yield from recurring_work()


def automation() -> Iterator[Command]:
    """At quarter end the agency turns on its automation: where each customer's invoices are e-mailed
    (Blue Harbor prefers paper) and when the worker runs (ADR 0041)."""
    quarter_end = date(2026, 9, 30)
    for key, email in (
        ("northwind", "accounts@northwind.example"),
        ("helios", "billing@helios.example"),
        ("atlas", "payables@atlas-logistics.example"),
    ):
        yield SetBillingEmail(
            meta=meta(f"billing-email:{key}"), on=quarter_end, customer_id=demo_id(f"customer:{key}"), email=email
        )
    for kind, cron in (("billing", "0 6 1 * *"), ("invoice-mail", "0 7 * * 1-5"), ("outbox", "*/5 * * * *")):
        yield SetSchedule(meta=meta(f"schedule:{kind}"), on=quarter_end, kind=kind, cron=cron, timezone="Europe/Berlin")


def _back_office() -> Iterator[Command]:
    """Suppliers, cost centers and the expense policy: two approval levels above 500 EUR."""
    for key, name, terms in (
        ("pixel", "Pixel Illustration", 14),
        ("harbour", "Harbour Properties", 10),
        ("clouddesk", "CloudDesk", 30),
        ("copperline", "Copperline Print", 30),
    ):
        yield RegisterSupplier(
            meta=meta(f"supplier:{key}"),
            on=date(2026, 7, 1),
            supplier_id=demo_id(f"supplier:{key}"),
            name=name,
            payment_terms_days=terms,
        )
    yield DefineCostCenter(
        meta=meta("cc:design"), on=date(2026, 7, 1), code="DESIGN", name="Design studio", manager="maria"
    )
    yield DefineCostCenter(meta=meta("cc:ops"), on=date(2026, 7, 1), code="OPS", name="Operations", manager="olaf")
    yield ConfigureExpensePolicy(
        meta=meta("policy"),
        on=date(2026, 7, 1),
        fallback_approver="fiona",
        steps=(ApprovalStepInput(approver="cost_center_manager"), ApprovalStepInput(approver="fiona", above="500")),
    )


def _claim(
    key: str,
    employee: str,
    on: date,
    category: str,
    description: str,
    amount: str,
    tax: str,
    receipt: str,
    approvers: tuple[str, ...],
) -> Iterator[Command]:
    yield SubmitExpenseClaim(
        meta=Meta(actor=employee, command_id=str(demo_id(f"command:claim:{key}"))),
        on=on,
        claim_id=demo_id(f"claim:{key}"),
        claim=ClaimInput(
            category=category,
            description=description,
            amount=amount,
            tax_rate=tax,
            receipt_reference=receipt,
            cost_center="DESIGN",
        ),
    )
    for n, approver in enumerate(approvers, start=1):
        yield ApproveExpenseClaim(
            meta=Meta(actor=approver, command_id=str(demo_id(f"command:approve:{key}:{n}"))),
            on=on + timedelta(days=n),
            claim_id=demo_id(f"claim:{key}"),
        )
