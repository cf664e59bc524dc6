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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from api.exports.parquet import PROVENANCE, Written, datasets_named, write_files
from api.exports.views import REPORT_VIEWS
from ledger.errors import InvalidValue
from projections.exports.catalog import DATASETS
from projections.exports.datasets import Dataset, Snapshot


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


if TYPE_CHECKING:
    from api.system import Keel


def export_duckdb(
    keel: Keel, file: Path, snapshot: Snapshot, names: Sequence[str] = (), force: bool = False
) -> list[Written]:
    """The datasets ``names`` (all if none) of ``snapshot`` as tables of one DuckDB database
    ``file``, with the report views. An existing file is refused unless ``force``; then it is
    replaced by one rename once the new database is complete."""
    chosen = datasets_named(names, keel)
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
        target.with_name(target.name + ".wal").unlink(missing_ok=True)  # the old file's log would not fit the new
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


def datasets_for(query: str | None, available: Mapping[str, Dataset]) -> list[Dataset]:
    """The datasets a query names (as tables or through a report view) among ``available``; Keel's
    own when it names none (a session, or a query over ``_snapshot`` alone): a plug-in's answer
    only when named."""
    words = set(re.findall(r"[a-z_][a-z0-9_]*", (query or "").lower()))
    needed = {name for name in available if name in words}
    needed |= {d for view, (needs, _) in REPORT_VIEWS.items() if view in words for d in needs}
    chosen = [d for name, d in available.items() if name in needed]
    return chosen or [d for name, d in available.items() if name in DATASETS]
