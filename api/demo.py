"""A deterministic demo: the third quarter of Lumen & Co, a twelve-person design agency.

Same ids and same figures on every run: four customers (one billed in USD), four suppliers,
expense claims through two approval levels, a rent accrual and its reversal, a credit note, July
closed on 4 August — and reopened on 12 August for a printer's July bill that arrived late; a
pipeline of leads and deals, one won (opening a project draft), one lost, one stage move recorded
late and backdated.

The story is told on its own clock (ADR 0026): each command is recorded on the day it is entered
(its business date, unless ``ENTERED_LATE`` says otherwise), from 09:00 UTC every ten minutes, so
"known at 4 August" is what the books knew on 4 August. Entries are recorded out of business-date
order on purpose (an August invoice is only entered at quarter end), so the two time axes show
different pictures.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from commands.adapters.clock import SetClock
from commands.application import KeelApplication
from commands.messages import (
    ActivateProject,
    AllocationInput,
    ApprovalStepInput,
    ApproveExpenseClaim,
    ApproveTimesheet,
    BillLineInput,
    BillPaymentInput,
    CaptureLead,
    ChangePaymentTerms,
    ClaimInput,
    ClosePeriod,
    Command,
    CompleteMilestone,
    ConfigureExpensePolicy,
    ConfigureProject,
    ConvertLead,
    DealInput,
    DefineCostCenter,
    DisqualifyLead,
    DraftInvoice,
    EntryLineInput,
    HirePerson,
    IssueCreditNote,
    IssueInvoice,
    LineInput,
    LogActivity,
    LogTime,
    LoseDeal,
    MilestoneInput,
    MoveDeal,
    OpenDeal,
    PaySupplier,
    PostJournalEntry,
    QualifyLead,
    RecordBill,
    RecordPayment,
    RegisterCustomer,
    RegisterSupplier,
    ReimburseExpenseClaim,
    RenameCustomer,
    ReopenPeriod,
    ReverseJournalEntry,
    ScheduleFollowUp,
    ServiceInput,
    SubmitExpenseClaim,
    SubmitTimesheet,
    TermsInput,
    VoidInvoice,
    WinDeal,
)
from ledger.events import Meta
from ledger.projects import project_id_for_deal

DEMO_ACTOR = "demo"
OFFICE_OPENS = time(9, 0, tzinfo=UTC)  # the first entry of a day; the next ones every ENTRY_GAP
ENTRY_GAP = timedelta(minutes=10)
# Entered on a later day than the one they are dated, by step (the rest: on their business date).
ENTERED_LATE: dict[str, date] = {
    "hire:maria": date(2026, 7, 1),  # terms effective since January, entered when the books opened
    "hire:jon": date(2026, 7, 1),
    "bill:copperline-31": date(2026, 8, 12),  # dated 29 July, arrived after July's close
    "move:atlas-proposal": date(2026, 9, 3),  # the Atlas proposal went out on 20 August
    "draft:he-3": date(2026, 9, 29),  # the August retainer, entered at quarter end
    "issue:he-3": date(2026, 9, 29),
}


def demo_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:demo:{name}")


def _meta(step: str) -> Meta:
    return Meta(actor=DEMO_ACTOR, command_id=str(demo_id(f"command:{step}")))


def _invoice(
    key: str, customer: str, on: date, lines: list[tuple[str, str, str]], tax: str = "24", rate: str | None = None
) -> list[Command]:
    return [
        DraftInvoice(
            meta=_meta(f"draft:{key}"),
            on=on,
            invoice_id=demo_id(f"invoice:{key}"),
            customer_id=demo_id(f"customer:{customer}"),
            lines=tuple(LineInput(description=d, quantity=q, unit_price=p) for d, q, p in lines),
            tax_percent=tax,
        ),
        IssueInvoice(meta=_meta(f"issue:{key}"), on=on, invoice_id=demo_id(f"invoice:{key}"), rate=rate),
    ]


def _payment(
    key: str, customer: str, on: date, amount: str, allocations: dict[str, str], ref: str, rate: str | None = None
) -> Command:
    return RecordPayment(
        meta=_meta(f"payment:{key}"),
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


class DemoRefused(Exception):
    """The demo cannot be told on its own clock in this store."""


def demo_story() -> list[tuple[datetime, Command]]:
    """The demo's commands in the order they are recorded, each with the moment it is recorded at:
    the day it is entered (``ENTERED_LATE``, else its business date), from ``OFFICE_OPENS`` on."""
    late = {str(demo_id(f"command:{step}")): day for step, day in ENTERED_LATE.items()}
    entered = sorted(
        ((late.get(c.meta.command_id) or _dated(c), n, c) for n, c in enumerate(_quarter())),
        key=lambda e: (e[0], e[1]),
    )
    story: list[tuple[datetime, Command]] = []
    earlier = 0  # entries already recorded that day
    for n, (day, _, command) in enumerate(entered):
        earlier = earlier + 1 if n and entered[n - 1][0] == day else 0
        story.append((datetime.combine(day, OFFICE_OPENS) + earlier * ENTRY_GAP, command))
    return story


def demo_commands() -> list[Command]:
    """The demo's commands in the order they are recorded."""
    return [command for _, command in demo_story()]


