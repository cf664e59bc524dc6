"""Group commit on PostgreSQL: the appends of concurrent commands share one transaction (ADR 0053).

Every append takes the library's table lock (gap-free notification ids in commit order) and
Keel's chain reads the last hash under it, so commits are strictly serial: alone, each pays the
lock, its round trips and its own flush. Here the commands of one process that are ready at the
same moment are appended together. The first to arrive leads: it takes every append waiting then
(up to a bound), commits them in one transaction, wakes the others with their own outcome and
hands the lead to the next waiter. No caller is answered before its group's commit, so a kill -9
mid-group loses nothing that was acknowledged.

Each command keeps its own outcome. Under the lock, one read finds the (aggregate, version) pairs
already taken and one the idempotency claims no longer held; a command hit by either fails alone
(``IntegrityError``: the application decides it again; ``ClaimSuperseded``), the rest go in with
one multi-row insert of events, one of the chain's rows and the idempotency records. A group that
fails in the database for another reason is committed again command by command, so a bad command
fails only itself; a lost connection fails the group's commands, which their retry sends again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent

# A group stops growing here (the first append always goes in, however large).
GROUP_MAX_EVENTS = 2_000
GROUP_MAX_BYTES = 4 * 1024 * 1024


@dataclass(eq=False)
class Append:
    """One command's events and options (its idempotency record), and once committed its outcome."""

    events: Sequence[StoredEvent]
    options: dict[str, Any]
    ids: Sequence[int] | None = None
    error: BaseException | None = None
    finished: bool = False
    leads: bool = False
    wake: threading.Event = field(default_factory=threading.Event)
    size: int = 0  # bytes of its events' state, counted once (the leader weighs every waiter)

    def __post_init__(self) -> None:
        self.size = sum(len(e.state) for e in self.events)


CommitGroup = Callable[[list[Append]], None]


class GroupCommit:
    """Leader/follower coordination of one process's appends (the SQL is the recorder's)."""

    def __init__(self, commit_group: CommitGroup, commit_alone: CommitGroup) -> None:
        self._commit_group, self._commit_alone = commit_group, commit_alone
        self._lock = threading.Lock()
        self._waiting: list[Append] = []
        self._leading = False
        self.groups = 0
        self.appends = 0
        self.observe: Callable[[int], None] | None = None  # told each group's size (metrics)

    def append(self, events: Sequence[StoredEvent], options: dict[str, Any]) -> Sequence[int] | None:
        mine = Append(events, options)
        with self._lock:
            self._waiting.append(mine)
            if not self._leading:
                self._leading = mine.leads = True
        if not mine.leads:
            mine.wake.wait()
        if not mine.finished:  # the lead was handed to this append: commit the next group
            self._lead()
        if mine.error is not None:
            raise mine.error
        return mine.ids

    def _lead(self) -> None:
        with self._lock:
            group = self._take()
        try:
            self._commit(group)
        finally:
            for append in group:
                append.finished = True
                if not append.leads:
                    append.wake.set()
            with self._lock:
                self.groups, self.appends = self.groups + 1, self.appends + len(group)
                if self._waiting:
                    following = self._waiting[0]
                    following.leads = True
                    following.wake.set()
                else:
                    self._leading = False
            if self.observe is not None:  # after the lead is handed on: it delays no one
                self.observe(len(group))

    def _take(self) -> list[Append]:
        taken, events, size = 0, 0, 0
        for append in self._waiting:
            events, size = events + len(append.events), size + append.size
            if taken and (events > GROUP_MAX_EVENTS or size > GROUP_MAX_BYTES):
                break
            taken += 1
        group, self._waiting = self._waiting[:taken], self._waiting[taken:]
        return group

    def _commit(self, group: list[Append]) -> None:
        if len(group) == 1:
            self._commit_alone(group)
            return
        try:
            self._commit_group(group)
        except (InterfaceError, OperationalError) as exc:
            for append in group:  # nothing committed: each caller's retry sends its append again
                append.error = exc
        except Exception:  # one command's bad data must not fail its neighbours
            for append in group:
                append.ids, append.error = None, None
                self._commit_alone([append])


def taken_versions(group: list[Append], taken: set[tuple[str, int]]) -> None:
    """Fail every append that would write an (aggregate, version) already in the log, or already
    claimed by an append earlier in its group: a concurrent command changed that aggregate first."""
    claimed: set[tuple[str, int]] = set()
    for append in group:
        mine = {(str(e.originator_id), e.originator_version) for e in append.events}
        clash = mine & (taken | claimed)
        if clash:
            aggregate, version = min(clash)
            append.error = IntegrityError(f"version {version} of {aggregate} was written by another command")
        else:
            claimed |= mine
