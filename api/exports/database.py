"""The analysts' datasets as one DuckDB database: the same tables as the Parquet export, views of
the main reports over them, and the snapshot they stand at (``_snapshot``).

``export_duckdb`` writes the Parquet files into a temporary folder, loads them into a database
file beside the target and renames it into place: a reader never opens half a database, and a
failed export leaves the old one as it was. ``keel sql`` loads the same tables and views into a
database in memory (``open_snapshot``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from api.exports.parquet import PROVENANCE, Written, datasets_named, write_files
from api.system import Keel
from ledger.errors import InvalidValue
from projections.exports.catalog import DATASETS
from projections.exports.datasets import Dataset, Snapshot
from projections.finance.general_ledger import YEAR_CLOSE_TOPIC

# The main reports as views: each reads its datasets as they are, so an analyst can read how a
# number is made and change it. ``trial_balance`` equals ``keel report trial-balance`` row for row
# (tested); ``profit_and_loss`` leaves out year-end closing entries as Keel's P&L does.
REPORT_VIEWS: dict[str, tuple[tuple[str, ...], str]] = {
    "trial_balance": (
        ("journal",),
        "SELECT account, account_name, account_type, currency,"
        " CASE WHEN balance > 0 THEN balance ELSE 0 END AS debit, CASE WHEN balance < 0 THEN -balance ELSE 0 END"
        " AS credit FROM (SELECT account, any_value(account_name) AS account_name,"
        " any_value(account_type) AS account_type, currency, SUM(debit) - SUM(credit) AS balance"
        " FROM journal GROUP BY account, currency) WHERE balance <> 0 ORDER BY account, currency",
    ),
    "profit_and_loss": (
        ("journal",),
        "SELECT date_trunc('month', effective_date)::DATE AS month, account, any_value(account_name) AS account_name,"
        " account_type, SUM(functional_credit) - SUM(functional_debit) AS amount,"
        " any_value(functional_currency) AS currency FROM journal"
        f" WHERE account_type IN ('income', 'expense') AND event_type <> '{YEAR_CLOSE_TOPIC}'"
        " GROUP BY month, account, account_type ORDER BY month, account",
    ),
    "receivables": (
        ("open_items",),
        "SELECT party_id AS customer_id, currency, SUM(open_amount) AS receivable,"
        " SUM(open_functional) AS receivable_functional FROM open_items WHERE role = 'receivable'"
        " GROUP BY party_id, currency HAVING SUM(open_amount) <> 0 ORDER BY customer_id, currency",
    ),
    "pipeline": (
        ("deals",),
        "SELECT stage, currency, COUNT(*) AS deals, SUM(value) AS value, SUM(weighted) AS weighted"
        " FROM deals WHERE status = 'open' GROUP BY stage, currency ORDER BY stage, currency",
    ),
    "hours_by_person_month": (
        ("timesheets",),
        "SELECT person, date_trunc('month', day)::DATE AS month, SUM(hours) AS hours,"
        " SUM(CASE WHEN billable THEN hours ELSE 0 END) AS billable_hours FROM timesheets"
        " GROUP BY person, month ORDER BY person, month",
    ),
}


def load_tables(con: duckdb.DuckDBPyConnection, directory: Path, names: Sequence[str], copy: bool) -> None:
    """The datasets ``names`` of an export in ``directory`` as tables (``copy``) or as views over
    its files, the report views whose datasets are there, and ``_snapshot``."""
    for name in names:
        kind = "TABLE" if copy else "VIEW"
        file = str(directory / f"{name}.parquet").replace("'", "''")  # a view keeps no parameters: a literal
        con.execute(f"CREATE {kind} {name} AS SELECT * FROM read_parquet('{file}')")
    for view, (needs, sql) in REPORT_VIEWS.items():
        if set(needs) <= set(names):
            con.execute(f"CREATE VIEW {view} AS {sql}")
    body = json.loads((directory / PROVENANCE).read_text())
    snapshot = body["snapshot"]
    con.execute(
        "CREATE TABLE _snapshot AS SELECT ?::DATE AS as_of, ?::TIMESTAMPTZ AS known_at, ?::BIGINT AS position,"
        " ?::VARCHAR AS functional_currency, ?::VARCHAR AS digest, ?::JSON AS provenance",
        [
            snapshot["as_of"],
            snapshot["known_at"],
            snapshot["position"],
            snapshot["functional_currency"],
            body["digest"],
            json.dumps(body),
        ],
    )


def export_duckdb(
    keel: Keel, file: Path, snapshot: Snapshot, names: Sequence[str] = (), force: bool = False
) -> list[Written]:
    """The datasets ``names`` (all if none) of ``snapshot`` as tables of one DuckDB database
    ``file``, with the report views. An existing file is refused unless ``force``; then it is
    replaced by one rename once the new database is complete."""
    chosen = datasets_named(names)
    target = file.absolute()
    if target.is_dir() or file.is_symlink():
        raise InvalidValue(f"{file} is not a file Keel may write: choose a new one")
    if target.exists() and not force:
        raise InvalidValue(f"{file} exists: choose another file, or --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    partial.unlink()  # DuckDB makes its own file; the name is reserved by the folder's listing only
    try:
        with tempfile.TemporaryDirectory(prefix="keel-export-") as files:
            written = write_files(keel, Path(files), snapshot, chosen)
            con = duckdb.connect(str(partial))
            try:
                load_tables(con, Path(files), [d.name for d in chosen], copy=True)
                con.execute("CHECKPOINT")
            finally:
                con.close()
        partial.chmod(0o644)
        partial.replace(target)
    except BaseException:
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    return written


def open_snapshot(keel: Keel, snapshot: Snapshot, chosen: Sequence[Dataset], folder: Path) -> duckdb.DuckDBPyConnection:
    """A database in memory over the ``chosen`` datasets of ``snapshot``, their files written into
    ``folder`` (which must outlive the connection): what ``keel sql`` queries."""
    write_files(keel, folder, snapshot, chosen)
    con = duckdb.connect(":memory:")
    load_tables(con, folder, [d.name for d in chosen], copy=False)
    return con


def datasets_for(query: str | None) -> list[Dataset]:
    """The datasets a query names (as tables or through a report view); all when it names none
    (an interactive session, or a query over ``_snapshot`` alone)."""
    words = set(re.findall(r"[a-z_]+", (query or "").lower()))
    needed = {name for name in DATASETS if name in words}
    needed |= {d for view, (needs, _) in REPORT_VIEWS.items() if view in words for d in needs}
    return [DATASETS[name] for name in DATASETS if name in needed] or list(DATASETS.values())
