"""The projection engine: folds the global log into read models, exactly once.

For each projection, a page of events and the tracking row that says how far it got
are written in one transaction, under a lock on that tracking row: a crash at any
point leaves either the whole page or none of it, and two runners never process the
same page. The engine stamps every event with the log's clock: the running maximum of the
times the events were appended (written inside the append transaction, see
``commands.recorders``), which only grows with the position, so "known at K" is a plain
``recorded_at <= K`` filter that never shows a state the log never had.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial

from ledger.topics import topics_of
from projections.engine.db import ViewDatabase
from projections.engine.following import Follower
from projections.engine.health import (
    CLEARED,
    Failure,
    FailureLog,
    ProjectionFailed,
    Status,
    add_failure_columns,
    describe,
    read_status,
    record,
    setup_failed,
    transient,
)
from projections.engine.projection import Fact, Projection
from projections.engine.reading import EventLog, PageReader, fewer_collections
from projections.engine.sql import Cursor, as_datetime
from projections.engine.waits import PositionWaits

log = logging.getLogger("keel.projections")

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS keel_tracking (
    projection TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    clock TIMESTAMPTZ,
    schema_version INTEGER NOT NULL,
    updated_at TIMESTAMPTZ,
    events_per_second DOUBLE PRECISION
)"""

# Indexes set aside while a rebuild fills their tables, to be built once it has (see ``rebuild``).
PENDING_DDL = """CREATE TABLE IF NOT EXISTS keel_pending_indexes
(name TEXT PRIMARY KEY, projection TEXT NOT NULL, definition TEXT NOT NULL)"""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ANALYZE_AFTER = 5000  # events folded in one catch-up after which the planner's statistics are refreshed


class StatisticsRefresh:
    """The planner's statistics of tables filled by a long catch-up, refreshed as they grow: after
    20k, 40k, 80k … events folded, so a handful of ANALYZE in all (see ``refresh_statistics``)."""

    def __init__(self, db: ViewDatabase, tables: Sequence[str]) -> None:
        self.db, self.tables, self.at = db, tables, 4 * ANALYZE_AFTER

    def folded(self, total: int) -> None:
        if total >= self.at:
            self.db.refresh_statistics(self.tables)
            self.at = 2 * total


