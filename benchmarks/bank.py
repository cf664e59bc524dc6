"""Bank statements at scale (issue 18): importing a CSV statement of 10,000 and 100,000 lines, and
auto-reconciling 10,000 lines against 10,000 open invoices, on SQLite and PostgreSQL.

    python benchmarks/bank.py                          # both backends (PostgreSQL when it answers)
    python benchmarks/bank.py --backend sqlite --lines 100000 --invoices 10000

Prints one table. Each import runs in a fresh child process (the file written by the parent), so
its peak memory is its own. "import" is the command (read, checked, deduplicated, appended in one
transaction); "fold" is the bank read model catching up on what it appended. The child's peak RSS
is shown with its growth during the import: flat memory is the same peak at 10,000 and 100,000. Reconciliation is
timed in two parts: "propose" reads the read models and decides every line (pure dictionary
lookups), "apply" records the certain matches (batches of 1,000, one transaction each: the payment,
the invoice, the line), each with the process's CPU seconds beside it (``--profile``: cProfile's
top of both; ADR 0050).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import pstats
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import psycopg
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from run import ADMIN_URL, store

from api.bank import auto_reconcile, bank_account, import_statement
from api.system import Keel
from commands import messages as m
from ledger.books import Books
from ledger.chart_templates import SERVICES_EU
from ledger.customer import Customer
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.invoice_lines import make_line
from ledger.reconciliation import Tolerance
from ledger.roles import Roles
from ledger.sequence import NumberSequence, invoice_series

META = Meta(actor="bench")
DAY = date(2026, 10, 1)
MAPPING = (
    '{"date": "Buchungstag", "date_format": "%d.%m.%Y", "amount": "Betrag", "description": ["Verwendungszweck"],'
    ' "reference": "Referenz", "counterparty": "Name", "decimal": ",", "thousands": ".", "delimiter": ";"}'
)


def german(amount: Decimal) -> str:
    units, cents = divmod(abs(int(amount * 100)), 100)
    return f"{'-' if amount < 0 else ''}{units:,}".replace(",", ".") + f",{cents:02d}"


def write_csv(path: Path, rows: list[tuple[date, str, Decimal, str, str]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("Buchungstag;Verwendungszweck;Betrag;Referenz;Name\n")
        for day, text, amount, ref, name in rows:
            out.write(f"{day:%d.%m.%Y};{text};{german(amount)};{ref};{name}\n")


def random_rows(lines: int) -> list[tuple[date, str, Decimal, str, str]]:
    rng = random.Random(18)
    return [
        (
            DAY + timedelta(days=i * 90 // lines),
            f"Transfer {i} order {rng.randint(1, 99999)}",
            Decimal(rng.randint(-500_000, 900_000) or 1) / 100,
            f"E2E-{i}",
            rng.choice(("Northwind", "Helios", "Atlas", "Copperline")),
        )
        for i in range(lines)
    ]


def peak_mb() -> float:
    """This process's peak resident memory since it started (VmHWM: unlike ru_maxrss, not carried
    over from the parent across fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bank_for(keel: Keel) -> None:
    keel.app.handle(m.AddAccount(meta=META, code="1010", name="Bank 2", type="asset", subtype="bank"))
    keel.app.handle(m.OpenBankAccount(meta=META, name="Bench", account="1010"))
    keel.app.handle(m.SaveCsvMapping(meta=META, name="bench", settings=MAPPING))
    keel.engine.catch_up()


def _import_child(  # type: ignore[type-arg]
    backend: str, url: str | None, lines: int, folder: str, queue: multiprocessing.Queue, profile: bool = False
) -> None:
    from api.settings import Settings

    settings = (
        Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        if url
        else Settings(data_dir=Path(folder) / "store", database_url=None, _env_file=None)  # type: ignore[call-arg]
    )
    path = Path(folder) / f"statement-{lines}.csv"  # written by the parent: its rows never live here
    with Keel.start(settings, follow=False) as keel:
        bank_for(keel)
        account = bank_account(keel, "Bench")
        before = peak_mb()
        profiler = cProfile.Profile() if profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        with path.open("rb") as source:
            done = import_statement(keel, account, source, META, filename=path.name, mapping="bench")
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler:
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
            print(f"--- {backend} statement {lines:,} lines (cProfile, cumulative) ---\n{text.getvalue()}")
        peak = peak_mb()
        grown = peak - before
        started = time.perf_counter()
        keel.engine.catch_up()
        fold = time.perf_counter() - started
        assert done.new_lines == lines, done
    queue.put((took, fold, grown, peak, path.stat().st_size / 1e6, cpu))


