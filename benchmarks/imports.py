"""Imports at scale (issue 18, ADR 0035/0036/0042): a CSV bank statement, opening balances, open
items and a ledger journal of 10,000 and 100,000 lines, on SQLite and PostgreSQL, and the
auto-reconciliation of 10,000 statement lines against 10,000 open invoices.

    python benchmarks/imports.py                                   # both backends, every kind
    python benchmarks/imports.py --backend postgres --kinds open-items --lines 100000
    python benchmarks/imports.py --backend postgres --kinds statement --reconcile 10000
    python benchmarks/imports.py --profile --kinds open-items      # cProfile's top in the child

Prints one table. Each import runs in a fresh child process (the file written by the parent), so
its memory is its own. "seconds" is the CLI's work: the file read and checked at the edge, then
the command (checked whole, written in one transaction); "client CPU s" is this process's CPU time
in it (the database's work is not in it), steadier than wall time on a shared machine. Memory is
the child's **peak RSS** (VmHWM) with its growth during the import: flat memory is the same growth
at 10,000 and 100,000.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from bank import _import_child, bench_reconcile, peak_mb, postgres_answers, random_rows, write_csv
from run import store

from api.imports.csv_files import open_items, opening_balances
from api.imports.files import ImportFile, read_file
from api.imports.ledger_text import journal
from api.system import Keel
from commands import messages as m
from ledger.events import Meta

META = Meta(actor="bench")
DAY = date(2026, 1, 1)
KINDS = ("statement", "opening-balances", "open-items", "journal")
EXPENSES = ("6000", "6700", "6800", "5000", "5100")


def opening_file(lines: int) -> str:
    """``lines`` lines: debits spread over a few accounts, the last line the equity that balances them."""
    rows = ["account,debit,credit,currency,party,document"]
    total = 0
    for i in range(lines - 1):
        cents = 1_000 + (i * 7_919) % 900_000
        total += cents
        rows.append(f"{EXPENSES[i % len(EXPENSES)]},{cents // 100}.{cents % 100:02d},,EUR,p{i % 500},d{i}")
    rows.append(f"3000,,{total // 100}.{total % 100:02d},EUR,,")
    return "\n".join(rows) + "\n"


def open_items_file(lines: int) -> str:
    """Invoices and bills (two in three are invoices) of 2,000 parties, some in USD."""
    rows = ["kind,party,number,issue_date,due_date,currency,amount,value"]
    for i in range(lines):
        kind = "bill" if i % 3 == 2 else "invoice"
        party = f"{'Supplier' if kind == 'bill' else 'Customer'} {i % 2_000}"
        issued = DAY - timedelta(days=1 + i % 200)
        cents = 5_000 + (i * 104_729) % 2_000_000
        amount = f"{cents // 100}.{cents % 100:02d}"
        usd = i % 10 == 0
        value = f"{cents * 9 // 1000}.{(cents * 9 // 10) % 100:02d}" if usd else ""
        due = issued + timedelta(days=30)
        rows.append(f"{kind},{party},N-{i},{issued},{due},{'USD' if usd else 'EUR'},{amount},{value}")
    return "\n".join(rows) + "\n"


def journal_file(lines: int) -> str:
    """Two-posting transactions (``lines`` is the file's lines: three per transaction and a blank)."""
    out = ["; functional currency EUR", ""]
    for i in range(max(1, lines // 4)):
        cents = 1_000 + (i * 7_919) % 900_000
        amount = f"{cents // 100}.{cents % 100:02d}"
        on = DAY + timedelta(days=i % 300)
        out += [
            f"{on} * Transfer {i}",
            f"    Expenses:6000 Expenses  {amount} EUR",
            f"    Assets:1000 Bank  -{amount} EUR",
            "",
        ]
    return "\n".join(out)


WRITERS: dict[str, Callable[[int], str]] = {
    "opening-balances": opening_file,
    "open-items": open_items_file,
    "journal": journal_file,
}


def _child(kind: str, url: str | None, folder: str, path: str, profile: bool, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from api.settings import Settings

    settings = (
        Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        if url
        else Settings(data_dir=Path(folder) / "store", database_url=None, _env_file=None)  # type: ignore[call-arg]
    )
    with Keel.start(settings, follow=False) as keel:
        keel.app.handle(m.AddAccount(meta=META, code="3900", name="Opening balances", type="equity"))
        profiler = cProfile.Profile() if profile else None
        before = peak_mb()
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        file: ImportFile = read_file(Path(path))
        if kind == "opening-balances":
            command = opening_balances(file, DAY, META)
        elif kind == "open-items":
            command = open_items(file, META, against="3900")
        else:
            command = journal(file, META)
        lines = command.source.lines
        keel.app.handle(command)
        if profiler:
            profiler.disable()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        grown = peak_mb() - before
        top = ""
        if profiler:
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
            top = text.getvalue()
    queue.put((lines, took, cpu, grown, peak_mb(), top))


def bench_statement(backend: str, lines: int, profile: bool, table: Table) -> None:
    """The statement of ``benchmarks/bank.py`` (German CSV, a saved mapping), in the same child."""
    with tempfile.TemporaryDirectory() as folder, store(backend) as settings:
        write_csv(Path(folder) / f"statement-{lines}.csv", random_rows(lines))
        context = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
        args = (backend, settings.database_url, lines, folder, queue, profile)
        child = context.Process(target=_import_child, args=args)
        child.start()
        child.join()
        took, _fold, grown, peak, size, cpu = queue.get()
    table.add_row(
        backend,
        f"statement {lines:,} lines ({size:.1f} MB)",
        f"{took:.2f}",
        f"{lines / took:,.0f} lines/s",
        f"{cpu:.2f}",
        f"{peak:.0f} (+{grown:.1f})",
    )


def bench(backend: str, kind: str, lines: int, profile: bool, table: Table) -> None:
    if kind == "statement":
        bench_statement(backend, lines, profile, table)
        return
    with tempfile.TemporaryDirectory() as folder, store(backend) as settings:
        path = Path(folder) / f"{kind}-{lines}.{'ledger' if kind == 'journal' else 'csv'}"
        path.write_text(WRITERS[kind](lines), encoding="utf-8")
        context = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
        child = context.Process(target=_child, args=(kind, settings.database_url, folder, str(path), profile, queue))
        child.start()
        while child.is_alive() and queue.empty():
            child.join(0.2)
        if queue.empty():
            raise SystemExit(f"{backend} {kind} {lines:,}: the child failed (exit {child.exitcode})")
        counted, took, cpu, grown, peak, top = queue.get()
        child.join()
        size = path.stat().st_size / 1e6
    if top:
        print(f"--- {backend} {kind} {lines:,} lines (cProfile, cumulative) ---\n{top}")
    table.add_row(
        backend,
        f"{kind} {counted:,} lines ({size:.1f} MB)",
        f"{took:.2f}",
        f"{counted / took:,.0f} lines/s",
        f"{cpu:.2f}",
        f"{peak:.0f} (+{grown:.1f})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--kinds", nargs="*", choices=KINDS, default=list(KINDS))
    parser.add_argument("--lines", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 35 (slower) for each run")
    parser.add_argument("--reconcile", type=int, default=0, metavar="N", help="auto-reconcile N lines vs N invoices")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not postgres_answers():
        backends.remove("postgres")
    table = Table(title="Imports: lines/s and peak RSS (MB, growth during the import)")
    for column in ("backend", "what", "seconds", "rate", "client CPU s", "peak RSS MB (+ growth) / notes"):
        table.add_column(column, justify="left" if column in ("backend", "what") else "right")
    for backend in backends:
        for kind in args.kinds:
            for lines in args.lines:
                bench(backend, kind, lines, args.profile, table)
        if args.reconcile:
            bench_reconcile(backend, args.reconcile, table, args.profile)
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
