"""``keel export parquet`` and ``keel export duckdb``: the analysts' datasets at (as of, known at),
as Parquet files or as one DuckDB database with the main reports as views."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli.base import catch_up, export_app, fail, keel_system, knowledge
from api.cli.output import out
from api.cli.reports import KnownAt, SnapshotAsOf

if TYPE_CHECKING:
    from api.system import Keel
    from projections.exports.datasets import Dataset, Snapshot

Choose = Callable[["Keel"], "list[Dataset]"]


@contextmanager
def analysts_snapshot(
    as_of: datetime | None, known_at: str | None, choose: Choose, target: object = None, reading: bool = False
) -> Iterator[tuple[Keel, Snapshot, list[Dataset]]]:
    """The store caught up and a snapshot of the datasets ``choose`` picks, at (``as_of``,
    ``known_at``); what goes wrong in it — a bad dataset or moment, a plug-in that fails, the disk
    under ``target`` — is one line and exit 1 (nothing is left half-written)."""
    from api.exports.parquet import take_snapshot
    from ledger.errors import DomainError
    from projections.plugins import PluginError

    with keel_system(reading=reading) as keel:
        catch_up(keel)
        known = knowledge(keel, known_at)
        try:
            chosen = choose(keel)
            moment, position = (known.moment, known.position) if known else (None, None)
            yield keel, take_snapshot(keel, as_of.date() if as_of else None, moment, position, chosen), chosen
        except (DomainError, LookupError, PluginError) as exc:
            raise fail(str(exc).strip("'\"")) from None
        except OSError as exc:  # the disk, permissions
            raise fail(f"{target}: {exc.strerror or exc}") from None


@export_app.command("parquet")
def export_parquet(
    directory: Annotated[Path, typer.Argument(help="A new (or empty) directory for the files.", file_okay=False)],
    as_of: SnapshotAsOf = None,
    known_at: KnownAt = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", metavar="NAME", help="Only this dataset (repeatable).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a directory that is not empty.")] = False,
) -> None:
    """Write the datasets (the journal with every dimension, the event log …) as of a business date
    and as known at a moment, as Parquet files with _provenance.json: every business date and
    everything recorded when not given."""
    from api.exports.parquet import datasets_named, export_snapshot

    with analysts_snapshot(as_of, known_at, lambda keel: datasets_named(dataset or [], keel), directory) as found:
        keel, snapshot, _ = found
        started = time.perf_counter()
        written = export_snapshot(keel, directory, snapshot, dataset or [], force)
        seconds = time.perf_counter() - started
    table = Table("dataset", "file", "rows", title=f"{directory} at log position {snapshot.position}")
    for w in written:
        table.add_row(w.dataset, w.file, f"{w.rows:,}")
    out.print(table)
    rows = sum(w.rows for w in written)
    out.print(f"{rows:,} rows in {seconds:.1f} s ({rows / max(seconds, 1e-9):,.0f} rows/s)")


@export_app.command("duckdb")
def export_duckdb(
    file: Annotated[Path, typer.Argument(help="A new .duckdb file.", dir_okay=False)],
    as_of: SnapshotAsOf = None,
    known_at: KnownAt = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", metavar="NAME", help="Only this dataset (repeatable).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write the datasets as tables of one DuckDB database, with views of the main reports
    (trial_balance, profit_and_loss, receivables, pipeline, hours_by_person_month) and the
    snapshot it stands at (_snapshot)."""
    from api.exports.database import export_duckdb as export
    from api.exports.parquet import datasets_named
    from api.exports.views import REPORT_VIEWS

    with analysts_snapshot(as_of, known_at, lambda keel: datasets_named(dataset or [], keel), file) as found:
        keel, snapshot, chosen = found
        started = time.perf_counter()
        written = export(keel, file, snapshot, dataset or [], force)
        seconds = time.perf_counter() - started
    names = {d.name for d in chosen}
    table = Table("table", "rows", title=f"{file} at log position {snapshot.position}")
    for w in written:
        table.add_row(w.dataset, f"{w.rows:,}")
    out.print(table)
    views = [v for v, (needs, _) in REPORT_VIEWS.items() if set(needs) <= names]
    out.print(f"views: {', '.join(views) or 'none'}; {sum(w.rows for w in written):,} rows in {seconds:.1f} s")
