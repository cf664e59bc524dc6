"""A deterministic business history of any size, for benchmarks: ``keel demo --events N``.

The agency's years before the demo quarter (from January 2020 up to June 2026): customers and
suppliers, invoices drafted and issued, most paid (some late, some in two parts, a few written
off), bills recorded and paid, deals opened and moved through the pipeline. The same ``events``
and ``seed`` give the same commands with the same ids, recorded at the same moments: like the demo
quarter, the history is told on its own clock (ADR 0026), each day's entries appended together at
the end of that office day, all before the quarter begins.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from uuid import UUID

from api.demo import check_clock, demo_id
from commands.adapters.clock import SetClock
from commands.application import KeelApplication
from commands.event_import import EventImport, checking_processes
from commands.messages import (
    AllocationInput,
    BillLineInput,
    BillPaymentInput,
    Command,
    DealInput,
    DraftInvoice,
    IssueInvoice,
    LineInput,
    LoseDeal,
    MoveDeal,
    OpenDeal,
    PaySupplier,
    RecordBill,
    RecordPayment,
    RegisterCustomer,
    RegisterSupplier,
    WinDeal,
    WriteOffInvoice,
)
from ledger.errors import DomainError
from ledger.events import Meta

FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2026, 6, 30)
SERVICES = [("Design hours", "95.00"), ("Development hours", "110.00"), ("Workshop", "1800.00"), ("Audit", "2400.00")]
STAGES = ["qualified", "proposal", "negotiation"]
CENT = Decimal("0.01")
DEMO_QUARTER_EVENTS = 125  # what the demo quarter adds after the history
DAY_APPENDED = time(17, 30, tzinfo=UTC)  # when a day's entries are recorded


def _id(seed: int, name: str) -> UUID:
    return demo_id(f"history:{seed}:{name}")


def _meta(seed: int, step: str) -> Meta:
    return Meta(actor="demo-history", command_id=str(_id(seed, f"command:{step}")))


def history_commands(events: int, seed: int = 2026) -> Iterator[Command]:
    """Commands that append about ``events`` events, spread evenly over the years before the demo."""
    return (command for _, command in history_story(events, seed))


def history_story(events: int, seed: int = 2026) -> Iterator[tuple[date, Command]]:
    """The history's commands, each with the day it is entered: the day of its round (a payment
    waiting for its date is entered on the first round's day that reaches it)."""
    rng = random.Random(seed)
    n_customers, n_suppliers = max(3, events // 400), max(2, events // 2000)
    customers = [_id(seed, f"customer:{n}") for n in range(n_customers)]
    suppliers = [_id(seed, f"supplier:{n}") for n in range(n_suppliers)]
    for n, customer in enumerate(customers):
        yield (
            FIRST_DAY,
            RegisterCustomer(
                meta=_meta(seed, f"customer:{n}"),
                on=FIRST_DAY,
                customer_id=customer,
                name=f"Customer {n:05d}",
                payment_terms_days=rng.choice([14, 30, 30, 45]),
            ),
        )
    for n, supplier in enumerate(suppliers):
        yield (
            FIRST_DAY,
            RegisterSupplier(
                meta=_meta(seed, f"supplier:{n}"), on=FIRST_DAY, name=f"Supplier {n:04d}", supplier_id=supplier
            ),
        )
    # About seven events a round: draft; issue and its number; a payment or two (and the
    # invoice records each) or a write-off; every third a bill, its payment and the bill's record
    # of it; every fourth a deal, moved a week later and, most of them, won (with its project
    # draft) or lost one to four months on. Payments, write-offs and closings wait for the round
    # that reaches their date.
    rounds = max(1, (events - n_customers - n_suppliers - DEMO_QUARTER_EVENTS) * 100 // 716)
    span = (LAST_DAY - FIRST_DAY).days
    scheduled: list[tuple[date, int, Command]] = []  # commands waiting for their day
    tickets = itertools.count()
    for r in range(rounds):
        on = FIRST_DAY + timedelta(days=r * span // rounds)
        while scheduled and scheduled[0][0] <= on:
            yield on, heapq.heappop(scheduled)[2]
        later: list[tuple[date, Command]] = []
        customer = rng.choice(customers)
        invoice = _id(seed, f"invoice:{r}")
        lines = tuple(
            LineInput(description=name, quantity=str(rng.randint(1, 40)), unit_price=price)
            for name, price in rng.sample(SERVICES, rng.randint(1, 2))
        )
        yield (
            on,
            DraftInvoice(
                meta=_meta(seed, f"draft:{r}"),
                on=on,
                customer_id=customer,
                lines=lines,
                tax_percent="24",
                invoice_id=invoice,
            ),
        )
        yield on, IssueInvoice(meta=_meta(seed, f"issue:{r}"), on=on, invoice_id=invoice)
        later += _settlement(rng, seed, r, on, customer, invoice, lines)
        if r % 3 == 0:
            supplier = rng.choice(suppliers)
            bill = _id(seed, f"bill:{r}")
            bill_net = rng.randint(100, 3000)
            yield (
                on,
                RecordBill(
                    meta=_meta(seed, f"bill:{r}"),
                    on=on,
                    supplier_id=supplier,
                    supplier_reference=f"S-{r:07d}",
                    lines=(
                        BillLineInput(description="Services", account="5000", amount=f"{bill_net}.00", tax_rate="24"),
                    ),
                    bill_id=bill,
                ),
            )
            yield (
                on,
                PaySupplier(
                    meta=_meta(seed, f"paybill:{r}"),
                    on=min(on + timedelta(days=30), LAST_DAY),
                    supplier_id=supplier,
                    allocations=(BillPaymentInput(bill_id=bill, amount=str(Decimal(bill_net * 124) / 100)),),
                    payment_id=_id(seed, f"supplierpayment:{r}"),
                ),
            )
        if r % 4 == 0:
            deal = _id(seed, f"deal:{r}")
            value = f"{rng.randint(5, 80) * 1000}.00"
            yield (
                on,
                OpenDeal(
                    meta=_meta(seed, f"deal:{r}"),
                    on=on,
                    customer_id=customer,
                    deal=DealInput(title=f"Deal {r}", value=value, expected_close=on + timedelta(days=60)),
                    deal_id=deal,
                ),
            )
            yield (
                on,
                MoveDeal(
                    meta=_meta(seed, f"move:{r}"), on=on + timedelta(days=7), deal_id=deal, stage=rng.choice(STAGES)
                ),
            )
            closes_on = on + timedelta(days=rng.randint(30, 120))
            outcome = rng.random()
            if outcome < 0.9:
                meta = _meta(seed, f"close:{r}")
                close: Command = (
                    WinDeal(meta=meta, on=closes_on, deal_id=deal)
                    if outcome < 0.35
                    else LoseDeal(meta=meta, on=closes_on, deal_id=deal, reason="went elsewhere")
                )
                later.append((closes_on, close))
        for day, command in later:
            if day <= LAST_DAY:
                heapq.heappush(scheduled, (day, next(tickets), command))
    while scheduled:
        day, _, command = heapq.heappop(scheduled)
        yield day, command


def _settlement(
    rng: random.Random, seed: int, r: int, on: date, customer: UUID, invoice: UUID, lines: tuple[LineInput, ...]
) -> list[tuple[date, Command]]:
    """How invoice ``r`` gets settled: its payments or its write-off, each with its day."""
    out: list[tuple[date, Command]] = []
    # Most invoices are paid within their terms, a quarter of those in two halves; some late;
    # a few written off after months of chasing. What falls after the last day stays open.
    net = sum((int(ln.quantity) * Decimal(ln.unit_price) for ln in lines), Decimal(0))
    gross = net + (net * Decimal("0.24")).quantize(CENT, rounding=ROUND_HALF_UP)
    fate = rng.random()
    if fate < 0.95:
        paid_on = on + timedelta(days=rng.randint(5, 60) if fate < 0.8 else rng.randint(61, 150))
        halves = rng.random() < 0.25
        first = (gross / 2).quantize(CENT, rounding=ROUND_DOWN) if halves else gross
        parts = [(paid_on, first), (paid_on + timedelta(days=rng.randint(15, 45)), gross - first)]
        for k, (day, part) in enumerate(parts[: 1 + halves]):
            payment = RecordPayment(
                meta=_meta(seed, f"pay:{r}" + (f":{k}" if k else "")),
                on=day,
                customer_id=customer,
                amount=str(part),
                allocations=(AllocationInput(invoice_id=invoice, amount=str(part)),),
                payment_id=_id(seed, f"payment:{r}" + (f":{k}" if k else "")),
            )
            out.append((day, payment))
    else:
        day = on + timedelta(days=rng.randint(120, 180))
        write_off = WriteOffInvoice(
            meta=_meta(seed, f"writeoff:{r}"), on=day, invoice_id=invoice, reason="uncollectable"
        )
        out.append((day, write_off))
    return out


def is_loaded(app: KeelApplication, seed: int = 2026) -> bool:
    return _id(seed, "customer:0") in app.repository


def load_history(
    app: KeelApplication,
    events: int,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
    batch: int = 10_000,
) -> int:
    """Run the history's commands; return how many ran (0 when it is already loaded).
    ``progress(1)`` follows each command.

    The commands run through the same handlers, against a scratch in-memory store; what they
    recorded goes into ``app``'s log through the bulk import of events (ADR 0057), each story day's
    events recorded at the end of that day, ``batch`` lines a transaction: checked as any imported
    event is, on the story's clock. One transaction per command would make a history of a million
    events an hour's load. Raise DemoRefused when the log's clock has already passed the history's
    first day.
    """
    if is_loaded(app, seed):
        return 0
    check_clock(app, datetime.combine(FIRST_DAY, DAY_APPENDED), "the history")
    scratch = KeelApplication("memory://", app.default_functional_currency)
    clock, saved = SetClock(datetime.combine(FIRST_DAY, DAY_APPENDED)), app.log_clock
    app.log_clock = scratch.log_clock = clock  # the story's day is today for both
    count = 0

    def lines() -> Iterator[bytes]:
        nonlocal count
        copied, entered = 0, FIRST_DAY
        for day, command in history_story(events, seed):
            if day != entered:  # the day's entries are recorded at its end
                yield from _lines(scratch, copied, clock.now())
                copied, entered = scratch.head_position(), day
                clock.set(datetime.combine(day, DAY_APPENDED))
            try:
                scratch.handle(command)
                count += 1
            except DomainError:  # e.g. a part payment rounding past what is owed: history goes on
                pass
            if progress:
                progress(1)
        yield from _lines(scratch, copied, clock.now())

    digest = hashlib.sha256(f"keel:demo-history:{events}:{seed}".encode()).hexdigest()
    jobs = checking_processes() if events >= 100_000 else 1  # starting them costs a second or two
    name = f"demo history ({events} events, seed {seed})"
    try:
        EventImport(app, name, digest, Meta("demo"), batch, jobs=jobs).run(lines())
    finally:
        app.log_clock = saved
    return count


def _lines(source: KeelApplication, after: int, moment: datetime) -> Iterator[bytes]:
    """The source's events after position ``after`` as lines of an events file, recorded at ``moment``."""
    at = moment.isoformat().encode()
    while found := source.recorder.select_notifications(start=after, limit=5000, inclusive_of_start=False):
        for n in found:
            head = b'{"aggregate_id":"%s","version":%d,"topic":"%s","recorded_at":"%s","state":'
            yield head % (str(n.originator_id).encode(), n.originator_version, n.topic.encode(), at) + n.state + b"}"
        after = found[-1].id
