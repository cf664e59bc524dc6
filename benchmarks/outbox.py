"""Outbox throughput to a local SMTP server (aiosmtpd, in-process), and the worker's memory over the run.

    python benchmarks/outbox.py                                  # PostgreSQL (when it answers), 10,000 messages
    python benchmarks/outbox.py --backend sqlite --messages 100000

The messages are queued first, in bulk (1,000 per transaction), as the invoice-mail job would queue
them one by one; then one worker runs the outbox job: each message is taken under its lease, loaded
from the log, sent over one kept SMTP connection and recorded as delivered (one event each). Prints
one table: messages per second, and the worker's resident memory before, at each tenth and at the
end — flat memory is the same figure at 10% and at 100%.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from run import store
from worker_support import smtp_server

from api.system import Keel
from api.worker.jobs import registry
from api.worker.kinds import OUTBOX
from api.worker.scheduler import Worker
from ledger.events import Meta
from ledger.outbox import Message

CHUNK = 1000


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def queue(keel: Keel, count: int) -> float:
    started, meta, now = time.perf_counter(), Meta("bench"), datetime.now(UTC)
    for first in range(0, count, CHUNK):
        batch = [
            Message.queue("bench", f"m{n:07d}", f"m{n}@example.com", f"Message {n}", "Hello.\n", "", now, meta)
            for n in range(first, min(first + CHUNK, count))
        ]
        keel.app.save(*batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    with store(args.backend) as base, smtp_server(keep=False) as (inbox, port):
        settings = base.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}", "auth": "off"})
        with Keel.start(settings, follow=False) as keel:
            queued = queue(keel, args.messages)
            keel.engine.catch_up()
            worker = Worker(keel, registry(OUTBOX))
            samples: list[tuple[int, float]] = [(0, rss_mib())]
            done = threading.Event()

            def sample() -> None:  # memory at each tenth of the messages received
                step = max(args.messages // 10, 1)
                while not done.is_set():
                    got = inbox.count
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
            samples.append((inbox.count, rss_mib()))
            assert summary.done == args.messages == inbox.count, (summary, inbox.count)

    table = Table(title=f"Outbox to a local SMTP server ({args.backend}, {args.messages:,} messages)")
    for column in ("measure", "result"):
        table.add_column(column)
    table.add_row("queue (bulk, 1,000 per transaction)", f"{args.messages / queued:,.0f} messages/s")
    table.add_row("outbox: lease, load, send, record", f"{args.messages / seconds:,.0f} messages/s ({seconds:.1f} s)")
    for got, mib in samples:
        table.add_row(f"worker RSS after {got:,} sent", f"{mib:.1f} MiB")
    Console().print(table)


if __name__ == "__main__":
    main()
