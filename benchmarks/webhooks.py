"""Webhook fan-out: deliveries per second to 10 local receivers, and the worker's memory over the run.

    python benchmarks/webhooks.py                                 # PostgreSQL (when it answers), 10,000 deliveries
    python benchmarks/webhooks.py --backend sqlite --jobs 100000  # 10,000 events x 10 subscribers

Ten subscriptions (``customer.*``) to ten real HTTP receivers (``http.server`` threads in this
process that verify each signature and keep only a count); then the events are recorded in bulk
(1,000 per transaction) and folded into the webhooks read model (what is owed). One worker then
runs the ``webhooks`` job: each delivery is taken under its lease, re-read from the log, the event
read and put in its public form, signed, POSTed and its attempt recorded (one event each). Prints
one table: deliveries per second, and the worker's resident memory before, at each tenth and at
the end — flat memory is the same figure at 10% and at 100%.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from uuid import uuid4

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from run import store
from webhook_support import Receiver, receiver

from api.system import Keel
from api.worker.jobs import registry
from api.worker.scheduler import Worker
from api.worker.webhooks import WEBHOOKS
from commands.messages import AddWebhook
from ledger.customer import Customer
from ledger.events import Meta

SUBSCRIBERS = 10
CHUNK = 1000
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def record(keel: Keel, events: int) -> float:
    started, meta = time.perf_counter(), Meta("bench")
    for first in range(0, events, CHUNK):
        batch = [
            Customer.register(uuid4(), f"Customer {n:07d}", 30, "EUR", date(2026, 10, 1), meta)
            for n in range(first, min(first + CHUNK, events))
        ]
        keel.app.save(*batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--jobs", type=int, default=10_000, help="deliveries: events x 10 subscribers")
    args = parser.parse_args()
    events = max(args.jobs // SUBSCRIBERS, 1)
    jobs = events * SUBSCRIBERS
    with store(args.backend) as base, ExitStack() as stack:
        receivers: list[Receiver] = [stack.enter_context(receiver(SECRET, keep=False)) for _ in range(SUBSCRIBERS)]
        with Keel.start(base.model_copy(update={"auth": "off"}), follow=False) as keel:
            for r in receivers:
                keel.app.handle(AddWebhook(meta=Meta("bench"), url=r.url, events=("customer.*",), secret=SECRET))
            recorded = record(keel, events)
            started = time.perf_counter()
            keel.engine.catch_up()
            folded = time.perf_counter() - started
            worker = Worker(keel, registry(WEBHOOKS))
            samples: list[tuple[int, float]] = [(0, rss_mib())]
            done = threading.Event()

            def received() -> int:
                return sum(r.calls for r in receivers)

            def sample() -> None:  # memory at each tenth of the deliveries received
                step = max(jobs // 10, 1)
                while not done.is_set():
                    got = received()
                    if got >= samples[-1][0] + step:
                        samples.append((got, rss_mib()))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            (summary,) = worker.pass_once()
            seconds = time.perf_counter() - started
            done.set()
            sampler.join()
            samples.append((received(), rss_mib()))
            bad = sum(r.bad_signatures for r in receivers)
            assert summary.done == jobs == received() and bad == 0, (summary, received(), bad)

    table = Table(title=f"Webhook fan-out to {SUBSCRIBERS} local receivers ({args.backend}, {jobs:,} deliveries)")
    for column in ("measure", "result"):
        table.add_column(column)
    table.add_row("record events (bulk, 1,000 per transaction)", f"{events / recorded:,.0f} events/s")
    table.add_row("fold what is owed (webhooks read model)", f"{jobs / folded:,.0f} deliveries/s ({folded:.1f} s)")
    table.add_row("deliver: lease, load, sign, POST, record", f"{jobs / seconds:,.0f} deliveries/s ({seconds:.1f} s)")
    for got, mib in samples:
        table.add_row(f"worker RSS after {got:,} delivered", f"{mib:.1f} MiB")
    Console().print(table)


if __name__ == "__main__":
    main()
