"""A scenario's branch of the read models (ADR 0066): copies of the tables of the projections its
hypothetical events touch, those events folded into them by the projections' own ``apply``; every
other table is read from the real read models. The query functions then answer on the branch
unchanged: same code, same rounding, same JSON.

PostgreSQL: a schema ``keel_scenario_<id>`` first on the branch connections' ``search_path``,
then ``public``, dropped and made again in the one transaction that fills it (a reader waits, and
never reads the real tables in its place). SQLite: a file per build beside the read models whose
connections attach them as ``real`` (SQLite resolves an unqualified name in ``main`` first); a
reader of the one before keeps it until it lets go. The copies are taken in one snapshot of the
real read models, with the log position they had reached: the branch's base. Changes to one
scenario's branch are serialised across processes (``locked``).
Automation's projections are never branched: those that fold every event (webhooks) and those that
say so (``automation = True``: sales rules, e-mail sequences): a hypothetical event owes nobody anything.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from projections.engine.db import ViewDatabase
from projections.engine.projection import Fact, Projection
from projections.engine.sql import Cursor

PREFIX = "keel_scenario_"
MARK = "keel_scenario_branch"  # the branch's one row: what it was built for


@dataclass(frozen=True)
class Built:
    base: int  # the log position the copies had reached
    branched: tuple[str, ...]  # the projections copied
    events: int  # the hypothetical events it holds
    seconds: float  # this build's (or extension's)


def schema_of(scenario_id: UUID) -> str:
    return f"{PREFIX}{scenario_id.hex}"


def file_of(real: ViewDatabase, scenario_id: UUID, build: str) -> Path:
    return Path(real.path).parent / "scenarios" / f"{scenario_id.hex}-{build}.sqlite"


def open_branch(real: ViewDatabase, scenario_id: UUID, build: str) -> ViewDatabase:
    """The branch's read models (unqualified names: the branch's copies, else the real ones)."""
    if real.dialect == "postgres":
        return ViewDatabase(real.url, schemas=(schema_of(scenario_id),))
    path = file_of(real, scenario_id, build)
    path.parent.mkdir(exist_ok=True)
    return ViewDatabase(f"sqlite:///{path}", attach=real.path)


@contextmanager
def locked(real: ViewDatabase, scenario_id: UUID) -> Iterator[None]:
    """Hold the scenario's lock across processes: one change of its branch at a time."""
    if real.dialect == "postgres":
        # A session's lock, not a transaction's: an open transaction would hold up the build's
        # own catch-up and statistics.
        with real.advisory_lock(int.from_bytes(scenario_id.bytes[:8], "big", signed=True)):
            yield
        return
    lock = Path(real.path).parent / "scenarios" / f"{scenario_id.hex}.lock"
    lock.parent.mkdir(exist_ok=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        yield


def branched(projections: Sequence[Projection], events: Sequence[Any]) -> list[Projection]:
    """The projections that fold any of these events (never automation's: those that fold everything
    or say they are automation)."""
    kinds = {type(e) for e in events}
    return [
        p
        for p in projections
        if p.folds is not None and not getattr(p, "automation", False) and any(issubclass(k, p.folds) for k in kinds)
    ]


def mark_of(branch: ViewDatabase) -> dict[str, Any] | None:
    """What the branch was built for (``build``'s ``mark``), None if it is not built."""
    with branch.read() as cur:
        if cur.dialect == "postgres":  # the branch's schema only: public has no such table
            cur.execute(f"SELECT to_regclass('{MARK}') IS NOT NULL")
        else:
            cur.execute("SELECT COUNT(*) FROM main.sqlite_master WHERE type = 'table' AND name = %s", (MARK,))
        found = cur.fetchone()
        if not found or not found[0]:
            return None  # never built, or dropped
        cur.execute(f"SELECT body FROM {MARK}")
        row = cur.fetchone()
    return json.loads(str(row[0])) if row else None


def build(
    real: ViewDatabase,
    scenario_id: UUID,
    build_id: str,
    projections: Sequence[Projection],
    events: Sequence[Any],
    moment_of: Callable[[int], datetime],
    mark: dict[str, Any],
) -> tuple[ViewDatabase, Built]:
    """Build the branch afresh: copy the tables of the projections that fold ``events`` and fold
    them in as facts numbered after the base (the position the copies had reached) and recorded
    at the base's moment (``moment_of``); ``mark`` is kept with the branch, its base added."""
    started = time.perf_counter()
    branch = open_branch(real, scenario_id, build_id)
    touched = branched(projections, events)
    try:
        with branch.transaction() as cur:
            if cur.dialect == "postgres":
                # One snapshot for every copy and the position: the copies agree with each other.
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cur.execute(f"DROP SCHEMA IF EXISTS {schema_of(scenario_id)} CASCADE")
                cur.execute(f"CREATE SCHEMA {schema_of(scenario_id)}")
            base = _base(cur, [p.name for p in touched])
            facts = [Fact(base + n, moment_of(base), event) for n, event in enumerate(events, 1)]
            for projection in touched:
                _copy(branch, cur, projection)
                folds = tuple(projection.folds or ())
                projection.apply(cur, [f for f in facts if isinstance(f.event, folds)])
            names = tuple(p.name for p in touched)
            kept = {**mark, "base": base, "branched": list(names), "events": len(facts)}
            cur.execute(f"CREATE TABLE {MARK} (body TEXT NOT NULL)")
            cur.execute(f"INSERT INTO {MARK} (body) VALUES (%s)", (json.dumps(kept, sort_keys=True),))
            for table in (t for p in touched for t in p.tables):  # the planner's statistics of the copies
                cur.execute(f"ANALYZE {table}")
    except BaseException:
        branch.close()
        if real.dialect != "postgres":
            _remove(file_of(real, scenario_id, build_id))
        raise
    return branch, Built(base, names, len(facts), time.perf_counter() - started)


def _copy(branch: ViewDatabase, cur: Cursor, projection: Projection) -> None:
    """The projection's tables made in the branch and filled from the real ones, column by column;
    the indexes only queries use built once they are full (as a rebuild does)."""
    projection.create(cur)
    aside = branch.set_aside(cur, getattr(projection, "query_indexes", ()))
    source = "public" if cur.dialect == "postgres" else "real"
    for table in projection.tables:
        if cur.dialect == "postgres":
            cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        else:
            cur.execute("SELECT name FROM pragma_table_info(%s, 'main') ORDER BY cid", (table,))
        columns = ", ".join(str(r[0]) for r in cur.fetchall())
        cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {source}.{table}")
    for _, definition in aside:
        cur.execute(definition)


def extend(
    branch: ViewDatabase,
    projections: Sequence[Projection],
    events: Sequence[Any],
    moment: datetime,
    mark: dict[str, Any],
) -> Built | None:
    """Fold more hypothetical events into a built branch, numbered after those it holds and
    recorded at ``moment`` (its base's); ``mark`` replaces its mark. None, and nothing done, when
    a projection that folds them is not in the branch (it must be copied: build again)."""
    started = time.perf_counter()
    current = mark_of(branch)
    touched = branched(projections, events)
    if current is None or not {p.name for p in touched} <= set(current["branched"]):
        return None
    base, held = int(current["base"]), int(current["events"])
    facts = [Fact(base + held + n, moment, event) for n, event in enumerate(events, 1)]
    with branch.transaction() as cur:
        for projection in touched:
            folds = tuple(projection.folds or ())
            projection.apply(cur, [f for f in facts if isinstance(f.event, folds)])
        kept = {**mark, "base": base, "branched": current["branched"], "events": held + len(facts)}
        cur.execute(f"UPDATE {MARK} SET body = %s", (json.dumps(kept, sort_keys=True),))
    return Built(base, tuple(current["branched"]), held + len(facts), time.perf_counter() - started)


def drop(real: ViewDatabase, scenario_id: UUID, keep: str | None = None) -> None:
    """Remove the branch (its schema, or its files), or on SQLite the builds other than ``keep``
    (a reader of one still reads it: the file goes when it lets go)."""
    if real.dialect == "postgres":
        if keep is None:
            with real.transaction() as cur:
                cur.execute(f"DROP SCHEMA IF EXISTS {schema_of(scenario_id)} CASCADE")
        return
    folder = Path(real.path).parent / "scenarios"
    for path in folder.glob(f"{scenario_id.hex}-*.sqlite"):
        if keep is None or path != file_of(real, scenario_id, keep):
            _remove(path)


def _remove(path: Path) -> None:
    for extra in ("", "-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def _base(cur: Cursor, names: Sequence[str]) -> int:
    """The log position the copied read models had reached in this snapshot (all of them, when
    none is copied): the furthest, which the caller brought every read model to (hypothetical
    positions after it collide with none in the copies)."""
    among = f" WHERE projection IN ({', '.join(['%s'] * len(names))})" if names else ""
    cur.execute(f"SELECT MAX(position) FROM keel_tracking{among}", list(names))
    row = cur.fetchone()
    return int(str(row[0])) if row and row[0] is not None else 0
