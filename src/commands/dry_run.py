"""A unit of work that decides and never saves (ADR 0066): a scenario's assumptions run through the
real handlers, on the real aggregates, and what they would record is kept instead of written.

The aggregates are loaded fresh from the store (never the application's shared cache, which a
decision here must not touch) and once each: a later command in the same dry run sees what the
ones before it decided. Postings are checked against the chart as a commit checks them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from commands.unit_of_work import CommandResult, Stream, UnitOfWork
from ledger.errors import DomainError
from ledger.events import KeelAggregate


class Refused(Exception):
    """The ``index``-th command of a dry run was refused with ``error``."""

    def __init__(self, index: int, error: DomainError) -> None:
        super().__init__(str(error))
        self.index, self.error = index, error


class DryRun(UnitOfWork):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.remember()
        self._recorded: list[DomainEventProtocol[UUID]] = []

    def commit(self, subject: KeelAggregate, *others: KeelAggregate | None) -> CommandResult:
        aggregates = [subject, *(a for a in others if a is not None)]
        self._check_postings(aggregates)
        for aggregate in aggregates:
            self._recorded.extend(aggregate.collect_events())
            assert self._cache is not None
            self._cache[aggregate.id] = aggregate  # one made here is seen by the next command too
        return CommandResult(id=subject.id, version=subject.version, position=0)

    @contextmanager
    def stream(self) -> Iterator[Stream]:
        raise RuntimeError("a dry run decides commands that commit once; this one streams")
        yield  # pragma: no cover

    def take(self) -> list[DomainEventProtocol[UUID]]:
        """What was decided since the last take, in order."""
        taken, self._recorded = self._recorded, []
        return taken
