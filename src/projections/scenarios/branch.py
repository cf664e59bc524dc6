"""A scenario's branch of the read models (ADR 0066): copies of the tables of the projections its
hypothetical events touch, those events folded into them by the projections' own ``apply``; every
other table is read from the real read models. The query functions then answer on the branch
unchanged: same code, same rounding, same JSON.

PostgreSQL: a schema ``keel_scenario_<id>`` first on the branch connections' ``search_path``,
then ``public``. SQLite: a file beside the read models whose connections attach them as ``real``
(SQLite resolves an unqualified name in ``main`` first). The copies are taken in one snapshot
of the real read models, with the log position they had reached: the branch's base.
Projections that fold every event (webhooks) are automation, never branched: a hypothetical event
owes nobody anything.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
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


def file_of(real: ViewDatabase, scenario_id: UUID) -> Path:
    return Path(real.path).parent / "scenarios" / f"{scenario_id.hex}.sqlite"


def open_branch(real: ViewDatabase, scenario_id: UUID) -> ViewDatabase:
    """The branch's read models (unqualified names: the branch's copies, else the real ones)."""
    if real.dialect == "postgres":
        return ViewDatabase(real.url, schemas=(schema_of(scenario_id),))
    path = file_of(real, scenario_id)
    path.parent.mkdir(exist_ok=True)
    return ViewDatabase(f"sqlite:///{path}", attach=real.path)


def branched(projections: Sequence[Projection], events: Sequence[Any]) -> list[Projection]:
    """The projections that fold any of these events (never those that fold everything)."""
    kinds = {type(e) for e in events}
    return [p for p in projections if p.folds is not None and any(issubclass(k, p.folds) for k in kinds)]


def mark_of(branch: ViewDatabase) -> dict[str, Any] | None:
    """What the branch was built for (``build``'s ``mark``), None if it is not built."""
    try:
        with branch.read() as cur:
            cur.execute(f"SELECT body FROM {MARK}")
            row = cur.fetchone()
    except Exception:  # no such table: never built, or dropped
        return None
    return json.loads(str(row[0])) if row else None


def build(
    real: ViewDatabase,
    scenario_id: UUID,
    projections: Sequence[Projection],
    events: Sequence[Any],
    moment_of: Callable[[int], datetime],
    mark: dict[str, Any],
) -> tuple[ViewDatabase, Built]:
    """Build the branch afresh: copy the tables of the projections that fold ``events`` and fold
    them in as facts numbered after the base (the position the copies had reached) and recorded
    at the base's moment (``moment_of``); ``mark`` is kept with the branch, its base added."""
    started = time.perf_counter()
    drop(real, scenario_id)
    branch = open_branch(real, scenario_id)
    touched = branched(projections, events)
    with branch.transaction() as cur:
        if cur.dialect == "postgres":
            # One snapshot for every copy and the position: the copies agree with each other.
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute(f"CREATE SCHEMA {schema_of(scenario_id)}")
        base = _base(cur, [p.name for p in touched])
        facts = [Fact(base + n, moment_of(base), event) for n, event in enumerate(events, 1)]
        source = "public" if cur.dialect == "postgres" else "real"
        for projection in touched:
            projection.create(cur)
            for table in projection.tables:
                cur.execute(f"INSERT INTO {table} SELECT * FROM {source}.{table}")
            folds = tuple(projection.folds or ())
            projection.apply(cur, [f for f in facts if isinstance(f.event, folds)])
        names = tuple(p.name for p in touched)
        kept = {**mark, "base": base, "branched": list(names), "events": len(facts)}
        cur.execute(f"CREATE TABLE {MARK} (body TEXT NOT NULL)")
        cur.execute(f"INSERT INTO {MARK} (body) VALUES (%s)", (json.dumps(kept, sort_keys=True),))
    branch.analyze([t for p in touched for t in p.tables])
    return branch, Built(base, names, len(facts), time.perf_counter() - started)


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


def drop(real: ViewDatabase, scenario_id: UUID) -> None:
    """Remove the branch, if there is one (its schema, or its file)."""
    if real.dialect == "postgres":
        with real.transaction() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {schema_of(scenario_id)} CASCADE")
        return
    path = file_of(real, scenario_id)
    for extra in ("", "-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def _base(cur: Cursor, names: Sequence[str]) -> int:
    """The log position the copied read models had reached in this snapshot (all of them, when
    none is copied): the furthest, which the caller brought every read model to."""
    among = f" WHERE projection IN ({', '.join(['%s'] * len(names))})" if names else ""
    cur.execute(f"SELECT MAX(position) FROM keel_tracking{among}", list(names))
    row = cur.fetchone()
    return int(str(row[0])) if row and row[0] is not None else 0
