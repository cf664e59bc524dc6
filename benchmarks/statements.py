"""Statement readers at scale: lines per second and peak memory reading generated CSV and CAMT.053 files.

    python benchmarks/statements.py                    # 10,000 and 100,000 lines
    python benchmarks/statements.py --lines 200000

Prints one table. Each cell runs in a fresh child process, so its peak memory is its own: "stream"
iterates ``iter_statement`` over the open file and keeps nothing (what an importer writing in
batches does), "read" builds the whole ``Statement`` (``read_statement``). Memory is the growth of
the child's peak RSS over its RSS before reading (lxml's C allocations included) and the peak of
Python allocations seen by tracemalloc (in a second, untimed pass). Flat memory means the stream
rows stay the same from 10,000 to 100,000 lines while the file grows tenfold.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from api.statements import ColumnMapping, iter_statement, read_statement

ACCOUNT = "GR1601101250000000012300695"
MAPPING = ColumnMapping(
    date="Buchungstag",
    date_format="%d.%m.%Y",
    amount="Betrag",
    description=("Verwendungszweck",),
    reference="Referenz",
    counterparty="Name",
    decimal=",",
    thousands=".",
    delimiter=";",
)
PAYERS = ["Northwind Studio Ltd", "Helios Foods", "Atlas Logistics", "Copperline Print", "Harbour Properties"]


def amounts(rng: random.Random) -> tuple[int, str]:
    cents = rng.randint(-500_000, 900_000) or 1
    units, rest = divmod(abs(cents), 100)
    return cents, f"{'-' if cents < 0 else ''}{units:,}".replace(",", ".") + f",{rest:02d}"


def write_csv(path: Path, lines: int) -> None:
    rng = random.Random(18)
    with path.open("w", encoding="utf-8") as out:
        out.write("Buchungstag;Verwendungszweck;Betrag;Referenz;Name\n")
        for i in range(lines):
            day = date(2026, 1, 1) + timedelta(days=i * 365 // lines)
            _, text = amounts(rng)
            out.write(f"{day:%d.%m.%Y};Invoice INV-2026-{i % 9999:04d} payment;{text};E2E-{i};{rng.choice(PAYERS)}\n")


def write_camt(path: Path, lines: int) -> None:
    rng = random.Random(18)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
            f"<BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId></GrpHdr><Stmt><Id>BENCH-1</Id><Acct><Id><IBAN>{ACCOUNT}"
            "</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
        )
        for i in range(lines):
            cents, _ = amounts(rng)
            day = date(2026, 1, 1) + timedelta(days=i * 365 // lines)
            sign, party = ("CRDT", "Dbtr") if cents > 0 else ("DBIT", "Cdtr")
            out.write(
                f'<Ntry><Amt Ccy="EUR">{abs(cents) // 100}.{abs(cents) % 100:02d}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
                f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
                f"<AcctSvcrRef>REF{i:09d}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>E2E-{i}</EndToEndId>"
                f"</Refs><RltdPties><{party}><Pty><Nm>{rng.choice(PAYERS)}</Nm></Pty></{party}></RltdPties>"
                f"<RmtInf><Ustrd>Invoice INV-2026-{i % 9999:04d} payment</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
            )
        out.write("</Stmt></BkToCstmrStmt></Document>\n")


def current_rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def consume(path: str, kind: str, mode: str) -> int:
    options: dict[str, object] = {"mapping": MAPPING, "account": ACCOUNT, "currency": "EUR"} if kind == "csv" else {}
    with open(path, "rb") as source:
        if mode == "read":
            return len(read_statement(source, max_bytes=1 << 31, **options).lines)  # type: ignore[arg-type]
        return sum(1 for part in iter_statement(source, max_bytes=1 << 31, **options) if not hasattr(part, "statement"))  # type: ignore[arg-type]


def cell(path: str, kind: str, mode: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    before = current_rss_kb()
    started = time.perf_counter()
    count = consume(path, kind, mode)
    seconds = time.perf_counter() - started
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    tracemalloc.start()
    consume(path, kind, mode)
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    results.put((count, seconds, rss_growth, python_peak))


def measure(path: Path, kind: str, mode: str) -> tuple[int, float, int, int]:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=cell, args=(str(path), kind, mode, results))
    child.start()
    outcome = results.get()
    child.join()
    return outcome  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="lines in the large files (a tenth in the small)")
    args = parser.parse_args()
    writers: dict[str, Callable[[Path, int], None]] = {"csv": write_csv, "camt053": write_camt}
    table = Table(title="Statement readers: lines/s and peak memory (each cell in a fresh process)")
    for column in ("format", "lines", "file MB", "mode", "seconds", "lines/s", "peak RSS growth MB", "Python peak MB"):
        table.add_column(column, justify="left" if column in ("format", "mode") else "right")
    with tempfile.TemporaryDirectory() as folder:
        for kind, write in writers.items():
            for size in (args.lines // 10, args.lines):
                path = Path(folder) / f"statement-{size}.{kind}"
                write(path, size)
                for mode in ("stream", "read"):
                    count, seconds, rss_kb, python_peak = measure(path, kind, mode)
                    assert count == size, (kind, size, count)
                    table.add_row(
                        kind,
                        f"{size:,}",
                        f"{path.stat().st_size / 1e6:.1f}",
                        mode,
                        f"{seconds:.2f}",
                        f"{size / seconds:,.0f}",
                        f"{rss_kb / 1024:.1f}",
                        f"{python_peak / 1e6:.1f}",
                    )
    Console().print(table)


if __name__ == "__main__":
    main()
