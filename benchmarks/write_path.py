"""The write path at scale (issue 21): what PostgreSQL on this box can commit, and what Keel makes of it.

    python benchmarks/write_path.py                 # ~5 s per measure
    python benchmarks/write_path.py --seconds 10 --profile payments

Prints one table from one run against a database created for it (dropped after) on PostgreSQL's
default configuration:

- the baselines: a raw ``INSERT`` + commit of one ~500-byte row per transaction, on 1 and 4
  connections, and ``COPY`` of the same rows;
- Keel's commands in-process with 1, 4 and 16 concurrent writers (threads of one process, each
  its own commands, nothing shared but the books): ``RegisterCustomer`` writes one new aggregate,
  ``RecordPayment`` (a part of an issued invoice) changes three (payment, invoice, customer);
  commands/s counts acknowledged commands, p50/p99 each command's whole time (retries included);
- the same over HTTP: ``POST /v1/customers`` from 1, 4, 16 and 64 clients against ``keel serve
  --workers 1`` and ``--workers 2`` (``http_load.py``), the clients on the same 2 cores;
- the bulk import of a demo history file (events/s), its lines checked in the writer and in
  ``--import-jobs`` processes; five reports over HTTP at 20 clients with and without the cache;
- memory: the server's peak resident set (its processes summed) beside each HTTP measure, and
  this process's own peak at the end.

``--profile KIND`` runs that kind at 16 writers under cProfile and prints the top of the profile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from http_load import Server, http_commands, http_reads
from run import META, percentile, store

from api.demo.history import load_history
from api.system import Keel
from commands import messages as m
from commands.event_import import EventImport, export_lines

ROW = "x" * 500
REPORTS = [
    "/v1/reports/trial-balance",
    "/v1/reports/balance-sheet",
    "/v1/reports/profit-and-loss?from=2026-01-01",
    "/v1/reports/receivables?limit=50",
    "/v1/reports/ageing/receivables?limit=50",
]
ON = date(2026, 3, 2)


def raw_inserts(url: str, connections: int, seconds: float) -> tuple[float, list[float]]:
    """Rows/s of one INSERT + commit each, over ``connections`` connections at once."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_rows (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)")

    def work(samples: list[float], stop: float) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while (now := time.perf_counter()) < stop:
                conn.execute("INSERT INTO bench_rows (body) VALUES (%s)", (ROW,))
                samples.append(time.perf_counter() - now)

    return concurrently(work, connections, seconds)


def copy_rows(url: str, rows: int = 200_000) -> float:
    with psycopg.connect(url) as conn, conn.cursor() as curs:
        started = time.perf_counter()
        with curs.copy("COPY bench_rows (body) FROM STDIN") as copy:
            for _ in range(rows):
                copy.write_row((ROW,))
        conn.commit()
        return rows / (time.perf_counter() - started)


