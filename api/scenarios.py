"""What-if scenarios, wired (ADR 0066): the write side turns assumptions into the events the real
commands would record (``commands.scenarios``), the read side keeps the definitions and folds
those events into a branch of the read models (``projections.scenarios``). HTTP, the CLI and the
web app call these, and ask their reports on ``views`` through the one query path.

Every change to a scenario (made, an assumption added, rebased) builds its branch on the head of
the log, which becomes its base; its answers are the books as known at the base plus its
assumptions, the same every time until it changes. A branch lost since (a read model rebuilt
with a new version, the files removed) is built again on the head: a rebase, said so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from commands.scenarios import hypothetical_events, state_of
from ledger.errors import DomainError, InvalidValue
from ledger.scenarios import MAX_ASSUMPTIONS, Assumption, check_scenario_name
from projections.catalog import default_projections
from projections.engine.db import ViewDatabase
from projections.scenarios import branch, store
from projections.scenarios.store import Scenario

if TYPE_CHECKING:
    from api.system import Keel

EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
OPEN_BRANCHES = 4  # scenarios whose branch stays open between questions, in one process
IDLE_SECONDS = 60.0


@dataclass(frozen=True)
class Dropped:
    """An assumption a rebase took out: it became real, or the books now contradict it."""

    number: int
    assumption: Assumption
    why: str  # "became real" or "contradicts the books"
    detail: str


@dataclass(frozen=True)
class Changed:
    scenario: Scenario
    built: branch.Built
    dropped: tuple[Dropped, ...] = ()


def scenarios(keel: Keel) -> Scenarios:
    """The scenarios of this Keel (made on first use, closed with it)."""
    found = keel.kept.get("scenarios")
    if not isinstance(found, Scenarios):
        found = keel.kept["scenarios"] = Scenarios(keel)
        keel.closers.append(found.close)
    return found


class Scenarios:
    """The scenarios of one Keel: their definitions and their branches, opened once each."""

    def __init__(self, keel: Keel) -> None:
        self.keel = keel
        self._lock = threading.Lock()  # one change or build at a time in this process
        self._open: dict[UUID, tuple[int, ViewDatabase]] = {}  # id -> (revision, branch)
        self._used: dict[UUID, float] = {}  # id -> when last asked (monotonic)

    # -- reading ---------------------------------------------------------------------

    def all(self) -> list[Scenario]:
        return store.scenarios(self.keel.views)

    def get(self, name: str) -> Scenario:
        return store.scenario(self.keel.views, name)

    def stamp(self, name: str) -> Scenario:
        """Its id, revision and base, without its assumptions (one row)."""
        return store.stamp(self.keel.views, name)

    def views(self, name: str) -> tuple[Scenario, ViewDatabase]:
        """The scenario (its assumptions left out) and its branch's read models, built first if it
        has none for its revision."""
        s = self.stamp(name)
        opened = self._open.get(s.id)
        if opened is not None and opened[0] == s.revision:
            self._used[s.id] = time.monotonic()
            return s, opened[1]
        with self._lock:
            s = self.get(name)
            views = self._built_for(s)
            if views is None:
                changed = self._rebuild(s, s.assumptions)
                s, views = replace(changed.scenario, assumptions=()), self._open[s.id][1]
            self._keep(s, views)
            return s, views

    # -- changing --------------------------------------------------------------------

    def create(self, name: str, on: date | None, actor: str) -> Changed:
        check_scenario_name(name)
        with self._lock:
            made = Scenario(uuid4(), name, on or self.keel.app.today(), 0, EARLIEST, 0, datetime.now(UTC), actor, ())
            store.create(self.keel.views, made)
            try:
                return self._rebuild(made, ())
            except BaseException:
                store.drop(self.keel.views, made)
                raise

    def add(self, name: str, assumptions: list[Assumption]) -> Changed:
        """Add assumptions at the end; refused (nothing saved) if the books would refuse any."""
        with self._lock:
            s = self.get(name)
            if len(s.assumptions) + len(assumptions) > MAX_ASSUMPTIONS:
                raise InvalidValue(f"assumptions: a scenario holds at most {MAX_ASSUMPTIONS}")
            return self._extended(s, assumptions) or self._rebuild(s, (*s.assumptions, *assumptions))

    def rebase(self, name: str) -> Changed:
        """Build the branch on the head; assumptions that became real or that the books now
        contradict are taken out, and listed."""
        with self._lock:
            s = self.get(name)
            kept: list[Assumption] = []
            dropped: list[Dropped] = []
            for number, a in enumerate(s.assumptions, 1):
                state = state_of(self.keel.app, a)
                if state is not None and (state == "lost") == (a.kind == "lose_deal"):
                    dropped.append(Dropped(number, a, "became real", f"the deal was {state}"))
                    continue
                try:
                    hypothetical_events(self.keel.app, s.id, s.name, s.decided_on, [*kept, a])
                except DomainError as error:
                    dropped.append(Dropped(number, a, "contradicts the books", str(error)))
                    continue
                kept.append(a)
            changed = self._rebuild(s, tuple(kept))
            return replace(changed, dropped=tuple(dropped))

    def drop(self, name: str) -> Scenario:
        with self._lock:
            s = self.get(name)
            opened = self._open.pop(s.id, None)
            if opened is not None:
                opened[1].close()
            branch.drop(self.keel.views, s.id)
            store.drop(self.keel.views, s)
            return s

    def close(self) -> None:
        for _, views in self._open.values():
            views.close()
        self._open.clear()

    # -- building --------------------------------------------------------------------

    def _rebuild(self, s: Scenario, assumptions: tuple[Assumption, ...]) -> Changed:
        """Build the branch on the head with these assumptions and save the scenario so."""
        self._reach_head()
        found = hypothetical_events(self.keel.app, s.id, s.name, s.decided_on, assumptions)
        projections = default_projections(self.keel.functional_currency)
        after = replace(s, revision=s.revision + 1, assumptions=assumptions)
        opened = self._open.pop(s.id, None)
        if opened is not None:
            opened[1].close()
        events = [e for h in found for e in h.events]
        mark = self._mark(after)
        views, built = branch.build(self.keel.views, s.id, projections, events, self._moment, mark)
        after = replace(after, base_position=built.base, base_recorded_at=self._moment(built.base))
        store.replace(self.keel.views, s, after)
        self._keep(after, views)
        return Changed(after, built)

    def _extended(self, s: Scenario, assumptions: list[Assumption]) -> Changed | None:
        """The new assumptions folded into the branch as it stands, at its base (the books may
        have moved on: they are decided on the books as they stand now, after the ones before);
        None when the branch is not built for ``s`` or they touch a read model it did not copy."""
        views = self._built_for(s)
        if views is None:
            return None
        every = (*s.assumptions, *assumptions)
        found = hypothetical_events(self.keel.app, s.id, s.name, s.decided_on, every)
        events = [e for h in found[len(s.assumptions) :] for e in h.events]
        after = replace(s, revision=s.revision + 1, assumptions=every)
        projections = default_projections(self.keel.functional_currency)
        built = branch.extend(views, projections, events, s.base_recorded_at, self._mark(after))
        if built is None:
            return None
        store.replace(self.keel.views, s, after)
        self._keep(after, views)
        return Changed(after, built)

    def _built_for(self, s: Scenario) -> ViewDatabase | None:
        """The branch, if it is built for ``s`` (its revision, base and read models' versions)."""
        opened = self._open.get(s.id)
        views = opened[1] if opened is not None else branch.open_branch(self.keel.views, s.id)
        mark = branch.mark_of(views) or {}
        if {k: mark.get(k) for k in ("revision", "versions", "base")} == {**self._mark(s), "base": s.base_position}:
            return views
        if opened is None:
            views.close()
        return None

    def _mark(self, s: Scenario) -> dict[str, object]:
        """What a branch says it was built for (``branch.build`` adds its base): the scenario's
        revision and the versions of the read models copied into it."""
        versions = {name: p.schema_version for name, p in self.keel.engine.projections.items()}
        return {"revision": s.revision, "versions": versions}

    def _keep(self, s: Scenario, views: ViewDatabase) -> None:
        """Keep the branch open for the next question. Beyond ``OPEN_BRANCHES`` the others asked
        nothing for a minute are closed (each holds database connections; one asked within the
        minute may be answering now)."""
        self._open[s.id] = (s.revision, views)
        self._used[s.id] = time.monotonic()
        idle = [i for i in self._open if i != s.id and time.monotonic() - self._used.get(i, 0.0) > IDLE_SECONDS]
        for gone in idle[: max(0, len(self._open) - OPEN_BRANCHES)]:
            self._open.pop(gone)[1].close()
            self._used.pop(gone, None)

    def _reach_head(self) -> None:
        """Every read model at the head of the log: the copies are taken from there."""
        keel = self.keel
        if keel.engine.following or keel.settings.projections != "in-process":
            keel.engine.wait_for(keel.app.head_position(), (), timeout=max(keel.settings.read_wait_seconds, 30.0))
        else:
            keel.engine.catch_up()

    def _moment(self, position: int) -> datetime:
        if not position:
            return EARLIEST
        moment = self.keel.app.moment_of(position)
        return moment or EARLIEST
