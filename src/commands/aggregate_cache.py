"""The aggregates a process decided on lately, kept folded: a command's load is one read of what
came after (ADR 0053).

Loading an aggregate used to be two reads and a fold: the snapshot probe, then every event after
it. A payment loads five aggregates (invoice, customer, the books, the chart, its own id to prove
it new), so under many writers half of a command's time was these reads. Here a load finds the
aggregate as this process last saw it and reads only the events after that version (usually
none): the answer is as fresh as a load from the store, whichever process wrote meanwhile. Each
caller gets its own deep copy, made under the aggregate's lock, so a command that changes an
aggregate and then fails on a rule leaves the kept one untouched.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from copy import deepcopy
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import DomainEventProtocol

from ledger.events import KeelAggregate

STRIPES = 64


class AggregateCache:
    """At most ``maxsize`` aggregates, least recently loaded dropped first."""

    def __init__(
        self,
        load: Callable[[UUID], KeelAggregate],
        events_after: Callable[[UUID, int], Iterable[DomainEventProtocol[UUID]]],
        maxsize: int,
    ) -> None:
        self._load, self._events_after, self.maxsize = load, events_after, maxsize
        self._kept: OrderedDict[UUID, KeelAggregate] = OrderedDict()
        self._guard = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(STRIPES)]

    def get(self, aggregate_id: UUID) -> KeelAggregate:
        """A private copy of the aggregate as the store holds it now (``AggregateNotFoundError``)."""
        with self._stripes[hash(aggregate_id) % STRIPES]:
            with self._guard:
                kept = self._kept.get(aggregate_id)
            if kept is None:
                kept = self._load(aggregate_id)
            else:
                try:
                    for event in self._events_after(aggregate_id, kept.version):
                        kept = event.mutate(kept)  # type: ignore[attr-defined]
                        if kept is None:  # pragma: no cover - events never end an aggregate in Keel
                            raise AggregateNotFoundError(aggregate_id)
                except BaseException:
                    with self._guard:  # half folded: forget it, the next load starts afresh
                        self._kept.pop(aggregate_id, None)
                    raise
            with self._guard:
                self._kept[aggregate_id] = kept
                self._kept.move_to_end(aggregate_id)
                while len(self._kept) > self.maxsize:
                    self._kept.popitem(last=False)
            return deepcopy(kept)

    def holds(self, aggregate_id: UUID) -> bool:
        """Whether this aggregate is known to exist (kept here): aggregates are never deleted."""
        with self._guard:
            return aggregate_id in self._kept