class ProjectionEngine(PositionWaits):
    def __init__(
        self,
        db: ViewDatabase,
        log: EventLog,
        projections: Iterable[Projection],
        page_size: int = 500,
        rebuild_page_size: int = 5000,
    ) -> None:
        self.db = db
        self.log = log
        self.projections: dict[str, Projection] = {p.name: p for p in projections}
        self.page_size = page_size
        # A rebuild reads the log in larger pages: fewer transactions, same atomicity per page.
        self.rebuild_page_size = max(rebuild_page_size, page_size)
        # Off only to prove that reading every event gives the same read models (a test does).
        self.filter_topics = True
        self._pool: ThreadPoolExecutor | None = None
        self._wake = threading.Event()
        self._follower = Follower(self.catch_up, self._wake)
        self._failures, self.unset = FailureLog(), set[str]()  # unset: plug-ins without tables, never folded
        super().__init__()

    # -- schema --------------------------------------------------------------------

    def setup(self, reset_changed: bool = True) -> None:
        """Create missing tables; rebuild any projection whose schema version changed (unless
        ``reset_changed`` is False: then the older version keeps serving until a rebuild beside it
        switches; see ``projections.engine.shadow``)."""
        with self.db.transaction() as cur:
            self.db.lock_schema(cur)
            cur.execute(TRACKING_DDL)
            cur.execute(PENDING_DDL)
            columns = self._tracking_columns(cur)
            if "events_per_second" not in columns:  # tracking tables of before it
                cur.execute("ALTER TABLE keel_tracking ADD COLUMN events_per_second DOUBLE PRECISION")
            add_failure_columns(cur, columns)
        for projection in self.projections.values():
            try:
                self._set_up(projection, reset_changed)
            except Exception as exc:
                if not getattr(projection, "isolated", False) or transient(exc):
                    raise
                setup_failed(self.db, projection.name, exc)  # a plug-in's: it alone stays stopped, and says why
                self.unset.add(projection.name)
        self._build_pending_indexes()  # those of a rebuild that stopped before its end

    def _set_up(self, projection: Projection, reset_changed: bool) -> None:
        with self.db.transaction() as cur:
            self.db.lock_schema(cur)
            cur.execute("SELECT schema_version FROM keel_tracking WHERE projection = %s", (projection.name,))
            row = cur.fetchone()
            if row is not None and (row[0] == projection.schema_version or not reset_changed):
                return
            if row is not None:
                log.warning(
                    "projection %s changed schema (%s -> %s): rebuilding",
                    projection.name,
                    row[0],
                    projection.schema_version,
                )
            self._reset(cur, projection)

    def _tracking_columns(self, cur: Cursor) -> set[str]:
        if self.db.dialect == "sqlite":
            cur.execute("SELECT name FROM pragma_table_info('keel_tracking')")
        else:
            cur.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'keel_tracking' AND table_schema = current_schema()"
            )
        return {str(r[0]) for r in cur.fetchall()}

    def _reset(self, cur: Cursor, projection: Projection) -> None:
        for table in (*projection.tables, *getattr(projection, "retired_tables", ())):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        projection.create(cur)
        cur.execute("DELETE FROM keel_tracking WHERE projection = %s", (projection.name,))
        cur.execute("DELETE FROM keel_pending_indexes WHERE projection = %s", (projection.name,))
        cur.execute(
            "INSERT INTO keel_tracking (projection, position, clock, schema_version, updated_at)"
            " VALUES (%s, 0, %s, %s, %s)",
            (projection.name, EPOCH, projection.schema_version, datetime.now(UTC)),
        )

    def _get(self, name: str) -> Projection:
        try:
            return self.projections[name]
        except KeyError:
            known = ", ".join(sorted(self.projections))
            raise KeyError(f"no projection named {name!r}; known: {known}") from None

    # -- processing ----------------------------------------------------------------

    def process_page(self, name: str, page_size: int | None = None, reader: PageReader | None = None) -> int:
        """Apply the next page of the log to one projection; return how many log positions it covered."""
        projection = self._get(name)
        reader = reader or self.reader(projection, page_size or self.page_size, ahead=False)
        with self.db.transaction(pipelined=True) as cur:
            return self.fold_page(cur, projection, name, reader)

    def reader(self, projection: Projection, page_size: int, ahead: bool = True) -> PageReader:
        """Pages of the log for this projection; ``ahead``: each full page's successor is read meanwhile."""
        if ahead and self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keel-log-reader")
        return PageReader(self.log, page_size, self._topics(projection), self._pool if ahead else None)

    def fold_page(
        self, cur: Cursor, projection: Projection, tracking: str, reader: PageReader, target: Cursor | None = None
    ) -> int:
        """In ``cur``'s transaction: fold the events after the tracking row ``tracking`` into
        ``target`` (``cur`` unless given) and move the row on. Events of topics the projection
        does not fold are skipped unread; the row still moves past them. Returns the positions covered."""
        started = time.perf_counter()
        if cur.dialect == "postgres":
            # A fold looks rows up by key (spans to close, an item's current spans). Planned from
            # statistics a page or two old, a lookup of thousands of keys in a growing table is
            # costed as a sequential scan, each page: a rebuild would grow quadratic in the log.
            cur.execute("SET LOCAL enable_seqscan = off")
            # Nor need a page wait for its commit to reach the disk: the tracking row commits with
            # the rows, so a crash can only lose whole pages at the end, which are folded again.
            cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SELECT position, clock FROM keel_tracking WHERE projection = %s FOR UPDATE", (tracking,))
        row = cur.fetchone()
        if row is None:
            raise RuntimeError(f"projection {tracking} is not set up; run setup() first")
        position, clock = int(row[0]), as_datetime(row[1]) or EPOCH
        page = reader.page(position)
        if page.reached <= position:
            return 0
        facts = []
        for pos, event in page.events:
            clock = max(clock, page.times.get(pos, event.timestamp))
            facts.append(Fact(pos, clock, event))
        clock = max(clock, page.times.get(page.reached, clock))
        if facts:
            projection.apply(target or cur, facts)
        rate = (page.reached - position) / max(time.perf_counter() - started, 1e-6)
        cur.execute(
            "UPDATE keel_tracking SET position = %s, clock = %s, updated_at = %s, events_per_second = %s,"
            f" {CLEARED} WHERE projection = %s",
            (page.reached, clock, datetime.now(UTC), rate, tracking),
        )
        return page.reached - position

    def _topics(self, projection: Projection) -> tuple[str, ...]:
        folds = projection.folds
        return topics_of(tuple(folds)) if folds is not None and self.filter_topics else ()

    def catch_up(
        self,
        names: Iterable[str] | None = None,
        progress: Callable[[str, int], None] | None = None,
        page_size: int | None = None,
    ) -> int:
        """Process until every named projection has reached the head of the log.

        A projection that fails on an event stops just before it, without holding the others
        back; every failure is logged and recorded on its tracking row (``projections.engine.health``),
        and the first is raised once the others have caught up (a plug-in's is not: it stops alone).
        """
        total = 0
        failure: ProjectionFailed | None = None
        head, positions = (self.log.head_position(), self.positions()) if page_size is None else (0, {})
        for name in names or list(self.projections):
            if name in self.unset or (page_size is None and positions.get(name, 0) >= head):
                continue  # at the head: no transaction (a follower polls twenty of these four times a second)
            folded = 0
            # Far behind (a new or reset projection, a long stop), pages of a rebuild's size: the
            # follower's small pages keep a live transaction short, not a catch-up fast.
            far = head - positions.get(name, 0) > self.rebuild_page_size
            size = page_size or (self.rebuild_page_size if far else self.page_size)
            reader = self.reader(self._get(name), size)
            statistics = StatisticsRefresh(self.db, self.projections[name].tables)
            try:
                while n := self._page_or_failure(name, size, reader):
                    folded += n
                    self._failures.folded(name)
                    self.moved()
                    if progress:
                        progress(name, n)
                    statistics.folded(folded)
            except ProjectionFailed as failed:  # a plug-in's is recorded and logged, and stops it alone
                failure = failure or (None if getattr(self.projections[name], "isolated", False) else failed)
            except Exception as exc:  # the progress callback's
                failure = failure or ProjectionFailed(name, self._position(name), exc)
            if folded >= ANALYZE_AFTER:
                self.db.analyze(self.projections[name].tables)
            total += folded
        if failure:
            raise failure
        return total

    def _page_or_failure(self, name: str, size: int, reader: PageReader) -> int:
        try:
            return self.process_page(name, size, reader)
        except Exception as exc:
            position = self._position(name)
            if transient(exc):
                raise ProjectionFailed(name, position, exc) from exc
            found = self._isolate(name)
            if found is None:  # folded one by one, nothing fails now: go on from where that got
                return self._position(name) - position
            with self.db.transaction() as cur:
                record(cur, name, found)
            self.moved()  # requests waiting for it are told at once
            failed = ProjectionFailed(name, self._position(name), exc, found)
            self._failures.logged(failed)
            raise failed from exc

    def _isolate(self, name: str) -> Failure | None:
        """Fold the failed page again one event at a time: the events before the culprit are
        folded, and the culprit is named. None if nothing fails now."""
        projection = self._get(name)
        reader = self.reader(projection, 1, ahead=False)
        while True:
            position = self._position(name)
            page = reader.page(position)
            if page.reached <= position:
                return None
            try:
                with self.db.transaction(pipelined=True) as cur:
                    self.fold_page(cur, projection, name, reader)
            except Exception as exc:
                if transient(exc):
                    raise
                at, event = page.events[0] if page.events else (page.reached, None)
                return describe(at, event, exc)

    def _position(self, name: str) -> int:
        return self.positions().get(name, 0)

    def rebuild(self, name: str, progress: Callable[[str, int], None] | None = None) -> int:
        """Drop a projection's tables and fold the whole log into them again.

        The indexes only its queries use (``query_indexes``) are built once the tables are full,
        not grown entry by entry while they fill: building one from all the rows at once costs a
        fraction of keeping it up to date through a million inserts, and an R-tree built so
        searches about a fifth of the pages (see ``ViewDatabase.analyze``). Until then they are
        recorded as pending, so a rebuild that stops midway has them built by the next
        ``setup()`` or rebuild."""
        projection = self._get(name)
        with self.db.transaction() as cur:
            self.db.lock_schema(cur)
            cur.execute("SELECT position FROM keel_tracking WHERE projection = %s FOR UPDATE", (name,))
            self._reset(cur, projection)
            for index, definition in self.db.set_aside(cur, getattr(projection, "query_indexes", ())):
                cur.execute(
                    "INSERT INTO keel_pending_indexes (name, projection, definition) VALUES (%s, %s, %s)",
                    (index, name, definition),
                )
        with fewer_collections():
            folded = self.catch_up([name], progress, self.rebuild_page_size)
        self._build_pending_indexes(name)
        return folded

    def _build_pending_indexes(self, name: str | None = None) -> None:
        """Build the indexes a rebuild set aside, several at once on PostgreSQL (each on its own
        connection: building one keeps a core busy, and the fold that would use the others is
        over). Each is built and struck off the list in one transaction, the row held meanwhile:
        a process starting at the same time waits for it, then finds it built."""
        with self.db.read() as cur:
            cur.execute(
                "SELECT name FROM keel_pending_indexes" + (" WHERE projection = %s" if name else "") + " ORDER BY name",
                (name,) if name else (),
            )
            pending = [str(row[0]) for row in cur.fetchall()]

        def build(index: str) -> None:
            with self.db.transaction() as cur:
                self.db.lock_schema(cur, shared=True)  # no reset drops the table meanwhile
                cur.execute("SELECT definition FROM keel_pending_indexes WHERE name = %s FOR UPDATE", (index,))
                row = cur.fetchone()
                if row is not None:
                    cur.execute(str(row[0]))
                    cur.execute("DELETE FROM keel_pending_indexes WHERE name = %s", (index,))

        builds = [partial(build, index) for index in pending]
        if self.db.dialect == "postgres":
            self.db.gather(*builds, one_snapshot=False)
        else:
            for call in builds:
                call()

    # -- status and read-your-writes ----------------------------------------------

    def positions(self) -> dict[str, int]:
        with self.db.read() as cur:
            cur.execute("SELECT projection, position FROM keel_tracking")
            return {str(r[0]): int(r[1]) for r in cur.fetchall()}

    def status(self) -> list[Status]:
        return read_status(self.db, self.log.head_position(), self.projections)

    # -- following the log ---------------------------------------------------------

    def notify(self, _position: int | None = None) -> None:
        """Wake the follower now (a local write happened) instead of at the next poll."""
        self._wake.set()

    def run_forever(
        self, poll_interval: float = 0.25, stop: threading.Event | None = None, names: Sequence[str] | None = None
    ) -> None:
        """Catch up, then follow the log until stopped (see ``projections.engine.following``); only
        the projections ``names`` when given, so that each may have a process of its own."""
        self._follower.run_forever(poll_interval, stop, names)

    @property
    def following(self) -> bool:
        """Whether a follower thread of this process keeps the read models up."""
        return self._follower.running

    def start(self, poll_interval: float = 0.25) -> None:
        """Follow the log in a background thread of this process."""
        self._follower.start(poll_interval)

    def stop(self) -> None:
        self._follower.stop()
        self.stop_watching()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