def concurrently(work: Callable[[list[float], float], None], writers: int, seconds: float) -> tuple[float, list[float]]:
    """Run ``work`` in ``writers`` threads for ``seconds``; (operations/s, latencies in seconds)."""
    samples: list[list[float]] = [[] for _ in range(writers)]
    stop = time.perf_counter() + seconds
    threads = [threading.Thread(target=work, args=(samples[i], stop)) for i in range(writers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    done = [s for each in samples for s in each]
    return len(done) / elapsed, done


class Workload:
    """Per writer, what its commands need made first; ``command(writer, n)`` its n-th command."""

    def __init__(self, keel: Keel, kind: str, writers: int) -> None:
        self.keel, self.kind = keel, kind
        self.customers = [
            self.handle(m.RegisterCustomer(meta=META, name=f"Payer {w}", on=ON)).id for w in range(writers)
        ]
        self.invoices: list[list[uuid.UUID]] = []
        if kind == "payments":
            for customer in self.customers:
                mine = []
                for _ in range(8):
                    line = m.LineInput(description="Retainer", quantity="1", unit_price="100000.00")
                    draft = m.DraftInvoice(meta=META, customer_id=customer, lines=(line,), tax_percent="0", on=ON)
                    invoice = self.handle(draft).id
                    self.handle(m.IssueInvoice(meta=META, invoice_id=invoice, on=ON))
                    mine.append(invoice)
                self.invoices.append(mine)

    def handle(self, command: object) -> m.CommandResult:
        return self.keel.app.handle(command)  # type: ignore[arg-type]

    def command(self, writer: int, n: int) -> object:
        if self.kind == "customers":
            return m.RegisterCustomer(meta=META, name=f"Customer {writer}-{n}", on=ON)
        invoice = self.invoices[writer][n % len(self.invoices[writer])]
        allocation = m.AllocationInput(invoice_id=invoice, amount="1.00")
        return m.RecordPayment(
            meta=META, customer_id=self.customers[writer], amount="1.00", allocations=(allocation,), on=ON
        )


def keel_commands(
    load: Workload, writers: int, seconds: float, profiles: list[cProfile.Profile] | None = None
) -> tuple[float, list[float]]:
    """Commands/s of ``writers`` threads; with ``profiles``, each thread's own cProfile is added there."""
    counter = iter(range(writers))

    def work(samples: list[float], stop: float) -> None:
        writer, n = next(counter), 0
        profile = cProfile.Profile() if profiles is not None else None
        if profile is not None:
            profile.enable()
        while (now := time.perf_counter()) < stop:
            load.handle(load.command(writer, n))
            samples.append(time.perf_counter() - now)
            n += 1
        if profile is not None:
            profile.disable()
            profiles.append(profile)  # type: ignore[union-attr]

    return concurrently(work, writers, seconds)


def history_file(events: int) -> Path:
    """The demo history of ~``events`` events as an events file (made once, kept in the temp folder):
    customers, invoices, payments, bills, deals — the mix a year of a business brings."""
    path = Path(tempfile.gettempdir()) / f"keel-history-{events}.ndjson"
    if not path.exists():
        print(f"making {path} (once) …", file=sys.stderr)
        with store("sqlite") as settings, Keel.start(settings, follow=False) as keel:
            load_history(keel.app, events)
            path.with_suffix(".part").write_bytes(b"".join(export_lines(keel.app)))
        path.with_suffix(".part").rename(path)
    return path


def bulk_import(events: int, jobs: int) -> tuple[float, int, float, float]:
    """(events/s, events, seconds, the importer's own CPU µs an event) of ``keel import events
    --jobs J`` of the history file into a new store, the file already in memory (reading it is
    the disk's business); the processes' start included. The importer's CPU an event is the
    writer's ceiling on a machine with a core for each checking process: 1 s / that."""
    path = history_file(events)
    lines = path.read_bytes().splitlines(keepends=True)
    with store("postgres") as settings, Keel.start(settings, follow=False) as keel:
        started, cpu = time.perf_counter(), time.process_time()
        done = EventImport(keel.app, path.name, "0" * 64, META, jobs=jobs).run(lines)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return done.events / seconds, done.events, seconds, cpu / done.events * 1e6


def row(table: Table, measure: str, writers: int, rate: float, samples: list[float], detail: str = "") -> None:
    ms = [s * 1000 for s in samples] or [0.0]
    p50, p99 = percentile(ms, 50), percentile(ms, 99)
    table.add_row(measure, str(writers), f"{rate:,.0f}/s", f"{p50:.1f} ms", f"{p99:.1f} ms", detail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each measure runs")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16, 64], help="HTTP clients at once")
    parser.add_argument("--server-workers", type=int, nargs="+", default=[1, 2], help="keel serve --workers")
    parser.add_argument("--import-events", type=int, default=100_000, help="events of the bulk import's file")
    parser.add_argument("--import-jobs", type=int, nargs="+", default=[1, 2], help="processes checking lines")
    parser.add_argument("--readers", type=int, default=20, help="HTTP clients asking for reports at once")
    parser.add_argument("--profile", choices=["customers", "payments"], help="profile this kind at 16 writers")
    parser.add_argument("--sort", default="tottime", help="the profile's order (tottime, cumulative)")
    args = parser.parse_args()
    table = Table(title="Keel's write path on PostgreSQL (2 cores, PostgreSQL on the same box)")
    for column in ("measure", "writers", "rate", "p50", "p99", "detail"):
        table.add_column(column)
    with store("postgres") as settings:
        url = str(settings.database_url)
        if args.profile:
            with Keel.start(settings, follow=False) as keel:
                load = Workload(keel, args.profile, 16)
                profiles: list[cProfile.Profile] = []
                rate, _ = keel_commands(load, 16, args.seconds, profiles)
            out = io.StringIO()
            stats = pstats.Stats(profiles[0], stream=out)
            for more in profiles[1:]:
                stats.add(more)
            stats.sort_stats(args.sort).print_stats(50)
            print(f"{args.profile}: {rate:,.0f}/s under the profiler (16 threads added up)\n{out.getvalue()}")
            return
        for connections in (1, 4):
            rate, samples = raw_inserts(url, connections, args.seconds)
            row(table, "raw INSERT + commit (~500 B)", connections, rate, samples)
        table.add_row("raw COPY (~500 B rows)", "1", f"{copy_rows(url):,.0f}/s", "", "", "200,000 rows, one commit")
        with Keel.start(settings, follow=False) as keel:
            groups = getattr(keel.app.recorder, "groups", None)
            for kind, label in (("customers", "RegisterCustomer"), ("payments", "RecordPayment")):
                for writers in args.writers:
                    load = Workload(keel, kind, writers)
                    before = (groups.groups, groups.appends) if groups else (0, 0)
                    rate, samples = keel_commands(load, writers, args.seconds)
                    detail = ""
                    if groups and groups.groups > before[0]:
                        detail = f"{(groups.appends - before[1]) / (groups.groups - before[0]):.1f} commands a commit"
                    row(table, f"Keel in-process: {label}", writers, rate, samples, detail)
        for workers in args.server_workers:
            server = Server(url, workers)
            try:
                for clients in args.clients:
                    rate, samples, failures = http_commands(server.port, clients, args.seconds)
                    failed = f"{failures} failed, " if failures else ""
                    detail = f"{failed}server peak {server.peak_memory() / 2**20:,.0f} MiB"
                    row(table, f"HTTP, --workers {workers}: POST /v1/customers", clients, rate, samples, detail)
            finally:
                server.stop()
        for jobs in args.import_jobs:
            rate, imported, seconds, micros = bulk_import(args.import_events, jobs)
            checked = "checked in the writer" if jobs <= 1 else f"checked in {jobs} processes"
            checked += f"; the importer's CPU {micros:.0f} µs an event"
            table.add_row(
                f"bulk import: keel import events --jobs {jobs} (demo history)",
                "1",
                f"{rate:,.0f}/s",
                "",
                "",
                f"{imported:,} events in {seconds:.1f} s, chunks of 10,000, {checked}",
            )
        for cache_mb, label in (("64", "cached"), ("0", "no cache")):
            server = Server(url, 2, report_cache_mb=cache_mb)
            try:
                rate, samples, failures = http_reads(server.port, args.readers, args.seconds, REPORTS)
                ms = [x * 1000 for x in samples] or [0.0]
                failed = f"{failures} failed, " if failures else ""
                table.add_row(
                    f"HTTP, --workers 2: five reports, {label}",
                    str(args.readers),
                    f"{rate:,.0f}/s",
                    f"{percentile(ms, 50):.1f} ms",
                    f"p95 {percentile(ms, 95):.1f} ms",
                    f"{failed}server peak {server.peak_memory() / 2**20:,.0f} MiB",
                )
            finally:
                server.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table.add_row("memory: this process's peak", "", "", "", "", f"{peak:,.0f} MiB (in-process writers, imports)")
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
