"""Scenarios as saved (ADR 0066): a name, the business date their assumptions are taken as decided
on, the log position their branch was built on (the base) and when that position was recorded,
and their assumptions in order — in two tables beside the read models, never in the event store.

``revision`` counts the changes (an assumption added, a rebase): a branch built for another
revision is built again. A rebuild of any projection leaves these tables alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from ledger.errors import AlreadyExists, NotFound, VersionConflict
from ledger.scenarios import Assumption, check_scenario_name
from projections.engine.db import ViewDatabase
from projections.engine.sql import Cursor, as_date, as_datetime


def setup(db: ViewDatabase) -> None:
    with db.transaction() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS keel_scenarios (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
            " decided_on DATE NOT NULL, base_position BIGINT NOT NULL, base_recorded_at TIMESTAMPTZ NOT NULL,"
            " revision INTEGER NOT NULL, build TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL,"
            " created_by TEXT NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE IF NOT EXISTS keel_scenario_assumptions (scenario_id TEXT NOT NULL,"
            " number INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (scenario_id, number))"
        )


@dataclass(frozen=True)
class Scenario:
    id: UUID
    name: str
    decided_on: date  # the business date of its hypothetical events
    base_position: int  # the log position its branch was built on
    base_recorded_at: datetime  # when that position was recorded: its answers are as known then
    revision: int
    build: str  # its branch's build (SQLite: in the file's name)
    created_at: datetime
    created_by: str
    assumptions: tuple[Assumption, ...]


_COLUMNS = "id, name, decided_on, base_position, base_recorded_at, revision, build, created_at, created_by"


def scenarios(db: ViewDatabase) -> list[Scenario]:
    """Every scenario, by name."""
    with db.read() as cur:
        cur.execute(f"SELECT {_COLUMNS} FROM keel_scenarios ORDER BY name")
        rows = cur.fetchall()
        return [_scenario(cur, row) for row in rows]


def scenario(db: ViewDatabase, name: str) -> Scenario:
    return _named(db, name, with_assumptions=True)


def stamp(db: ViewDatabase, name: str) -> Scenario:
    """The scenario without its assumptions (``assumptions`` empty): what a question asked of it
    needs — its id, revision and base — in one row."""
    return _named(db, name, with_assumptions=False)


def _named(db: ViewDatabase, name: str, with_assumptions: bool) -> Scenario:
    check_scenario_name(name)
    with db.read() as cur:
        cur.execute(f"SELECT {_COLUMNS} FROM keel_scenarios WHERE name = %s", (name,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"scenario {name} not found (keel scenarios list shows them)")
        return _scenario(cur if with_assumptions else None, row)


def _scenario(cur: Cursor | None, row: Sequence[object]) -> Scenario:
    sid, name, on, position, recorded, revision, build, created, by = row
    assumptions: tuple[Assumption, ...] = ()
    if cur is not None:
        cur.execute("SELECT body FROM keel_scenario_assumptions WHERE scenario_id = %s ORDER BY number", (str(sid),))
        assumptions = tuple(Assumption.from_dict(json.loads(str(r[0]))) for r in cur.fetchall())
    at, made = as_datetime(recorded), as_datetime(created)
    day = as_date(on)
    assert at is not None and made is not None and day is not None
    return Scenario(
        UUID(str(sid)),
        str(name),
        day,
        int(str(position)),
        at,
        int(str(revision)),
        str(build),
        made,
        str(by),
        assumptions,
    )


def create(db: ViewDatabase, s: Scenario) -> None:
    taken = AlreadyExists(f"name: a scenario {s.name} exists already")
    try:
        with db.transaction() as cur:
            cur.execute("SELECT 1 FROM keel_scenarios WHERE name = %s", (s.name,))
            if cur.fetchone() is not None:
                raise taken
            values = (str(s.id), s.name, s.decided_on, s.base_position, s.base_recorded_at, s.revision, s.build)
            cur.execute(
                f"INSERT INTO keel_scenarios ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (*values, s.created_at, s.created_by),
            )
            _write_assumptions(cur, s.id, s.assumptions, 1)
    except Exception as exc:  # the name's unique index: another process made it meanwhile
        if type(exc).__name__ in ("IntegrityError", "UniqueViolation"):
            raise taken from None
        raise


def replace(db: ViewDatabase, before: Scenario, after: Scenario) -> None:
    """Save ``after`` (its assumptions and base) if the scenario is still at ``before``'s revision;
    else ``VersionConflict``: someone changed it meanwhile (ask again)."""
    with db.transaction() as cur:
        lock = " FOR UPDATE" if cur.dialect == "postgres" else ""  # SQLite's write transaction holds the file
        cur.execute(f"SELECT revision FROM keel_scenarios WHERE id = %s{lock}", (str(before.id),))
        row = cur.fetchone()
        if row is None or int(str(row[0])) != before.revision:
            now = int(str(row[0])) if row else 0
            raise VersionConflict(f"scenario {before.name} was changed meanwhile; ask again", current_version=now)
        cur.execute(
            "UPDATE keel_scenarios SET base_position = %s, base_recorded_at = %s, revision = %s, build = %s"
            " WHERE id = %s",
            (after.base_position, after.base_recorded_at, after.revision, after.build, str(before.id)),
        )
        cur.execute("DELETE FROM keel_scenario_assumptions WHERE scenario_id = %s", (str(before.id),))
        _write_assumptions(cur, before.id, after.assumptions, 1)


def drop(db: ViewDatabase, s: Scenario) -> None:
    with db.transaction() as cur:
        cur.execute("DELETE FROM keel_scenario_assumptions WHERE scenario_id = %s", (str(s.id),))
        cur.execute("DELETE FROM keel_scenarios WHERE id = %s", (str(s.id),))


def _write_assumptions(cur: Cursor, sid: UUID, assumptions: Sequence[Assumption], first: int) -> None:
    rows = [(str(sid), n, json.dumps(a.as_dict(), sort_keys=True)) for n, a in enumerate(assumptions, first)]
    if rows:
        cur.executemany("INSERT INTO keel_scenario_assumptions (scenario_id, number, body) VALUES (%s, %s, %s)", rows)
