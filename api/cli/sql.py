"""``keel sql``: SQL (DuckDB) over a snapshot of the books at (as of, known at), one query or a
session; the answer as a table, CSV or JSON."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.base import FormatOption, app, emit, fail
from api.cli.exports import analysts_snapshot
from api.cli.output import Format, err
from api.cli.reports import KnownAt, SnapshotAsOf

if TYPE_CHECKING:
    import duckdb

    from api.system import Keel
    from projections.exports.datasets import Dataset

PROMPT, MORE = "keel> ", "  ... "
TABLES = "SELECT table_name AS name, table_type AS kind FROM information_schema.tables ORDER BY 1;"


@app.command("sql")
def sql(
    query: Annotated[str | None, typer.Argument(help="The query; none: a session (or the queries on stdin).")] = None,
    as_of: SnapshotAsOf = None,
    known_at: KnownAt = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", metavar="NAME", help="Load only this dataset (repeatable); default: those named."),
    ] = None,
    database: Annotated[
        Path | None,
        typer.Option("--database", help="Query this `keel export duckdb` file instead of the store.", dir_okay=False),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """SQL over the analysts' datasets (journal, invoices, payments, open_items, deals, deal_stages,
    timesheets, allocations, events) and the report views (trial_balance, profit_and_loss,
    receivables, pipeline, hours_by_person_month) as of a business date, as known at a moment:
    e.g. keel sql --as-of 2026-09-30 "select project_id, sum(credit - debit) from journal where
    account_type = 'income' group by 1"."""
    if database is not None:
        if as_of or known_at or dataset:
            raise fail("--database is a snapshot already: --as-of, --known-at and --dataset do not apply")
        if not database.exists():
            raise fail(f"{database} does not exist: make one with keel export duckdb")
        if not database.is_file() or database.suffix.lower() in (".parquet", ".csv", ".json"):
            raise fail(f"{database} is not a DuckDB database: keel export duckdb makes one")
        import duckdb

        try:
            con = duckdb.connect(str(database), read_only=True)
        except duckdb.Error as exc:
            raise fail(f"{database}: {_first_line(exc)}") from None
        _run(con, query, fmt)
        return
    with tempfile.TemporaryDirectory(prefix="keel-sql-") as folder:
        _run(_snapshot(query, as_of, known_at, dataset or [], Path(folder)), query, fmt)


def _snapshot(
    query: str | None, as_of: datetime | None, known_at: str | None, names: list[str], folder: Path
) -> duckdb.DuckDBPyConnection:
    from api.exports.database import datasets_for, open_snapshot
    from api.exports.parquet import catalog, datasets_named

    def choose(keel: Keel) -> list[Dataset]:
        return datasets_named(names, keel) if names else datasets_for(query, catalog(keel))

    with analysts_snapshot(as_of, known_at, choose, folder, reading=True) as (keel, snapshot, chosen):
        return open_snapshot(keel, snapshot, chosen, folder)


def _run(con: duckdb.DuckDBPyConnection, query: str | None, fmt: Format) -> None:
    import duckdb

    try:
        if query is not None:
            _answer(con, query, fmt)
        else:
            _session(con, fmt, sys.stdin.isatty())
    except duckdb.Error as exc:
        raise fail(_first_line(exc)) from None
    finally:
        con.close()


def _answer(con: duckdb.DuckDBPyConnection, query: str, fmt: Format) -> None:
    """Run ``query`` (one or more statements) and print the last one's rows."""
    result = con.execute(query)
    if result.description is None:
        return
    header = [str(d[0]) for d in result.description]
    rows = [[_exact(v) for v in row] for row in result.fetchall()]
    if fmt is Format.json:  # JSON's own types: null, true, numbers; decimals as strings, as Keel's API
        document = {"rows": [dict(zip(header, map(_json, row), strict=True)) for row in rows]}
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    emit(fmt, "", header, rows, {})


def _session(con: duckdb.DuckDBPyConnection, fmt: Format, interactive: bool) -> None:
    """Queries one after another, each ended by ";", typed at a prompt or read from stdin; ".tables"
    lists the tables and views, ".quit" or the end of input ends it. At a prompt an error is
    reported and the session goes on; from stdin it ends the run (exit 1), as a script's would."""
    import duckdb

    if interactive:
        err.print("SQL over the snapshot: end a query with ;  tables: .tables  quit: .quit or Ctrl-D")
    lines: list[str] = []
    for typed in _lines(interactive, lines):
        command = typed.strip()
        if not lines and command in (".quit", ".exit"):
            return
        if not lines and command.startswith(".") and command != ".tables":
            err.print(f"[red]error:[/red] unknown command {command}: .tables, .quit", highlight=False, markup=True)
            continue
        line = TABLES if not lines and command == ".tables" else typed
        lines.append(line)
        if not line.rstrip().endswith(";"):
            continue
        query = "\n".join(lines)
        lines.clear()  # the prompt asks for a new query again
        try:
            _answer(con, query, fmt)
        except duckdb.Error as exc:
            if not interactive:
                raise
            err.print(f"[red]error:[/red] {_first_line(exc)}", highlight=False, markup=True)
    if lines and "".join(lines).strip():
        _answer(con, "\n".join(lines), fmt)  # the last query may go without its ";"


def _lines(interactive: bool, pending: list[str]) -> Iterator[str]:
    """Lines of stdin; at a prompt, each asked with the prompt for a new query or a query's next line."""
    if not interactive:
        yield from (line.rstrip("\n") for line in sys.stdin)
        return
    while True:
        try:
            yield input(MORE if pending else PROMPT)
        except EOFError:
            return


def _exact(value: Any) -> Any:
    """A decimal as its value without the column's trailing zeros past the second place
    (8.000000000000 hours is 8.00; 1.085000000000 is 1.085): the same number, readable."""
    if isinstance(value, Decimal) and value.is_finite():
        shown = value.normalize()
        places = shown.as_tuple().exponent
        return shown.quantize(_CENTS) if isinstance(places, int) and places > -2 else Decimal(f"{shown:f}")
    return value


_CENTS = Decimal("0.01")


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
