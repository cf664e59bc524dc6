"""Keel at scale: the demo history of N events, rebuilt and queried at random (as_of, known_at)
pairs, against a naive replay of the log and against ledger-cli on the exported journal.

    python benchmarks/history.py --events 100000 --backend postgres

    python benchmarks/history.py --events 1000000 --database-url postgresql://postgres@127.0.0.1/keel_1m

Prints one table. PostgreSQL runs in a database created for the run and dropped after it; with
``--database-url`` in that store, kept (the history is loaded once: a later run goes straight
to rebuilding and querying).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table
from run import percentile, rebuild_all, store

from api.demo import load_demo
from api.demo_history import FIRST_DAY, load_history
from api.system import Keel
from projections.crm_reports import pipeline
from projections.export import journal_lines
from projections.reports import profit_and_loss, trial_balance
from projections.work_reports import margins

LAST = date(2026, 9, 30)


def naive_trial_balance(keel: Keel, as_of: date, known_at: datetime | None) -> dict[tuple[str, str], Decimal]:
    """What a store without read models does: read and fold the whole log for one answer."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    head = keel.app.head_position()
    times = keel.app.recorded_times(1, head)
    after = 0
    while page := keel.app.read_log(after, 5000):
        for position, event in page:
            recorded = times.get(position)
            if known_at is not None and recorded is not None and recorded > known_at:
                continue
            if event.effective_date <= as_of:
                for line in getattr(event, "journal", None) or []:
                    sums[(line.account, line.currency)] += line.value
        after = page[-1][0]
    return sums


def timed(samples: int, pick: Callable[[], tuple[date, datetime | None]], query: Callable[..., object]) -> list[float]:
    out = []
    for _ in range(samples):
        as_of, known_at = pick()
        started = time.perf_counter()
        query(as_of, known_at)
        out.append((time.perf_counter() - started) * 1000)
    return out


def run(backend: str, events: int, samples: int, table: Table, url: str | None = None) -> None:
    rng = random.Random(11)
    with store(backend, url) as settings, Keel.start(settings, follow=False) as keel:
        started = time.perf_counter()
        loaded = load_history(keel.app, events)
        load_demo(keel.app)
        seconds = time.perf_counter() - started
        head = keel.app.head_position()
        if loaded:
            table.add_row(backend, "load: commands", f"{head:,} events", f"{head / seconds:,.0f} events/s")
        else:
            table.add_row(backend, "load: already loaded", f"{head:,} events", url or "")
        rebuild_all(keel, backend, table)
        moments = [keel.app.moment_of(rng.randint(1, head)) for _ in range(50)]

        def pick() -> tuple[date, datetime | None]:
            as_of = FIRST_DAY + timedelta(days=rng.randrange((LAST - FIRST_DAY).days))
            return as_of, rng.choice([*moments, None])

        fc = keel.functional_currency
        queries: list[tuple[str, Callable[..., object]]] = [
            ("trial balance", lambda d, k: trial_balance(keel.views, d, k)),
            ("profit and loss", lambda d, k: profit_and_loss(keel.views, d.replace(month=1, day=1), d, fc, k)),
            ("pipeline", lambda d, k: pipeline(keel.views, d, k)),
            ("margins", lambda d, k: margins(keel.views, d.replace(month=1, day=1), d, fc, k)),
        ]
        for label, query in queries:
            ms = timed(samples, pick, query)
            table.add_row(
                backend, f"query: {label}", f"p50 {percentile(ms, 50):.1f} ms", f"p95 {percentile(ms, 95):.1f} ms"
            )
        ms = timed(max(3, samples // 20), pick, lambda d, k: naive_trial_balance(keel, d, k))
        table.add_row(
            backend,
            "naive replay: trial balance",
            f"p50 {percentile(ms, 50):.0f} ms",
            f"p95 {percentile(ms, 95):.0f} ms",
        )
        ledger = shutil.which("ledger")
        if ledger:
            with tempfile.TemporaryDirectory() as tmp:
                journal = Path(tmp) / "books.journal"
                journal.write_text("\n".join(journal_lines(keel.views, fc, None)) + "\n")
                runs = []
                for _ in range(3):
                    as_of, _ = pick()
                    started = time.perf_counter()
                    subprocess.run(
                        [ledger, "-f", str(journal), "bal", "--end", (as_of + timedelta(days=1)).isoformat()],
                        check=True,
                        capture_output=True,
                    )
                    runs.append((time.perf_counter() - started) * 1000)
                rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                table.add_row(
                    backend, "ledger-cli bal --end", f"p50 {percentile(runs, 50):.0f} ms", f"peak {rss:.0f} MiB"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="size of the demo history")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="postgres")
    parser.add_argument("--samples", type=int, default=200, help="random (as_of, known_at) pairs per report")
    parser.add_argument(
        "--database-url", help="use (and keep) this PostgreSQL store, loading the history only if it is not there"
    )
    args = parser.parse_args()
    if args.database_url:
        args.backend = "postgres"
    table = Table(title=f"Keel at scale (~{args.events:,} events of demo history)")
    for column in ("backend", "measure", "result", "detail"):
        table.add_column(column)
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args.events, args.samples, table, args.database_url)
    Console().print(table)


if __name__ == "__main__":
    main()
