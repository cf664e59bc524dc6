"""``keel import opening-balances|open-items|journal FILE`` (ADR 0035).

The file is read and checked whole, then written as one batch, or refused with every problem
(file:line: field: what) and nothing written (exit 1). The same bytes twice are refused unless
``--force``. Progress goes to stderr, phase by phase (reading, checking, writing), as a bar on a
terminal: the lines count inside one transaction, so nothing is written until the last phase ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from api.cli.base import app, cli_actor, keel_system
from api.cli.entry_base import said
from api.cli.output import err

if TYPE_CHECKING:
    from api.imports.files import ImportFile
    from commands.messages import ImportJournal, ImportOpeningBalances, ImportOpenItems
    from commands.progress import Listener

    Import = ImportOpeningBalances | ImportOpenItems | ImportJournal

import_app = typer.Typer(
    help="Bring books kept elsewhere into Keel: opening balances, open items, a ledger journal.", no_args_is_help=True
)
app.add_typer(import_app, name="import")

FileArg = Annotated[Path, typer.Argument(help="The file to import.", exists=True, dir_okay=False, readable=True)]
Force = Annotated[bool, typer.Option("--force", help="Import these bytes again although they were imported before.")]
Against = Annotated[
    str | None,
    typer.Option(
        "--against",
        metavar="CODE",
        help="The opening-balance account (equity or suspense) open documents and foreign lines post against"
        " (default: the suspense role's).",
    ),
]


def _read(path: Path) -> ImportFile:
    from api.imports.files import read_file
    from api.settings import Settings
    from ledger.errors import DomainError

    try:
        return read_file(path, Settings().import_max_bytes)
    except DomainError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True, markup=True)
        raise typer.Exit(1) from None


@contextmanager
def _phases(name: str) -> Iterator[Listener]:
    """A bar on stderr (a terminal's only) that follows the import's phases."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(name, total=None)

        def show(phase: str, done: int, total: int | None) -> None:
            bar.update(task, description=f"{name}: {phase}", completed=done, total=total)

        yield show


def _run(file: ImportFile, build: Callable[[], Import], what: str) -> None:
    from commands.progress import listening

    started = time.perf_counter()
    with keel_system() as keel, _phases(file.name) as show, listening(show):
        command = build()
        lines = command.source.lines
        read = time.perf_counter() - started
        err.print(f"{file.name}: {lines:,} lines read in {read:.1f} s; checking them and writing one batch …")
        result = keel.app.handle(command)
    spent = time.perf_counter() - started
    rate = f"{lines / spent:,.0f} lines/s" if spent > 0 else ""
    said(f"imported {file.name} as {what}: import {result.id} (log position {result.position}; {rate})")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text[:40]!r} is not a date (YYYY-MM-DD)", param_hint="--date") from None


@import_app.command("opening-balances")
def import_opening_balances(
    file: FileArg,
    on: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The day the books start in Keel.")],
    against: Against = None,
    force: Force = False,
) -> None:
    """One opening entry dated --date: a line per account (account, debit, credit, currency[, value,
    party, document]). Receivable and payable balances come from `keel import open-items`."""
    from api.imports.csv_files import opening_balances
    from ledger.events import Meta

    day = _date(on)
    data = _read(file)
    _run(data, lambda: opening_balances(data, day, Meta(cli_actor()), against, force), "opening balances")


@import_app.command("open-items")
def import_open_items(file: FileArg, against: Against = None, force: Force = False) -> None:
    """Open customer invoices and supplier bills (kind, party, number, issue_date, due_date, currency,
    amount[, value]): documents ageing, the forecast and payments know, posted against the
    opening-balance account. A party named is created when missing."""
    from api.imports.csv_files import open_items
    from ledger.events import Meta

    data = _read(file)
    _run(data, lambda: open_items(data, Meta(cli_actor()), against, force), "open items")


@import_app.command("journal")
def import_journal(file: FileArg, force: Force = False) -> None:
    """A ledger journal in the shape `keel export ledger` writes: one entry per transaction."""
    from api.imports.ledger_text import journal
    from ledger.events import Meta

    data = _read(file)
    _run(data, lambda: journal(data, Meta(cli_actor()), force), "a journal")


@import_app.command("events")
def import_events(
    file: Annotated[
        Path, typer.Argument(help="Events as `keel export events` writes them (NDJSON).", exists=True, dir_okay=False)
    ],
    after: Annotated[
        int, typer.Option("--after", min=0, help="Skip the first N lines (a changed file going on where it stopped).")
    ] = 0,
    chunk: Annotated[int, typer.Option("--chunk", min=1, max=100_000, help="Lines per transaction.")] = 10_000,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            min=0,
            max=64,
            help="Processes checking lines beside the writer (0: one a core but the writer's; 1: none).",
        ),
    ] = 0,
) -> None:
    """Append a log of events in bulk (ADR 0057): every line checked as a command's events are,
    each chunk of lines written in one transaction or refused whole naming line and field. Run it
    again and it goes on after the last chunk in."""
    import hashlib

    from commands.event_import import EventImport, checking_processes
    from ledger.events import Meta

    with file.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    with file.open("rb") as stream:
        total = sum(chunk_.count(b"\n") for chunk_ in iter(lambda: stream.read(1 << 20), b""))
    started = time.perf_counter()
    with keel_system() as keel, _lines_bar(file.name, total) as advance, file.open("rb") as lines:
        jobs = jobs or (checking_processes() if total > chunk else 1)
        importer = EventImport(keel.app, file.name, digest, Meta(cli_actor()), chunk, advance, jobs)
        done = importer.run(lines, after)
    spent = time.perf_counter() - started
    rate = f"{done.events / spent:,.0f} events/s" if spent > 0 else ""
    resumed = f", going on after line {done.resumed_after}" if done.resumed_after else ""
    said(
        f"imported {done.events:,} events of {file.name}{resumed}: import {done.id}"
        f" (log position {done.position}; {rate})"
    )


@contextmanager
def _lines_bar(name: str, total: int) -> Iterator[Callable[[int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(name), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(name, total=total)
        yield lambda n: bar.advance(task, n)


@import_app.command("commands")
def import_commands(
    file: Annotated[Path, typer.Argument(help='Commands, one JSON object a line: {"command": "RegisterCustomer", …}.')],
    source: Annotated[
        str | None, typer.Option("--source", help="The name the lines are remembered by (default: the file's name).")
    ] = None,
) -> None:
    """Run commands from a file in order, each exactly once (ADR 0057): the first refused line stops
    the import, naming it; run it again after fixing it and it goes on where it stopped."""
    from api.imports.commands import run_commands

    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    with file.open("rb") as stream:
        total = sum(chunk_.count(b"\n") for chunk_ in iter(lambda: stream.read(1 << 20), b""))
    started = time.perf_counter()
    with keel_system() as keel, _lines_bar(file.name, total) as advance, file.open("rb") as lines:
        done = run_commands(keel.app, source or file.name, lines, cli_actor(), advance)
    spent = time.perf_counter() - started
    rate = f"{done.ran / spent:,.0f} commands/s" if spent > 0 else ""
    skipped = f", {done.skipped:,} in already" if done.skipped else ""
    said(f"ran {done.ran:,} commands of {file.name}{skipped} (log position {done.position}; {rate})")
