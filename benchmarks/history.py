"""Keel at scale: the demo history of N events, rebuilt and queried at random (as_of, known_at)
pairs — in-process and, on PostgreSQL, over HTTP through ``keel serve`` (one client, the cache
off; then 20 clients on ``--workers 2`` with and without it, and the server's peak memory) —
against a naive replay of the log and against ledger-cli on the exported journal.

    python benchmarks/history.py --events 100000 --backend postgres

    python benchmarks/history.py --events 1000000 --database-url postgresql://postgres@127.0.0.1/keel_1m

``--no-rebuild`` catches the projections up instead of timing two rebuilds of each (at 1M
events, a quarter of an hour). Prints one table. PostgreSQL runs in a database created for the
run and dropped after it; with
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
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from http_load import Server, http_reads, http_sequence
from rich.console import Console
from rich.table import Table
from run import percentile, rebuild_all, store
from write_path import REPORTS

from api.demo import load_demo
from api.demo.history import FIRST_DAY, _id, load_history
from api.system import Keel, settle_heap
from projections.cash.actuals import actual
from projections.cash.forecasts import forecast
from projections.crm.customer_360 import customer_360
from projections.crm.reports import conversion, follow_ups, list_deals, pipeline, win_rate
from projections.delivery.reports import budget_burn, margins, utilisation, work_in_progress
from projections.finance.detail import account_ledger, ageing, tax_summary
from projections.finance.export import journal_lines
from projections.finance.reports import balance_sheet, profit_and_loss, receivables, trial_balance
from projections.finance.restatement import restatement

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


def read_and_decode(keel: Keel) -> float:
    """Events/s of reading and decoding the whole log, folding nothing: the ceiling of a rebuild
    that folds every event, in one Python process, on this machine."""
    started, after, count = time.perf_counter(), 0, 0
    while page := keel.app.read_log(after, 5000):
        count, after = count + len(page), page[-1][0]
    return count / (time.perf_counter() - started)


def timed(samples: int, pick: Callable[[], tuple[date, datetime | None]], query: Callable[..., object]) -> list[float]:
    out = []
    for _ in range(samples):
        as_of, known_at = pick()
        started = time.perf_counter()
        query(as_of, known_at)
        out.append((time.perf_counter() - started) * 1000)
    return out


Query = Callable[[date, datetime | None], object]


def benchmarked(keel: Keel, fc: str) -> list[tuple[str, Query]]:
    """The four reports the targets name."""
    return [
        ("trial balance", lambda d, k: trial_balance(keel.views, d, k)),
        ("profit and loss", lambda d, k: profit_and_loss(keel.views, d.replace(month=1, day=1), d, fc, k)),
        ("pipeline", lambda d, k: pipeline(keel.views, d, k)),
        ("margins", lambda d, k: margins(keel.views, d.replace(month=1, day=1), d, fc, k)),
    ]


def every_other_report(keel: Keel, fc: str, rng: random.Random) -> list[tuple[str, Query]]:
    """Every other report the API serves, at its usual span: "any report" in the targets."""
    views = keel.views
    customers = [str(_id(2026, f"customer:{n}")) for n in range(20)]
    quarter = timedelta(days=91)
    queries: list[tuple[str, Query]] = [
        ("balance sheet", lambda d, k: balance_sheet(views, d, fc, k)),
        ("receivables", lambda d, k: receivables(views, d, k)),
        ("ageing of receivables (a page of 100)", lambda d, k: ageing(views, "receivables", d, fc, k, 100)),
        ("ageing of payables (a page of 100)", lambda d, k: ageing(views, "payables", d, fc, k, 100)),
        ("account ledger (bank, a month)", lambda d, k: account_ledger(views, "1000", d.replace(day=1), d, fc, k)),
        ("tax summary (a quarter)", lambda d, k: tax_summary(views, d - quarter, d, fc, k)),
        ("cash flow (a quarter by week)", lambda d, k: actual(views, d - quarter, d, "week", fc, k)),
        ("cash forecast (a quarter by week, 100 items)", lambda d, k: forecast(views, d, d + quarter, "week", fc, k)),
        ("deals as of (a page of 100)", lambda d, k: list_deals(views, d, k, limit=100)),
        ("conversion", lambda d, k: conversion(views, d, k)),
        ("win rate (year to date)", lambda d, k: win_rate(views, d.replace(month=1, day=1), d, k)),
        ("follow-ups", lambda d, k: follow_ups(views, d, k)),
        ("customer 360", lambda d, k: customer_360(views, rng.choice(customers), d, k)),
        ("budget burn", lambda d, k: budget_burn(views, d, fc, k)),
        ("utilisation (a month)", lambda d, k: utilisation(views, d.replace(day=1), d, k)),
        ("work in progress", lambda d, k: work_in_progress(views, d, k)),
    ]
    closes = keel.app.closes()
    if closes:
        end, position, closed_at = closes[0]
        queries.append(("restatement", lambda d, k: restatement(views, end, closed_at, position, fc, k)))
    return queries


def over_http(keel: Keel, fc: str, rng: random.Random) -> list[tuple[str, Callable[[date, datetime | None], str]]]:
    """The same reports as paths of the API, at the same spans: what a client asks for."""
    customers = [str(_id(2026, f"customer:{n}")) for n in range(20)]

    def path(route: str, span: str = "as_of") -> Callable[[date, datetime | None], str]:
        def made(d: date, k: datetime | None) -> str:
            start = {"year": d.replace(month=1, day=1), "month": d.replace(day=1), "quarter": d - timedelta(days=91)}
            query = f"as_of={d}" if span == "as_of" else f"from={start[span]}&to={d}"
            known = f"&known_at={urllib.parse.quote(k.isoformat())}" if k else ""
            sep = "&" if "?" in route else "?"
            return f"{route.replace('{customer}', rng.choice(customers))}{sep}{query}{known}"

        return made

    r = "/v1/reports"
    paths = [
        ("trial balance", path(f"{r}/trial-balance")),
        ("profit and loss", path(f"{r}/profit-and-loss", "year")),
        ("pipeline", path(f"{r}/pipeline")),
        ("margins", path(f"{r}/margins", "year")),
        ("balance sheet", path(f"{r}/balance-sheet")),
        ("receivables", path(f"{r}/receivables")),
        ("receivables (a page of 100)", path(f"{r}/receivables?limit=100")),
        ("ageing of receivables (a page of 100)", path(f"{r}/ageing/receivables?limit=100")),
        ("ageing of payables (a page of 100)", path(f"{r}/ageing/payables?limit=100")),
        ("account ledger (bank, a month)", path(f"{r}/ledger/1000", "month")),
        ("tax summary (a quarter)", path(f"{r}/tax-summary", "quarter")),
        ("cash flow (a quarter by week)", path(f"{r}/cash-flow?by=week", "quarter")),
        ("deals as of (a page of 100)", path("/v1/deals?limit=100")),
        ("conversion", path(f"{r}/conversion")),
        ("win rate (year to date)", path(f"{r}/win-rate", "year")),
        ("follow-ups", path(f"{r}/follow-ups")),
        ("customer 360", path("/v1/customers/{customer}/360")),
        ("budget burn", path(f"{r}/budget-burn")),
        ("utilisation (a month)", path(f"{r}/utilisation", "month")),
        ("work in progress", path(f"{r}/work-in-progress")),
    ]

    def forecast(d: date, k: datetime | None) -> str:
        known = f"&known_at={urllib.parse.quote(k.isoformat())}" if k else ""
        return f"{r}/cash-forecast?as_of={d}&to={d + timedelta(days=91)}&by=week&limit=100{known}"

    paths.append(("cash forecast (a quarter by week, 100 items)", forecast))
    closes = keel.app.closes()
    if closes:
        end = closes[0][0]
        paths.append(
            (
                "restatement",
                lambda d, k: (
                    f"{r}/restatement?to={end}" + (f"&known_at={urllib.parse.quote(k.isoformat())}" if k else "")
                ),
            )
        )
    return paths


def http_table(
    keel: Keel, url: str, samples: int, pick: Callable[[], tuple[date, datetime | None]], table: Table, readers: int
) -> None:
    """Every report through ``keel serve`` without the cache (one client, one request at a time,
    each at random parameters), then ``readers`` clients asking five reports at the head of
    ``keel serve --workers 2``, with and without the cache; the server's peak memory."""
    rng = random.Random(13)
    server = Server(url, 1, report_cache_mb="0")
    try:
        for name, make in over_http(keel, keel.functional_currency, rng):
            paths = [make(*pick()) for _ in range(samples + 3)]
            ms = [x * 1000 for x in http_sequence(server.port, paths)][3:]  # the first three warm
            table.add_row(
                "postgres", f"http: {name}", f"p50 {percentile(ms, 50):.1f} ms", f"p95 {percentile(ms, 95):.1f} ms"
            )
    finally:
        server.stop()
    for cache_mb, label in (("0", "no cache"), ("64", "cache")):
        server = Server(url, 2, report_cache_mb=cache_mb)
        try:
            rate, seconds, failures = http_reads(server.port, readers, 5.0, REPORTS)
            ms = [x * 1000 for x in seconds] or [0.0]
            table.add_row(
                "postgres",
                f"http, {readers} clients, --workers 2: five reports at the head, {label}",
                f"{rate:,.0f}/s, p95 {percentile(ms, 95):.1f} ms",
                f"{failures} failed; server peak {server.peak_memory() / 2**20:,.0f} MiB",
            )
        finally:
            server.stop()