def bench_import(backend: str, lines: int, table: Table, profile: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder, store(backend) as settings:
        write_csv(Path(folder) / f"statement-{lines}.csv", random_rows(lines))
        queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()  # type: ignore[type-arg]
        child = multiprocessing.get_context("spawn").Process(
            target=_import_child, args=(backend, settings.database_url, lines, folder, queue, profile)
        )
        child.start()
        child.join()
        took, fold, grown, peak, size, cpu = queue.get()
    table.add_row(
        backend,
        f"import CSV {lines:,} lines ({size:.1f} MB)",
        f"{took:.2f}",
        f"{lines / took:,.0f} lines/s",
        f"{peak:.0f} (+{grown:.1f})",
        f"fold {fold:.2f} s; client CPU {cpu:.2f} s",
    )


def seed_invoices(keel: Keel, count: int) -> list[tuple[str, Decimal, str]]:
    """``count`` issued invoices of 100 customers, saved a few thousand events at a time: (number, total, payer)."""
    rng = random.Random(4)
    roles = Roles(dict(SERVICES_EU.roles))
    found: list[tuple[str, Decimal, str]] = []
    with keel.app.unit_of_work() as uow, uow.stream() as out:
        books = Books.open("EUR", DAY - timedelta(days=60), META)
        customers = [
            Customer.register(uuid4(), f"Customer {n}", 30, "EUR", DAY - timedelta(days=60), META) for n in range(100)
        ]
        out.append(books, *customers)
        sequence = NumberSequence.start(invoice_series(DAY, "INV"), DAY, META)
        batch: list[Invoice] = []
        for n in range(count):
            customer = customers[n % len(customers)]
            net = Decimal(rng.randint(10_000, 900_000)) / 100
            invoice = Invoice.draft(uuid4(), customer.id, "EUR", [make_line("Work", "1", str(net), "24")], DAY, META)
            number = sequence.take(invoice.id, DAY, META)
            invoice.issue(number, DAY, 30, "EUR", Decimal(1), META, roles)
            batch.append(invoice)
            found.append((number, invoice.total.amount, customer.name))
            if len(batch) == 2000:
                out.append(*batch, sequence)
                batch = []
        out.commit(sequence, *batch)
    return found


def bench_reconcile(backend: str, invoices: int, table: Table, profile: bool = False) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        store(backend) as settings,
        Keel.start(settings, follow=False) as keel,
    ):
        bank_for(keel)
        owed = seed_invoices(keel, invoices)
        rng = random.Random(7)
        rows = []
        for i, (number, total, payer) in enumerate(owed):
            kind = i % 10
            if kind < 8:  # paid exactly, its number in the text
                rows.append((DAY, f"Payment {number} thank you", total, f"R-{i}", payer))
            elif kind == 8:  # paid less a bank fee
                rows.append((DAY, f"{number} less charges", total - Decimal("7.50"), f"R-{i}", payer))
            else:  # nothing anyone can place
                rows.append((DAY, f"Deposit {rng.randint(1, 10**6)}", Decimal("123.45"), f"R-{i}", "Unknown"))
        path = Path(folder) / "lines.csv"
        write_csv(path, rows)
        account = bank_account(keel, "Bench")
        with path.open("rb") as source:
            import_statement(keel, account, source, META, filename=path.name, mapping="bench")
        keel.engine.catch_up()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        proposed = auto_reconcile(keel, account, "bench", Tolerance(), apply=False)
        propose, propose_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        done = auto_reconcile(keel, account, "bench", Tolerance(), apply=True)
        apply, apply_cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler:
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
            print(text.getvalue())
        started = time.perf_counter()
        keel.engine.catch_up()
        fold = time.perf_counter() - started
    overall = propose + apply
    table.add_row(
        backend,
        f"reconcile {len(rows):,} lines / {invoices:,} invoices: propose",
        f"{propose:.2f}",
        f"{len(proposed.suggested):,} proposals",
        f"client CPU {propose_cpu:.2f} s",
        "",
    )
    table.add_row(
        backend,
        f"reconcile {len(rows):,} lines / {invoices:,} invoices: apply",
        f"{apply:.2f}",
        f"{len(done.matched):,} matched, {len(done.suggested):,} suggested",
        f"client CPU {apply_cpu:.2f} s",
        f"total {overall:.2f} s (CPU {propose_cpu + apply_cpu:.2f} s); fold {fold:.2f} s",
    )


def postgres_answers() -> bool:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--lines", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 35 of each import (slower)")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not postgres_answers():
        backends.remove("postgres")
    table = Table(title="Bank statements: import and auto-reconciliation")
    for column in ("backend", "what", "seconds", "rate", "peak RSS MB (+ growth)", "notes"):
        table.add_column(column, justify="left" if column in ("backend", "what", "notes") else "right")
    for backend in backends:
        for lines in args.lines:
            bench_import(backend, lines, table, args.profile)
        if args.invoices:
            bench_reconcile(backend, args.invoices, table, args.profile)
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