def _dated(command: Command) -> date:
    day = command.on or getattr(command, "day", None)
    if not isinstance(day, date):
        raise AssertionError(f"the demo's {type(command).__name__} has no date to be entered on: give it one")
    return day


def _quarter() -> Iterator[Command]:
    customers = [
        ("northwind", "Northwind Studio", 30, "EUR", date(2026, 7, 1)),
        ("helios", "Helios Foods", 14, "EUR", date(2026, 7, 1)),
        ("atlas", "Atlas Logistics", 45, "EUR", date(2026, 7, 3)),
        ("blueharbor", "Blue Harbor Inc.", 30, "USD", date(2026, 7, 10)),
    ]
    for key, name, terms, currency, on in customers:
        yield RegisterCustomer(
            meta=_meta(f"register:{key}"),
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
        meta=_meta("bill:pixel-1"),
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
        meta=_meta("terms:atlas"), on=date(2026, 7, 28), customer_id=demo_id("customer:atlas"), payment_terms_days=30
    )
    yield PostJournalEntry(
        meta=_meta("accrual:july-rent"),
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
    yield ClosePeriod(meta=_meta("close:july"), on=date(2026, 8, 4), lock_date=date(2026, 7, 31))
    yield ReverseJournalEntry(
        meta=_meta("reverse:july-rent"),
        on=date(2026, 8, 4),
        entry_id=demo_id("entry:july-rent"),
        reason="July rent billed by the landlord",
    )
    yield RecordBill(
        meta=_meta("bill:harbour-7"),
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
        meta=_meta("reopen:july"),
        on=date(2026, 8, 12),
        lock_date=None,
        reason="Copperline Print's July bill CL-2026-031 arrived after the close",
    )
    yield RecordBill(
        meta=_meta("bill:copperline-31"),
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
    yield ClosePeriod(meta=_meta("close:july-again"), on=date(2026, 8, 12), lock_date=date(2026, 7, 31))
    yield PaySupplier(
        meta=_meta("pay:pixel-1"),
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
        meta=_meta("void:he-2"),
        on=date(2026, 8, 24),
        invoice_id=demo_id("invoice:he-2"),
        reason="Phase 2 postponed by the client; to be re-invoiced",
    )
    yield IssueCreditNote(
        meta=_meta("credit:nw-2"),
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
        meta=_meta("reimburse:travel-jon"),
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
        meta=_meta("rename:northwind"),
        on=date(2026, 9, 18),
        customer_id=demo_id("customer:northwind"),
        name="Northwind Studio Ltd",
    )
    yield from _invoice("nw-3", "northwind", date(2026, 9, 25), [("Design system, sprint 2", "48", "95.00")])
    yield RecordBill(
        meta=_meta("bill:clouddesk-9"),
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
    yield from _sales()
    yield from _delivery()


def _delivery() -> Iterator[Command]:
    """The won Kite deal becomes a fixed-fee project; a week of design time; the first milestone billed."""
    project = project_id_for_deal(demo_id("deal:kite"))
    for handle, name, cost, bill in (("maria", "Maria Costa", "55", "110"), ("jon", "Jon Berg", "40", "95")):
        yield HirePerson(
            meta=_meta(f"hire:{handle}"),
            handle=handle,
            name=name,
            terms=TermsInput(
                effective=date(2026, 1, 1),
                role="designer",
                cost_center="DESIGN",
                weekly_capacity="40",
                cost_rate=cost,
                bill_rate=bill,
            ),
        )
    yield ConfigureProject(
        meta=_meta("configure:kite"),
        on=date(2026, 9, 22),
        project_id=project,
        model="fixed",
        start=date(2026, 9, 22),
        end=date(2026, 12, 18),
        budget_hours="120",
        budget_amount="7000",
        cost_center="DESIGN",
        tax_percent="24",
        milestones=(
            MilestoneInput(key="design", name="Design sprints", amount="9600"),
            MilestoneInput(key="launch", name="Build and launch", amount="6800"),
        ),
    )
    yield ActivateProject(meta=_meta("activate:kite"), on=date(2026, 9, 22), project_id=project)
    for handle, hours in (("jon", "6"), ("maria", "2")):
        for day in range(22, 26):
            yield LogTime(
                meta=Meta(handle, str(demo_id(f"command:time:{handle}:{day}"))),
                person=handle,
                day=date(2026, 9, day),
                project_id=project,
                hours=hours,
                entry_id=str(demo_id(f"time:{handle}:{day}")),
            )
        yield SubmitTimesheet(
            meta=Meta(handle, str(demo_id(f"command:submit:{handle}"))),
            on=date(2026, 9, 25),
            person=handle,
            week=date(2026, 9, 21),
        )
        yield ApproveTimesheet(
            meta=Meta("fiona", str(demo_id(f"command:approve-time:{handle}"))),
            person=handle,
            week=date(2026, 9, 21),
            on=date(2026, 9, 28),
        )
    yield CompleteMilestone(
        meta=_meta("milestone:kite-design"), on=date(2026, 9, 30), project_id=project, milestone="design"
    )


def _sales() -> Iterator[Command]:
    """The quarter's pipeline: three leads, four deals, one won (its project draft opens), one lost."""
    alice, bob = "alice", "bob"

    def by(actor: str, step: str) -> Meta:
        return Meta(actor=actor, command_id=str(demo_id(f"command:{step}")))

    for key, name, company, source, owner, on in (
        ("kite", "Dana Lee", "Kite Labs", "referral", alice, date(2026, 7, 7)),
        ("orbit", "Ravi Shah", "Orbit Health", "website", bob, date(2026, 8, 12)),
        ("cold", "Pat Doe", "Cold Corp", "event", bob, date(2026, 8, 20)),
    ):
        yield CaptureLead(
            meta=by(owner, f"lead:{key}"),
            on=on,
            lead_id=demo_id(f"lead:{key}"),
            name=name,
            company=company,
            source=source,
            owner=owner,
            email=f"{name.split()[0].lower()}@{key}.example",
        )
    yield LogActivity(
        meta=by(alice, "activity:kite-call"),
        on=date(2026, 7, 8),
        activity_id=demo_id("activity:kite-call"),
        kind="call",
        about_kind="lead",
        about_id=demo_id("lead:kite"),
        subject="Discovery call",
    )
    yield QualifyLead(meta=by(alice, "qualify:kite"), on=date(2026, 7, 9), lead_id=demo_id("lead:kite"))
    yield ConvertLead(
        meta=by(alice, "convert:kite"),
        on=date(2026, 7, 14),
        lead_id=demo_id("lead:kite"),
        contact_role="CTO",
        new_customer_id=demo_id("customer:kite"),
        contact_id=demo_id("contact:kite-dana"),
        deal_id=demo_id("deal:kite"),
        deal=DealInput(
            title="Kite Labs website relaunch",
            expected_close=date(2026, 9, 30),
            stage="qualified",
            services=(
                ServiceInput(description="Design sprint", quantity="4", unit_price="2400.00"),
                ServiceInput(description="Build and launch", quantity="1", unit_price="6800.00"),
            ),
        ),
    )
    yield MoveDeal(
        meta=by(alice, "move:kite-proposal"), on=date(2026, 8, 3), deal_id=demo_id("deal:kite"), stage="proposal"
    )
    yield OpenDeal(
        meta=by(bob, "deal:atlas-2"),
        on=date(2026, 8, 10),
        customer_id=demo_id("customer:atlas"),
        deal_id=demo_id("deal:atlas-2"),
        source="existing customer",
        deal=DealInput(title="Depot signage, phase 2", value="14500.00", stage="qualified", owner=bob),
    )
    yield ConvertLead(
        meta=by(bob, "convert:orbit"),
        on=date(2026, 8, 18),
        lead_id=demo_id("lead:orbit"),
        contact_role="COO",
        new_customer_id=demo_id("customer:orbit"),
        contact_id=demo_id("contact:orbit-ravi"),
        deal_id=demo_id("deal:orbit"),
        deal=DealInput(title="Patient app redesign", value="22000.00", stage="qualified", owner=bob),
    )
    yield DisqualifyLead(
        meta=by(bob, "disqualify:cold"),
        on=date(2026, 8, 21),
        lead_id=demo_id("lead:cold"),
        reason="No budget before next year",
    )
    yield MoveDeal(
        meta=by(bob, "move:orbit-negotiation"), on=date(2026, 9, 8), deal_id=demo_id("deal:orbit"), stage="negotiation"
    )
    yield LogActivity(
        meta=by(bob, "activity:atlas-meeting"),
        on=date(2026, 9, 2),
        activity_id=demo_id("activity:atlas-meeting"),
        kind="meeting",
        about_kind="deal",
        about_id=demo_id("deal:atlas-2"),
        subject="Signage walkthrough at the Lyon depot",
    )
    # Recorded late and backdated: the Atlas proposal actually went out on 20 August.
    yield MoveDeal(
        meta=by(bob, "move:atlas-proposal"), on=date(2026, 8, 20), deal_id=demo_id("deal:atlas-2"), stage="proposal"
    )
    yield WinDeal(
        meta=by(alice, "win:kite"),
        on=date(2026, 9, 21),
        deal_id=demo_id("deal:kite"),
        reason="Chosen over two agencies",
    )
    yield LoseDeal(
        meta=by(bob, "lose:atlas-2"),
        on=date(2026, 9, 28),
        deal_id=demo_id("deal:atlas-2"),
        reason="Price: went with a local printer",
    )
    yield ScheduleFollowUp(
        meta=by(bob, "followup:orbit"),
        on=date(2026, 9, 15),
        followup_id=demo_id("followup:orbit"),
        about_kind="deal",
        about_id=demo_id("deal:orbit"),
        owner=bob,
        due=date(2026, 9, 25),
        note="Send the revised estimate",
    )
    yield ScheduleFollowUp(
        meta=by(alice, "followup:kite"),
        on=date(2026, 9, 22),
        followup_id=demo_id("followup:kite"),
        about_kind="customer",
        about_id=demo_id("customer:kite"),
        owner=alice,
        due=date(2026, 10, 2),
        note="Kick-off date for the project",
    )


def _back_office() -> Iterator[Command]:
    """Suppliers, cost centers and the expense policy: two approval levels above 500 EUR."""
    for key, name, terms in (
        ("pixel", "Pixel Illustration", 14),
        ("harbour", "Harbour Properties", 10),
        ("clouddesk", "CloudDesk", 30),
        ("copperline", "Copperline Print", 30),
    ):
        yield RegisterSupplier(
            meta=_meta(f"supplier:{key}"),
            on=date(2026, 7, 1),
            supplier_id=demo_id(f"supplier:{key}"),
            name=name,
            payment_terms_days=terms,
        )
    yield DefineCostCenter(
        meta=_meta("cc:design"), on=date(2026, 7, 1), code="DESIGN", name="Design studio", manager="maria"
    )
    yield DefineCostCenter(meta=_meta("cc:ops"), on=date(2026, 7, 1), code="OPS", name="Operations", manager="olaf")
    yield ConfigureExpensePolicy(
        meta=_meta("policy"),
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


def is_loaded(app: KeelApplication) -> bool:
    return demo_id("customer:northwind") in app.repository


def story_begins() -> datetime:
    return demo_story()[0][0]


def check_clock(app: KeelApplication, begins: datetime, what: str = "the demo") -> None:
    """Refuse to tell a story in a log whose clock has already passed its first moment: the log's
    clock never goes back, so its events would all be recorded at that later moment (ADR 0026)."""
    head = app.head_position()
    last = app.moment_of(head) if head else None
    if last is not None and last > begins:
        last = last.astimezone(UTC)
        raise DemoRefused(
            f"{what} is recorded on its own clock, from {begins:%Y-%m-%d %H:%M}Z; this store's log already"
            f" reaches {last:%Y-%m-%d %H:%M}Z (position {head}) and its clock never goes back: load {what}"
            " into an empty store (another KEEL_DATA_DIR or database) before anything else"
        )


def load_demo(app: KeelApplication) -> int:
    """Run the demo's commands, each recorded at its moment in the story (the app's log clock is the
    story's meanwhile); return how many ran (0 when the demo is already loaded). Raise DemoRefused
    when the log's clock has already passed the story's beginning."""
    if is_loaded(app):
        return 0
    story = demo_story()
    check_clock(app, story[0][0])
    clock, saved = SetClock(story[0][0]), app.log_clock
    app.log_clock = clock
    try:
        for moment, command in story:
            clock.set(moment)
            app.handle(command)
    finally:
        app.log_clock = saved
    return len(story)
