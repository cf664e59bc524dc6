"""What-if scenarios, wired (ADR 0066): the write side turns assumptions into the events the real
commands would record (``commands.scenarios``), the read side keeps the definitions and folds
those events into a branch of the read models (``projections.scenarios``). HTTP, the CLI and the
web app call these, and ask their reports on ``views`` through the one query path.

Every change to a scenario (made, rebased, an assumption added while the books have moved on or
touching a read model its branch did not copy) builds its branch on the head of the log, which
becomes its base; assumptions added while nothing happened since the base are folded into the
branch as it stands. Its answers are the books as known at the base plus its assumptions, the
same every time until it changes. Changes are serialised across processes (``branch.locked``);
a question never builds: a branch lost since (a read model rebuilt with a new version) is a 409
asking for a rebase. A branch is closed only once the questions that hold it are answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from commands.scenarios import AssumptionRefused, became_real, hypothetical_events
from ledger.errors import InvalidTransition, InvalidValue
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


@dataclass
class _Open:
    """A branch open in this process: for which revision, and how many questions hold it."""

    revision: int
    views: ViewDatabase
    users: int = 0
    retired: bool = False  # superseded: closed once its last question is answered
    used: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Changed:
    scenario: Scenario
    built: branch.Built
    dropped: tuple[Dropped, ...] = ()


def scenarios(keel: Keel) -> Scenarios:
    """The scenarios of this Keel (made on first use, closed with it)."""
    with _MADE:
        found = keel.kept.get("scenarios")
        if not isinstance(found, Scenarios):
            found = keel.kept["scenarios"] = Scenarios(keel)
            keel.closers.append(found.close)
        return found


_MADE = threading.Lock()


class Scenarios:
    """The scenarios of one Keel: their definitions and their branches, opened once each."""

    def __init__(self, keel: Keel) -> None:
        self.keel = keel
        self._lock = threading.RLock()  # one change or build at a time in this process
        self._open: dict[UUID, _Open] = {}

    # -- reading ---------------------------------------------------------------------

    def all(self) -> list[Scenario]:
        return store.scenarios(self.keel.views)

    def get(self, name: str) -> Scenario:
        return store.scenario(self.keel.views, name)

    def stamp(self, name: str) -> Scenario:
        """Its id, revision and base, without its assumptions (one row)."""
        return store.stamp(self.keel.views, name)

    @contextmanager
    def lease(self, name: str) -> Iterator[tuple[Scenario, ViewDatabase]]:
        """The scenario (its assumptions left out) and its branch's read models, held open while
        the block asks them; 409 if its branch is not built for it (rebase it)."""
        s = self.stamp(name)
        with self._lock:
            entry = self._open.get(s.id)
            if entry is None or entry.revision != s.revision:
                views = self._built_for(s)
                if views is None:
                    raise InvalidTransition(
                        f"scenario {name}: its branch is not built for it (the read models changed since):"
                        f" rebase it (keel scenarios rebase {name})"
                    )
                entry = self._keep(s, views)
            entry.users += 1
            entry.used = time.monotonic()
        try:
            yield s, entry.views
        finally:
            with self._lock:
                entry.users -= 1
                if entry.retired and not entry.users:
                    entry.views.close()

    # -- changing --------------------------------------------------------------------

    def create(self, name: str, on: date | None, actor: str) -> Changed:
        check_scenario_name(name)
        made = Scenario(uuid4(), name, on or self.keel.app.today(), 0, EARLIEST, 0, "", datetime.now(UTC), actor, ())
        store.create(self.keel.views, made)
        try:
            with self._lock, branch.locked(self.keel.views, made.id):
                return self._rebuild(made, ())
        except BaseException:
            store.drop(self.keel.views, made)
            raise

    def add(self, name: str, assumptions: list[Assumption]) -> Changed:
        """Add assumptions at the end; refused (nothing saved) if the books would refuse any."""
        found = self.stamp(name)
        with self._lock, branch.locked(self.keel.views, found.id):
            s = self.get(name)
            if len(s.assumptions) + len(assumptions) > MAX_ASSUMPTIONS:
                raise InvalidValue(f"assumptions: a scenario holds at most {MAX_ASSUMPTIONS}")
            return self._extended(s, assumptions) or self._rebuild(s, (*s.assumptions, *assumptions))

    def rebase(self, name: str) -> Changed:
        """Build the branch on the head; assumptions that became real or that the books now
        contradict are taken out, and listed."""
        found = self.stamp(name)
        with self._lock, branch.locked(self.keel.views, found.id):
            s = self.get(name)
            kept: list[tuple[int, Assumption]] = []
            dropped: list[Dropped] = []
            for number, a in enumerate(s.assumptions, 1):
                real = became_real(self.keel.app, a)
                if real is not None:
                    dropped.append(Dropped(number, a, "became real", real))
                else:
                    kept.append((number, a))
            while True:  # one dry run, and one more for each refused (not one per assumption)
                try:
                    hypothetical_events(self.keel.app, s.id, s.name, s.decided_on, [a for _, a in kept])
                    break
                except AssumptionRefused as refused:
                    number, a = kept.pop(refused.number - 1)
                    dropped.append(Dropped(number, a, "contradicts the books", str(refused)))
            changed = self._rebuild(s, tuple(a for _, a in kept))
            return replace(changed, dropped=tuple(sorted(dropped, key=lambda d: d.number)))

    def drop(self, name: str) -> Scenario:
        found = self.stamp(name)
        with self._lock, branch.locked(self.keel.views, found.id):
            s = self.get(name)
            self._retire(s.id)
            branch.drop(self.keel.views, s.id)
            store.drop(self.keel.views, s)
            return s

    def close(self) -> None:
        with self._lock:
            for entry in self._open.values():
                entry.views.close()
            self._open.clear()

    # -- building --------------------------------------------------------------------

    def _rebuild(self, s: Scenario, assumptions: tuple[Assumption, ...]) -> Changed:
        """Build the branch on the head with these assumptions and save the scenario so."""
        self._reach_head()
        found = hypothetical_events(self.keel.app, s.id, s.name, s.decided_on, assumptions)
        projections = default_projections(self.keel.functional_currency)
        after = replace(s, revision=s.revision + 1, assumptions=assumptions, build=uuid4().hex[:12])
        events = [e for h in found for e in h.events]
        real = self.keel.views
        views, built = branch.build(real, s.id, after.build, projections, events, self._moment, self._mark(after))
        after = replace(after, base_position=built.base, base_recorded_at=self._moment(built.base))
        try:
            store.replace(real, s, after)
        except BaseException:
            views.close()
            raise
        self._retire(s.id)
        self._keep(after, views)
        branch.drop(real, s.id, keep=after.build)  # SQLite: the builds before it
        return Changed(after, built)

    def _extended(self, s: Scenario, assumptions: list[Assumption]) -> Changed | None:
        """The new assumptions folded into the branch as it stands, if nothing happened in the
        books since its base (they are decided on the books as they stand); None when the books
        moved on, the branch is not built for ``s`` or they touch a read model it did not copy."""
        if self.keel.app.head_position() != s.base_position:
            return None
        entry = self._open.get(s.id)
        views = entry.views if entry is not None and entry.revision == s.revision else self._built_for(s)
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
        entry = self._open.get(s.id)
        if entry is not None and entry.views is views:
            entry.revision = after.revision
        else:
            self._keep(after, views)
        return Changed(after, built)

    def _built_for(self, s: Scenario) -> ViewDatabase | None:
        """The branch opened afresh, if it is built for ``s`` (its revision, base and read models'
        versions); else None."""
        views = branch.open_branch(self.keel.views, s.id, s.build)
        mark = branch.mark_of(views) or {}
        if {k: mark.get(k) for k in ("revision", "versions", "base")} == {**self._mark(s), "base": s.base_position}:
            return views
        views.close()
        return None

    def _mark(self, s: Scenario) -> dict[str, object]:
        """What a branch says it was built for (``branch.build`` adds its base): the scenario's
        revision and the versions of the read models copied into it."""
        versions = {name: p.schema_version for name, p in self.keel.engine.projections.items()}
        return {"revision": s.revision, "versions": versions}

    def _keep(self, s: Scenario, views: ViewDatabase) -> _Open:
        """Keep the branch open for the next question. Beyond ``OPEN_BRANCHES`` the others no
        question holds and none asked for a minute are closed (each holds connections)."""
        self._retire(s.id)
        entry = self._open[s.id] = _Open(s.revision, views)
        now = time.monotonic()
        idle = [i for i, e in self._open.items() if i != s.id and not e.users and now - e.used > IDLE_SECONDS]
        for gone in idle[: max(0, len(self._open) - OPEN_BRANCHES)]:
            self._retire(gone)
        return entry

    def _retire(self, scenario_id: UUID) -> None:
        """Close the open branch, or once the questions holding it are answered."""
        entry = self._open.pop(scenario_id, None)
        if entry is not None:
            entry.retired = True
            if not entry.users:
                entry.views.close()

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