def run(
    backend: str, events: int, samples: int, table: Table, url: str | None = None, http: int = 20, rebuild: bool = True
) -> None:
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
        table.add_row(backend, "reference: read and decode the log", f"{read_and_decode(keel):,.0f} events/s", "")
        if rebuild:
            rebuild_all(keel, backend, table)
        else:
            keel.engine.catch_up()
        moments = [keel.app.moment_of(rng.randint(1, head)) for _ in range(50)]

        def pick() -> tuple[date, datetime | None]:
            as_of = FIRST_DAY + timedelta(days=rng.randrange((LAST - FIRST_DAY).days))
            return as_of, rng.choice([*moments, None])

        fc = keel.functional_currency
        settle_heap()  # as the HTTP server does once started
        for label, query in [*benchmarked(keel, fc), *every_other_report(keel, fc, rng)]:
            ms = timed(samples, pick, query)
            table.add_row(
                backend, f"query: {label}", f"p50 {percentile(ms, 50):.1f} ms", f"p95 {percentile(ms, 95):.1f} ms"
            )
        if backend == "postgres" and http:
            http_table(keel, str(settings.database_url), samples, pick, table, http)
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
    parser.add_argument("--no-rebuild", action="store_true", help="catch the projections up instead of timing rebuilds")
    parser.add_argument(
        "--readers", type=int, default=20, help="clients asking reports at once over HTTP (0: no HTTP measures)"
    )
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
        run(backend, args.events, args.samples, table, args.database_url, args.readers, not args.no_rebuild)
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
