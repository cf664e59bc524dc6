"""Dunning over many overdue invoices: finding what is owed and recording each reminder once.

    python benchmarks/dunning.py                                  # PostgreSQL (when it answers), 1,000 invoices
    python benchmarks/dunning.py --backend sqlite --invoices 2000

Each of N customers (with a billing e-mail) gets one invoice issued on 1 September, due on 15
September; the demo's three levels are set. The dunning job then runs for 15 October (every invoice
owes level 2, which charges a fee): each cause records a reminder, queues its message and drafts a
fee invoice in one transaction. A second pass for the same day finds every invoice reminded and
records nothing. Prints one table: reminders per second, and the seconds each pass took.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from run import store

from api.system import Keel
from api.worker.jobs import registry
from api.worker.reminders import DUNNING_KIND
from api.worker.scheduler import Worker
from commands import messages as m
from ledger.events import Meta

META = Meta("bench")
ISSUED, AS_OF = date(2026, 9, 1), date(2026, 10, 15)


def invoices(keel: Keel, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        customer = keel.app.handle(
            m.RegisterCustomer(meta=META, on=ISSUED, name=f"Customer {n:05d}", payment_terms_days=14)
        ).id
        keel.app.handle(m.SetBillingEmail(meta=META, on=ISSUED, customer_id=customer, email=f"ap{n}@example.com"))
        line = m.LineInput(description="Design sprint", quantity="10", unit_price="95.00")
        invoice = keel.app.handle(
            m.DraftInvoice(meta=META, on=ISSUED, customer_id=customer, lines=(line,), tax_percent="24")
        ).id
        keel.app.handle(m.IssueInvoice(meta=META, on=ISSUED, invoice_id=invoice))
    levels = (
        m.LevelInput(number=1, name="Friendly reminder", days_after_due=3, template="friendly"),
        m.LevelInput(number=2, name="Second notice", days_after_due=14, template="second", fee="15.00"),
        m.LevelInput(number=3, name="Final notice", days_after_due=60, template="final"),
    )
    keel.app.handle(m.SetDunningLevels(meta=META, on=ISSUED, levels=levels))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--invoices", type=int, default=1_000)
    args = parser.parse_args()
    with store(args.backend) as base, Keel.start(base.model_copy(update={"auth": "off"}), follow=False) as keel:
        setup = invoices(keel, args.invoices)
        keel.engine.catch_up()
        worker = Worker(keel, registry(DUNNING_KIND))
        started = time.perf_counter()
        (first,) = worker.pass_once(AS_OF)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        (second,) = worker.pass_once(AS_OF)
        second_seconds = time.perf_counter() - started
        assert first.done == args.invoices and second.done == 0, (first, second)

    table = Table(title=f"Dunning ({args.backend}, {args.invoices:,} overdue invoices)")
    for column in ("measure", "result"):
        table.add_column(column)
    table.add_row("set-up: customers, invoices issued", f"{setup:.1f} s")
    table.add_row(
        "first pass: find, record reminder + message + fee invoice",
        f"{args.invoices / first_seconds:,.0f} reminders/s ({first_seconds:.1f} s)",
    )
    table.add_row("second pass: every invoice reminded, nothing recorded", f"{second_seconds:.2f} s")
    Console().print(table)


if __name__ == "__main__":
    main()
