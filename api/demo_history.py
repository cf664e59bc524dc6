"""A deterministic business history of any size, for benchmarks: ``keel demo --events N``.

The agency's years before the demo quarter (from January 2020 up to June 2026): customers and
suppliers, invoices drafted and issued, most paid (some late, some in part), bills recorded and
paid, deals opened and moved through the pipeline. The same ``events`` and ``seed`` give the same
commands with the same ids, so two stores loaded alike hold the same facts (their recording
times differ, being real).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from api.demo import demo_id
from commands.application import KeelApplication
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
)
from ledger.errors import DomainError
from ledger.events import Meta

FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2026, 6, 30)
SERVICES = [("Design hours", "95.00"), ("Development hours", "110.00"), ("Workshop", "1800.00"), ("Audit", "2400.00")]
STAGES = ["qualified", "proposal", "negotiation"]
CENT = Decimal("0.01")
DEMO_QUARTER_EVENTS = 125  # what the demo quarter adds after the history


def _id(seed: int, name: str) -> UUID:
    return demo_id(f"history:{seed}:{name}")


def _meta(seed: int, step: str) -> Meta:
    return Meta(actor="demo-history", command_id=str(_id(seed, f"command:{step}")))


def history_commands(events: int, seed: int = 2026) -> Iterator[Command]:
    """Commands that append about ``events`` events, spread evenly over the years before the demo."""
    rng = random.Random(seed)
    n_customers, n_suppliers = max(3, events // 400), max(2, events // 2000)
    customers = [_id(seed, f"customer:{n}") for n in range(n_customers)]
    suppliers = [_id(seed, f"supplier:{n}") for n in range(n_suppliers)]
    for n, customer in enumerate(customers):
        yield RegisterCustomer(
            meta=_meta(seed, f"customer:{n}"),
            on=FIRST_DAY,
            customer_id=customer,
            name=f"Customer {n:05d}",
            payment_terms_days=rng.choice([14, 30, 30, 45]),
        )
    for n, supplier in enumerate(suppliers):
        yield RegisterSupplier(
            meta=_meta(seed, f"supplier:{n}"), on=FIRST_DAY, name=f"Supplier {n:04d}", supplier_id=supplier
        )
    # About six and a half events a round: draft; issue and its number; most get a payment (and
    # the invoice records it); every third a bill, its payment and the bill's record of it; every
    # fourth a deal, moved a week later and, most of them, won (with its project draft) or lost
    # one to four months on: closings wait for the round that reaches their date.
    rounds = max(1, (events - n_customers - n_suppliers - DEMO_QUARTER_EVENTS) * 100 // 655)
    span = (LAST_DAY - FIRST_DAY).days
    closings: list[tuple[date, int, Command]] = []
    for r in range(rounds):
        on = FIRST_DAY + timedelta(days=r * span // rounds)
        while closings and closings[0][0] <= on:
            yield heapq.heappop(closings)[2]
        customer = rng.choice(customers)
        invoice = _id(seed, f"invoice:{r}")
        lines = tuple(
            LineInput(description=name, quantity=str(rng.randint(1, 40)), unit_price=price)
            for name, price in rng.sample(SERVICES, rng.randint(1, 2))
        )
        yield DraftInvoice(
            meta=_meta(seed, f"draft:{r}"),
            on=on,
            customer_id=customer,
            lines=lines,
            tax_percent="24",
            invoice_id=invoice,
        )
        yield IssueInvoice(meta=_meta(seed, f"issue:{r}"), on=on, invoice_id=invoice)
        if rng.random() < 0.85:
            net = sum((int(ln.quantity) * Decimal(ln.unit_price) for ln in lines), Decimal(0))
            share = rng.choice([Decimal(1), Decimal(1), Decimal(1), Decimal("0.5")])
            part = str((net * Decimal("1.24") * share).quantize(CENT, rounding=ROUND_DOWN))
            paid_on = min(on + timedelta(days=rng.randint(5, 60)), LAST_DAY)
            yield RecordPayment(
                meta=_meta(seed, f"pay:{r}"),
                on=paid_on,
                customer_id=customer,
                amount=part,
                allocations=(AllocationInput(invoice_id=invoice, amount=part),),
                payment_id=_id(seed, f"payment:{r}"),
            )
        if r % 3 == 0:
            supplier = rng.choice(suppliers)
            bill = _id(seed, f"bill:{r}")
            bill_net = rng.randint(100, 3000)
            yield RecordBill(
                meta=_meta(seed, f"bill:{r}"),
                on=on,
                supplier_id=supplier,
                supplier_reference=f"S-{r:07d}",
                lines=(BillLineInput(description="Services", account="5000", amount=f"{bill_net}.00", tax_rate="24"),),
                bill_id=bill,
            )
            yield PaySupplier(
                meta=_meta(seed, f"paybill:{r}"),
                on=min(on + timedelta(days=30), LAST_DAY),
                supplier_id=supplier,
                allocations=(BillPaymentInput(bill_id=bill, amount=str(Decimal(bill_net * 124) / 100)),),
                payment_id=_id(seed, f"supplierpayment:{r}"),
            )
        if r % 4 == 0:
            deal = _id(seed, f"deal:{r}")
            value = f"{rng.randint(5, 80) * 1000}.00"
            yield OpenDeal(
                meta=_meta(seed, f"deal:{r}"),
                on=on,
                customer_id=customer,
                deal=DealInput(title=f"Deal {r}", value=value, expected_close=on + timedelta(days=60)),
                deal_id=deal,
            )
            yield MoveDeal(
                meta=_meta(seed, f"move:{r}"), on=on + timedelta(days=7), deal_id=deal, stage=rng.choice(STAGES)
            )
            closes_on = on + timedelta(days=rng.randint(30, 120))
            outcome = rng.random()
            if outcome < 0.9 and closes_on <= LAST_DAY:
                meta = _meta(seed, f"close:{r}")
                close: Command = (
                    WinDeal(meta=meta, on=closes_on, deal_id=deal)
                    if outcome < 0.35
                    else LoseDeal(meta=meta, on=closes_on, deal_id=deal, reason="went elsewhere")
                )
                heapq.heappush(closings, (closes_on, r, close))
    while closings:
        yield heapq.heappop(closings)[2]


def is_loaded(app: KeelApplication, seed: int = 2026) -> bool:
    return _id(seed, "customer:0") in app.repository


def load_history(
    app: KeelApplication,
    events: int,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
    batch: int = 5000,
) -> int:
    """Run the history's commands; return how many ran (0 when it is already loaded).
    ``progress(1)`` follows each command.

    The commands run through the same handlers, against a scratch in-memory store; what they
    recorded is appended to ``app``'s store ``batch`` events per transaction, in log order. One
    transaction per command would make a history of a million events an hour's load.
    """
    if is_loaded(app, seed):
        return 0
    scratch = KeelApplication("memory://", app.default_functional_currency)
    scratch.clock = app.clock
    copied = count = 0
    for command in history_commands(events, seed):
        try:
            scratch.handle(command)
            count += 1
        except DomainError:  # e.g. a part payment rounding past what is owed: history goes on
            pass
        if progress:
            progress(1)
        if scratch.head_position() - copied >= batch:
            copied = _append(scratch, app, copied, batch)
    while scratch.head_position() > copied:
        copied = _append(scratch, app, copied, batch)
    return count


def _append(source: KeelApplication, target: KeelApplication, after: int, limit: int) -> int:
    """Append the source's events after position ``after`` to the target's log; return the last copied."""
    notifications = source.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    target.recorder.insert_events(
        [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in notifications]
    )
    return notifications[-1].id if notifications else after
