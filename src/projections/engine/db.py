"""The read-model database: SQLite (a second, disposable file beside the event store)
or PostgreSQL (the same database as the event store). One SQL dialect for both: queries
are written with ``%s`` placeholders and ``FOR UPDATE`` where a row lock is needed; the
SQLite side rewrites them. Money is stored as integer minor units, so sums are exact on
both backends.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from projections.engine.rounding import half_even
from projections.engine.sql import Cursor, Dialect, Row
from projections.engine.sqlite_values import folded_lower, sqlite_value


class _Rows:
    """Rows as plain tuples, whichever driver fetched them."""

    _cursor: Any

    def fetchone(self) -> Row | None:
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None

    def fetchall(self) -> list[Row]:
        return [tuple(r) for r in self._cursor.fetchall()]


class _SQLiteCursor(_Rows):
    dialect: Dialect = "sqlite"

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%s", "?").replace(" FOR UPDATE", "")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._sql(sql), tuple(map(sqlite_value, params)))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(self._sql(sql), [tuple(map(sqlite_value, r)) for r in rows])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(columns))
        self._cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(map(sqlite_value, r)) for r in rows],
        )


class _PostgresCursor(_Rows):
    """A cursor in one PostgreSQL transaction. Pipelined, it sends statements without waiting for
    each answer (a statement whose result is fetched waits for those queued before it); COPY
    cannot run in a pipeline, so ``copy_rows`` leaves it first and the next statement re-enters it."""

    dialect: Dialect = "postgres"

    def __init__(self, conn: Any, cursor: Any, pipelined: bool) -> None:
        self._conn, self._cursor, self._pipelined = conn, cursor, pipelined
        self._context: Any = None
        self._pipeline: Any = None

    def _enter(self) -> None:
        if self._pipelined and self._pipeline is None:
            self._context = self._conn.pipeline()
            self._pipeline = self._context.__enter__()

    def leave(self, *exc: Any) -> None:
        """Leave the pipeline: wait for every queued statement (raising its error, if any)."""
        context, self._context, self._pipeline = self._context, None, None
        if context is not None:
            context.__exit__(*(exc or (None, None, None)))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._enter()
        if self._pipeline is not None and sql.lstrip()[:6].upper() in ("SELECT", "WITH"):
            # Its rows will be fetched: first take in the results of everything queued, which would
            # otherwise arrive on this cursor after the query was sent and stand in for its rows.
            self._pipeline.sync()
        self._cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._enter()
        self._cursor.executemany(sql, rows)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.leave()
        # Binary COPY (twice as fast as text) needs each column's type: asked of the catalog each
        # time, so a table recreated with other types by a new projection version is never misread.
        self._cursor.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (table,),
        )
        types = dict(self._cursor.fetchall())
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([types[c] for c in columns])
            for row in rows:
                copy.write_row(row)


READERS = 3  # threads per process for ``ViewDatabase.gather``


class ViewDatabase:
    """Connections to the read-model store; ``transaction()`` is one atomic write."""

    def __init__(self, url: str, *, schemas: Sequence[str] = (), attach: str | None = None) -> None:
        """``schemas`` (PostgreSQL) and ``attach`` (SQLite: a file attached as ``real``) make a
        branch of other read models: unqualified names are looked for in the branch first, then
        in the real ones (a scenario's, ``projections.scenarios.branch``)."""
        self.url = url
        self.attach = attach
        self.dialect: Dialect
        self._local = threading.local()
        self._sqlite_conns: list[sqlite3.Connection] = []
        self._pool: Any = None
        self._readers: ThreadPoolExecutor | None = None
        self._readers_lock = threading.Lock()
        if url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            self._path = unquote(url[len("sqlite:///") :])
            if not Path(self._path).parent.is_dir():
                raise ValueError(f"the folder {Path(self._path).parent} of {url} does not exist")
        elif url.startswith(("postgresql://", "postgres://")):
            from projections.engine.pool import view_pool  # rides out a database that goes away

            self.dialect = "postgres"
            self._pool = view_pool(url, schemas)
        else:
            raise ValueError(f"unsupported read-model database URL {url!r}")

    @property
    def path(self) -> str:
        """The SQLite file of these read models."""
        return self._path

    def _sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            # SQLite's lower() folds ASCII only, so "ärzte" would not find "Ärzte Praxis"; Python's
            # folds every script, as PostgreSQL's does. (No index is built on lower().)
            conn.create_function("lower", 1, folded_lower, deterministic=True)
            conn.create_function("keel_half_even", 3, half_even, deterministic=True)
            if self.attach is not None:
                conn.execute("ATTACH DATABASE ? AS real", (self.attach,))
            self._local.conn = conn
            self._sqlite_conns.append(conn)
        return conn

    @contextmanager
    def transaction(self, pipelined: bool = False) -> Iterator[Cursor]:
        """One write transaction: everything in it commits together or not at all.

        ``pipelined`` (PostgreSQL) sends statements without waiting for each answer, so folding a
        page of events costs a few round trips instead of one per statement; a statement whose
        result is fetched waits for what was queued before it, and an error still aborts the
        whole transaction."""
        if self.dialect == "sqlite":
            conn = self._sqlite()
            # A branch writes only its own file: a deferred transaction locks no attached one.
            conn.execute("BEGIN" if self.attach else "BEGIN IMMEDIATE")
            try:
                yield _SQLiteCursor(conn.cursor())
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        else:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as raw:
                cur = _PostgresCursor(conn, raw, pipelined)
                try:
                    yield cur
                except BaseException:
                    cur.leave(*sys.exc_info())
                    raise
                cur.leave()  # before the commit: an error of a queued statement rolls it all back

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        """A consistent snapshot for one query (inside ``gather``: the gathered reads' one)."""
        held = getattr(self._local, "held", None)
        if self.dialect == "sqlite":
            if held is not None:
                yield _SQLiteCursor(held.cursor())
                return
            conn = self._sqlite()
            conn.execute("BEGIN")
            try:
                yield _SQLiteCursor(conn.cursor())
            finally:
                conn.execute("COMMIT")
        elif held is not None:
            with held.cursor() as raw:
                yield _PostgresCursor(held, raw, pipelined=False)
        else:
            snapshot = getattr(self._local, "snapshot", None)
            with self._pool.connection() as conn:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                if snapshot:  # an identifier PostgreSQL made (hex digits and dashes): not a parameter
                    conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                with conn.cursor() as raw:
                    yield _PostgresCursor(conn, raw, pipelined=False)
                conn.rollback()

    def copy_out(self, query: str, params: Sequence[Any] = ()) -> Iterator[bytes] | None:
        """``query``'s rows as CSV, in chunks, straight from PostgreSQL's ``COPY`` (no Python object
        per row: what an export of a million rows needs); None on SQLite, which has no ``COPY``."""
        if self.dialect != "postgres":
            return None
        return self._copied(query, params)

    def _copied(self, query: str, params: Sequence[Any]) -> Iterator[bytes]:
        with self._pool.connection() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            conn.execute("SET LOCAL TIME ZONE 'UTC'")  # moments as 2026-09-30 10:40:00+00, in UTC
            with conn.cursor() as raw, raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for chunk in copy:
                    yield bytes(chunk)
            conn.rollback()

    def gather(self, *calls: Callable[[], Any], one_snapshot: bool = True) -> list[Any]:
        """Run independent reads at once, each on its own connection, and return their results
        in order: a report made of several queries then waits for the slowest, not for their sum
        (the database works on them in parallel; the driver lets go of Python's lock while it
        waits). The calls must not gather themselves: they would wait for the workers they hold.

        ``one_snapshot``: every ``read()`` the calls make sees the same snapshot of the database
        (on PostgreSQL one exported to the other connections; on SQLite the calls take turns in
        one transaction), so a report assembled from them agrees with itself and with the log
        position it gives, even while projections fold on."""
        if len(calls) < 2:
            return [call() for call in calls]
        if self.dialect == "sqlite":
            if not one_snapshot:
                return [call() for call in calls]
            with self._held_sqlite():
                return [call() for call in calls]
        if self._readers is None:
            with self._readers_lock:
                if self._readers is None:
                    self._readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="keel-read")
        *rest, last = calls
        if not one_snapshot:
            futures = [self._readers.submit(call) for call in rest]
            mine = last()  # this thread works too
            return [*(f.result() for f in futures), mine]
        with self._pool.connection() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            snapshot = str(row[0]) if row else ""
            futures = [self._readers.submit(self._in_snapshot, snapshot, call) for call in rest]
            self._local.held = conn  # this thread's reads share the exporting transaction
            try:
                mine = last()
            finally:
                self._local.held = None
                wait(futures)  # the snapshot lives only as long as the transaction that exported it
            conn.rollback()
        return [*(f.result() for f in futures), mine]

    def _in_snapshot(self, snapshot: str, call: Callable[[], Any]) -> Any:
        self._local.snapshot = snapshot
        try:
            return call()
        finally:
            self._local.snapshot = None

    @contextmanager
    def _held_sqlite(self) -> Iterator[None]:
        conn = self._sqlite()
        conn.execute("BEGIN")
        self._local.held = conn
        try:
            yield
        finally:
            self._local.held = None
            conn.execute("COMMIT")

    def refresh_statistics(self, tables: Sequence[str]) -> None:
        """ANALYZE tables filling in bulk, midway: planned for the rows they had at the last
        autovacuum, the fold's lookups by key (spans to close, current spans) would become
        sequential scans of the whole table, once per page, and a rebuild quadratic."""
        if self.dialect == "sqlite":
            return  # its planner has no statistics until ANALYZE, and uses the indexes without
        with self._pool.connection() as conn:
            # A sample of 3,000 rows, not 30,000: enough to cost a lookup against a scan; the
            # rebuild's last ANALYZE (see ``analyze``) takes the full sample.
            conn.execute("SET LOCAL default_statistics_target = 10")
            for table in tables:
                conn.execute(f"ANALYZE {table}")

    def analyze(self, tables: Sequence[str]) -> None:
        """Refresh the planner's statistics of tables just filled in bulk (a rebuild), so queries
        are planned for the rows they have, not for the empty tables they were. On PostgreSQL
        a table whose rows were also updated (spans closed) is vacuumed too: the dead versions
        keep index entries that every query would visit until autovacuum came by. (Vacuuming
        the insert-only ones would cost a full scan of each, for nothing a query needs.) Its
        R-tree (GiST) indexes are built again, without blocking readers: one grown entry by
        entry in log order, through updates, searched five times the pages of one built in a
        single pass over the same rows (2,871 against 548 for one day's open items at 1M events)."""
        if self.dialect == "sqlite":
            with self.transaction() as cur:
                for table in tables:
                    cur.execute(f"ANALYZE {table}")
            return
        with self._pool.connection() as conn:
            found = conn.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) AND n_dead_tup > 0", [list(tables)]
            )
            churned = [str(row[0]) for row in found.fetchall()]
            found = conn.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am a ON a.oid = c.relam"
                " WHERE a.amname = 'gist' AND t.relname = ANY(%s) AND pg_table_is_visible(t.oid)",
                [churned],
            )
            r_trees = [str(row[0]) for row in found.fetchall()]
            conn.commit()
            conn.autocommit = True  # VACUUM and REINDEX CONCURRENTLY run outside a transaction
            try:
                for index in r_trees:
                    conn.execute(f"REINDEX INDEX CONCURRENTLY {index}")
                for table in tables:
                    conn.execute(f"VACUUM (ANALYZE) {table}" if table in churned else f"ANALYZE {table}")
            finally:
                conn.autocommit = False

    def set_aside(self, cur: Cursor, indexes: Sequence[str]) -> list[tuple[str, str]]:
        """Drop these indexes, returning each one's name and definition, to build it again once
        its table is filled (see ``ProjectionEngine.rebuild``). Names this backend has no index
        of are passed over (SQLite has no partial span indexes)."""
        found = []
        for name in indexes:
            if self.dialect == "postgres":
                cur.execute("SELECT pg_get_indexdef(to_regclass(%s))", (name,))
            else:
                cur.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", (name,))
            row = cur.fetchone()
            if row is None or row[0] is None:
                continue
            found.append((name, str(row[0])))
            cur.execute(f"DROP INDEX {name}")
        return found

    @contextmanager
    def advisory_lock(self, key: int) -> Iterator[None]:
        """Hold PostgreSQL's advisory lock ``key`` for the block, on a connection of its own outside
        any transaction (a session's lock: it holds nothing else up)."""
        with self._pool.connection() as conn:
            conn.commit()
            conn.autocommit = True
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (key,))
                try:
                    yield
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            finally:
                conn.autocommit = False

    def lock_schema(self, cur: Cursor, shared: bool = False) -> None:
        """Serialise schema changes between processes (SQLite's write lock already does);
        ``shared``: changes that may run beside each other (indexes built at once), not beside
        the others (a table dropped and created again)."""
        if self.dialect == "postgres":
            kind = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            cur.execute(f"SELECT {kind}(%s)", (0x6B65656C,))  # "keel"

    def close(self) -> None:
        if self._readers is not None:
            self._readers.shutdown(wait=True)
            self._readers = None
        if self._pool is not None:
            self._pool.close()
        for conn in self._sqlite_conns:
            conn.close()
        self._sqlite_conns.clear()
        self._local = threading.local()
