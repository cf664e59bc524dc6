"""Rebuilding a projection beside the one that serves: build, compare, switch.

``ShadowRebuild`` folds the whole log into a new generation of a projection's tables
(``gl_lines__g7``, …) while the serving tables keep answering and following the log. It tracks
its own position (``general_ledger__g7`` in ``keel_tracking``), so a rebuild killed midway
resumes where it stopped. ``diff()`` compares the generations table by table (rows, and the sum
of every money column). ``switch()`` catches the new generation up to the serving one under the
serving tracking row's lock, then, in that one transaction, drops the old tables and renames the
new ones into their place: readers see the old generation or the new one, never a mix.

The projection's own SQL names its tables; the shadow generation runs the same SQL through a
cursor that renames them (and their indexes) to the generation's names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from projections.engine.db import ViewDatabase
from projections.engine.engine import EPOCH, ProjectionEngine, StatisticsRefresh
from projections.engine.projection import Projection
from projections.engine.reading import PageReader, fewer_collections
from projections.engine.sql import Cursor, Row

SAMPLE = 5


class RenamingCursor:
    """Runs a projection's SQL against another generation of its tables."""

    def __init__(self, cursor: Cursor, tables: Sequence[str], suffix: str) -> None:
        self._cursor = cursor
        self.dialect = cursor.dialect
        names = sorted(tables, key=len, reverse=True)  # longest first: people_terms before people
        self._pattern = re.compile(rf"\b({'|'.join(map(re.escape, names))})(\w*)")
        self._suffix = suffix

    def _sql(self, sql: str) -> str:
        return self._pattern.sub(lambda m: f"{m.group(1)}{self._suffix}{m.group(2)}", sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(self._sql(sql), rows)

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self._cursor.copy_rows(self._sql(table), columns, rows)


@dataclass
class TableDiff:
    table: str
    rows_serving: int
    rows_rebuilt: int
    only_serving: int
    only_rebuilt: int
    totals_serving: dict[str, int] = field(default_factory=dict)  # money columns, in minor units
    totals_rebuilt: dict[str, int] = field(default_factory=dict)
    samples_serving: list[Row] = field(default_factory=list)
    samples_rebuilt: list[Row] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return self.only_serving == 0 and self.only_rebuilt == 0


@dataclass
class Diff:
    projection: str
    serving_version: int
    rebuilt_version: int
    position: int
    tables: list[TableDiff]

    @property
    def same(self) -> bool:
        return all(t.same for t in self.tables)


class ShadowRebuild:
    def __init__(self, engine: ProjectionEngine, name: str) -> None:
        self.engine = engine
        self.db: ViewDatabase = engine.db
        self.projection: Projection = engine._get(name)
        self.name = name
        self.generation = self._generation()
        self.suffix = f"__g{self.generation}"
        self.tracking = f"{name}{self.suffix}"

    # -- generations -----------------------------------------------------------------

    def _generation(self) -> int:
        """The unfinished generation to resume, else the next one."""
        with self.db.read() as cur:
            cur.execute("SELECT projection FROM keel_tracking WHERE projection LIKE %s", (f"{self.name}__g%",))
            pending = [int(str(r[0]).rsplit("__g", 1)[1]) for r in cur.fetchall()]
        if pending:
            return max(pending)
        return int(datetime.now(UTC).timestamp() * 1000)  # unique and increasing

    def _cursor(self, cur: Cursor) -> RenamingCursor:
        return RenamingCursor(cur, self.projection.tables, self.suffix)

    def start(self) -> bool:
        """Create the new generation's tables unless a rebuild is being resumed; True if resumed."""
        with self.db.transaction() as cur:
            self.db.lock_schema(cur)
            cur.execute("SELECT position FROM keel_tracking WHERE projection = %s", (self.tracking,))
            if cur.fetchone() is not None:
                return True
            for table in self.projection.tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}{self.suffix}")
            self.projection.create(self._cursor(cur))
            cur.execute(
                "INSERT INTO keel_tracking (projection, position, clock, schema_version, updated_at)"
                " VALUES (%s, 0, %s, %s, %s)",
                (self.tracking, EPOCH, self.projection.schema_version, datetime.now(UTC)),
            )
        return False

    # -- folding -----------------------------------------------------------------------

    def _page(self, cur: Cursor, reader: PageReader | None = None) -> int:
        reader = reader or self.engine.reader(self.projection, self.engine.rebuild_page_size, ahead=False)
        return self.engine.fold_page(cur, self.projection, self.tracking, reader, self._cursor(cur))

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Fold the log into the new generation up to the head; ``progress(done, position)``."""
        total = 0
        reader = self.engine.reader(self.projection, self.engine.rebuild_page_size)
        statistics = StatisticsRefresh(self.db, [f"{table}{self.suffix}" for table in self.projection.tables])
        with fewer_collections():
            while True:
                with self.db.transaction(pipelined=True) as cur:
                    n = self._page(cur, reader)
                if not n:
                    return total
                total += n
                statistics.folded(total)
                if progress:
                    progress(n, self.position())

    def position(self) -> int:
        return self.engine.positions().get(self.tracking, 0)

    # -- comparing and switching -------------------------------------------------------

    def diff(self) -> Diff:
        """Table by table: rows in each generation, rows only in one, and the sums of money columns."""
        serving = self.engine.positions().get(self.name, 0)
        tables = []
        with self.db.read() as cur:
            cur.execute("SELECT schema_version FROM keel_tracking WHERE projection = %s", (self.name,))
            row = cur.fetchone()
            serving_version = int(row[0]) if row else 0
            for table in self.projection.tables:
                new = f"{table}{self.suffix}"
                columns = self._columns(cur, table, new)
                if not columns:  # a table the serving generation does not have
                    rebuilt_rows = self._count(cur, f"SELECT COUNT(*) FROM {new}")
                    tables.append(TableDiff(table, 0, rebuilt_rows, 0, rebuilt_rows))
                    continue
                cols = ", ".join(columns)
                money = [c for c in columns if c.endswith("_minor")]
                gone = f"SELECT {cols} FROM {table} EXCEPT SELECT {cols} FROM {new}"
                added = f"SELECT {cols} FROM {new} EXCEPT SELECT {cols} FROM {table}"
                tables.append(
                    TableDiff(
                        table,
                        self._count(cur, f"SELECT COUNT(*) FROM {table}"),
                        self._count(cur, f"SELECT COUNT(*) FROM {new}"),
                        self._count(cur, f"SELECT COUNT(*) FROM ({gone}) d"),
                        self._count(cur, f"SELECT COUNT(*) FROM ({added}) d"),
                        self._sums(cur, table, money),
                        self._sums(cur, new, money),
                        self._rows(cur, gone),
                        self._rows(cur, added),
                    )
                )
        return Diff(self.name, serving_version, self.projection.schema_version, serving, tables)

    def _columns(self, cur: Cursor, serving: str, rebuilt: str) -> list[str]:
        """The columns both generations have, in the rebuilt one's order."""

        def names(table: str) -> list[str]:
            if self.db.dialect == "sqlite":
                cur.execute(f"SELECT name FROM pragma_table_info('{table}')")
            else:
                cur.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position",
                    (table,),
                )
            return [str(r[0]) for r in cur.fetchall()]

        old = set(names(serving))
        return [c for c in names(rebuilt) if c in old]

    @staticmethod
    def _count(cur: Cursor, sql: str) -> int:
        cur.execute(sql)
        row = cur.fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _sums(cur: Cursor, table: str, columns: list[str]) -> dict[str, int]:
        if not columns:
            return {}
        cur.execute(f"SELECT {', '.join(f'COALESCE(SUM({c}), 0)' for c in columns)} FROM {table}")
        row = cur.fetchone() or ()
        return {c: int(v) for c, v in zip(columns, row, strict=False)}

    @staticmethod
    def _rows(cur: Cursor, sql: str) -> list[Row]:
        cur.execute(f"{sql} LIMIT {SAMPLE}")
        return cur.fetchall()

    def switch(self) -> int:
        """Make the new generation the serving one, atomically; return the position it serves from."""
        self.catch_up()
        self.db.analyze([f"{table}{self.suffix}" for table in self.projection.tables])  # stats go with the rename
        with self.db.transaction() as cur:
            self.db.lock_schema(cur)
            # Holding the serving row's lock stops the live runner; the new generation then takes
            # whatever was appended since its last page, so it starts serving at the head.
            cur.execute("SELECT position FROM keel_tracking WHERE projection = %s FOR UPDATE", (self.name,))
            while self._page(cur):
                pass
            cur.execute("SELECT position, clock FROM keel_tracking WHERE projection = %s", (self.tracking,))
            row = cur.fetchone()
            assert row is not None
            position, clock = int(row[0]), row[1]
            for table in self.projection.tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
                cur.execute(f"ALTER TABLE {table}{self.suffix} RENAME TO {table}")
            for table in getattr(self.projection, "retired_tables", ()):
                cur.execute(f"DROP TABLE IF EXISTS {table}")
            cur.execute("DELETE FROM keel_tracking WHERE projection IN (%s, %s)", (self.name, self.tracking))
            cur.execute(
                "INSERT INTO keel_tracking (projection, position, clock, schema_version, updated_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (self.name, position, clock, self.projection.schema_version, datetime.now(UTC)),
            )
        return position

    def abandon(self) -> None:
        """Drop the new generation; the serving one is untouched."""
        with self.db.transaction() as cur:
            self.db.lock_schema(cur)
            for table in self.projection.tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}{self.suffix}")
            cur.execute("DELETE FROM keel_tracking WHERE projection = %s", (self.tracking,))
