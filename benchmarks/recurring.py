"""The recurring job at scale: N subscriptions, each owing a year of monthly periods, caught up by
one worker run (one invoice per period, each a draft), then the same run again (nothing new: what
a rerun costs once every period is billed).

    python benchmarks/recurring.py                               # PostgreSQL (when it answers), 200 subscriptions
    python benchmarks/recurring.py --backend sqlite --subscriptions 1000

Prints one table: periods invoiced per second on the first run, and the seconds of the second.
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
from api.worker.recurring import RECURRING
from api.worker.scheduler import Worker
from commands.messages import LineInput, RegisterCustomer, SetUpRecurringInvoice
from ledger.events import Meta

META = Meta("bench")
AS_OF = date(2026, 12, 15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--subscriptions", type=int, default=200)
    args = parser.parse_args()
    line = (LineInput(description="Hosting", quantity="1", unit_price="310.00"),)
    with store(args.backend) as base, Keel.start(base.model_copy(update={"auth": "off"}), follow=False) as keel:
        customer = keel.app.handle(RegisterCustomer(meta=META, name="Acme", on=date(2025, 12, 1))).id
        for n in range(args.subscriptions):
            keel.app.handle(
                SetUpRecurringInvoice(
                    meta=META, on=date(2026, 1, 1), customer_id=customer, name=f"Hosting {n}", lines=line,
                    tax_percent="24", frequency="monthly", start=date(2026, 1, 10), anchor=date(2026, 2, 1),
                )
            )  # fmt: skip
        keel.engine.catch_up()
        worker = Worker(keel, registry(RECURRING))
        started = time.perf_counter()
        (first,) = worker.pass_once(AS_OF)
        first_s = time.perf_counter() - started
        keel.engine.catch_up()
        started = time.perf_counter()
        (again,) = Worker(keel, registry(RECURRING), owner="again").pass_once(AS_OF)
        again_s = time.perf_counter() - started
    assert first.done == args.subscriptions * 12 and again.done == 0, (first, again)

    table = Table(title=f"Recurring invoices ({args.backend}, {args.subscriptions:,} subscriptions x 12 periods)")
    for column in ("measure", "result"):
        table.add_column(column)
    table.add_row(
        "first run: lease, load, draft one invoice per period",
        f"{first.done / first_s:,.0f} periods/s ({first_s:.1f} s)",
    )
    table.add_row("second run: nothing new", f"{again_s:.2f} s")
    Console().print(table)


if __name__ == "__main__":
    main()
