"""What-if scenarios at scale (ADR 0066): a scenario of about 1,000 hypothetical events (deals
slipping, customers paying later, people hired) on the demo history, and the cash forecast (a
quarter by week, a page of 100 items) asked with and without it at random business dates — both
as known at the scenario's base, so they differ only by the branch — in-process and over HTTP
through ``keel serve`` (one client, the report cache off). The branch's build is timed apart.

    python benchmarks/scenarios.py --database-url postgresql://postgres@127.0.0.1/keel_1m

    python benchmarks/scenarios.py --events 20000 --backend sqlite

The target: the forecast with the scenario at most twice the forecast without it (p95). Prints
one table; the scenario is dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from http_load import Server, http_sequence
from rich.console import Console
from rich.table import Table
from run import percentile, store

from api.demo import load_demo
from api.demo.history import load_history
from api.scenarios import scenarios
from api.system import Keel, settle_heap
from ledger.scenarios import Assumption
from projections.cash.forecasts import forecast

DECIDED = date(2026, 9, 30)  # the last day of the history: the assumptions are taken then
NAME = "benchmark"


def assumptions(keel: Keel, events: int, rng: random.Random) -> list[Assumption]:
    """About ``events`` hypothetical events: a third deals slipping (one event each), a third
    customers paying later (two: their expectation's first decision), the rest hires (one)."""
    with keel.views.read() as cur:
        cur.execute(
            "SELECT id FROM deals WHERE status = 'open' AND opened_on <= %s ORDER BY id LIMIT %s",
            (DECIDED, events // 3),
        )
        deals = [UUID(str(r[0])) for r in cur.fetchall()]
        cur.execute(
            "SELECT id FROM customers WHERE merged_into IS NULL AND registered_on <= %s ORDER BY id LIMIT %s",
            (DECIDED, events // 6),
        )
        customers = [UUID(str(r[0])) for r in cur.fetchall()]
    made = [Assumption("slip_deal", subject=d, start=DECIDED + timedelta(days=rng.randint(20, 120))) for d in deals]
    made += [Assumption("payment_delay", subject=c, days=rng.randint(5, 60)) for c in customers]
    hires = events - len(deals) - 2 * len(customers)
    made += [
        Assumption(
            "hire", name=f"Hire {n}", amount=Decimal(rng.randint(30, 90) * 100), start=DECIDED + timedelta(days=1)
        )
        for n in range(max(0, hires))
    ]
    rng.shuffle(made)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="size of the demo history (a new store)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--database-url", help="a store with the history loaded (kept)")
    parser.add_argument("--hypothetical", type=int, default=1000, help="hypothetical events, about")
    parser.add_argument("--samples", type=int, default=100, help="random business dates per forecast")
    args = parser.parse_args()
    backend = "postgres" if args.database_url else args.backend
    table = Table(title="What-if scenarios: the cash forecast with and without one")
    for column in ("backend", "what", "p50 / count", "p95 / note"):
        table.add_column(column)
    rng = random.Random(7)
    with store(backend, args.database_url) as settings, Keel.start(settings, follow=False) as keel:
        if keel.app.head_position() == 0:
            load_history(keel.app, args.events)
            load_demo(keel.app)
        keel.engine.catch_up()
        head = keel.app.head_position()
        book = scenarios(keel)
        if NAME in {s.name for s in book.all()}:
            book.drop(NAME)
        book.create(NAME, DECIDED, "benchmark")
        started = time.perf_counter()
        changed = book.add(NAME, assumptions(keel, args.hypothetical, rng))
        seconds = time.perf_counter() - started
        built = changed.built
        table.add_row(backend, "log", f"{head:,} events", "")
        table.add_row(
            backend,
            f"scenario: {len(changed.scenario.assumptions)} assumptions",
            f"{built.events:,} hypothetical events",
            f"made and built in {seconds:.1f} s (branch {built.seconds:.1f} s: {', '.join(built.branched)})",
        )
        lease = book.lease(NAME)
        s, views = lease.__enter__()
        fc, moment = keel.functional_currency, s.base_recorded_at
        days = [DECIDED + timedelta(days=rng.randrange(60)) for _ in range(args.samples + 3)]
        settle_heap()
        timings: dict[str, list[float]] = {"books": [], "scenario": []}
        for day in days:  # interleaved, so both meet the same cache and the same neighbours
            for label, db in (("books", keel.views), ("scenario", views)):
                started = time.perf_counter()
                forecast(db, day, day + timedelta(days=91), "week", fc, moment, limit=100)
                timings[label].append((time.perf_counter() - started) * 1000)
        _rows(table, backend, "in-process", {k: v[3:] for k, v in timings.items()})
        if backend == "postgres":
            server = Server(str(settings.database_url), 1, report_cache_mb="0")
            try:
                base = "/v1/reports/cash-forecast?by=week&limit=100"
                paths = {
                    "books": [f"{base}&as_of={d}&to={d + timedelta(days=91)}&known_at={s.base_position}" for d in days],
                    "scenario": [f"{base}&as_of={d}&to={d + timedelta(days=91)}&scenario={NAME}" for d in days],
                }
                http_sequence(server.port, paths["scenario"][:3])  # the server opens the branch once
                ms = {k: [x * 1000 for x in http_sequence(server.port, v)][3:] for k, v in paths.items()}
                _rows(table, backend, "http", ms)
            finally:
                server.stop()
        lease.__exit__(None, None, None)
        book.drop(NAME)
    Console().print(table)


def _rows(table: Table, backend: str, how: str, ms: dict[str, list[float]]) -> None:
    for label, samples in ms.items():
        table.add_row(
            backend,
            f"{how}: cash forecast, {label}",
            f"p50 {percentile(samples, 50):.1f} ms",
            f"p95 {percentile(samples, 95):.1f} ms",
        )
    ratio = percentile(ms["scenario"], 95) / percentile(ms["books"], 95)
    table.add_row(backend, f"{how}: with the scenario / without (p95)", f"{ratio:.2f} times", "target: at most 2")


if __name__ == "__main__":
    main()
