"""The port the business contexts work through: a command, the unit of work its handler decides
in, and the result it answers with.

A handler is a function ``handler(uow, command) -> CommandResult``. It loads what it decides on
through the unit of work, lets the domain check every rule (which raise before anything is
written), and ends with ``uow.commit(subject, *others)``: one atomic save of the aggregates given,
in that order, with the request's idempotency record (if any) in the same transaction. A save
that races another writer on the same aggregate fails on its version; the application then gives
the handler a fresh unit of work and it decides again.

Each context (``commands.sales``, ``finance``, ``crm``, ``delivery``, ``access``) exposes its
handlers as a mapping ``HANDLERS = {message type: handler}``; the application composes them. The
contexts know this module, never the application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from threading import Lock, RLock
from types import TracebackType
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol

from commands.aggregate_cache import AggregateCache
from commands.idempotency import current_ticket
from ledger.books import Books
from ledger.chart import CHART_ID, IMPLICIT, Chart, ChartRules
from ledger.errors import AlreadyExists, NotFound, VersionConflict
from ledger.events import KeelAggregate, Meta
from ledger.journal_entry import JournalEntry
from ledger.sequence import NumberSequence
from ledger.topics import events_with_field

A = TypeVar("A", bound=KeelAggregate)

# Aggregates every command of a kind changes (a series' numbers are taken one after the other):
# optimistic retries alone starve under many writers, so the writers of one process queue for
# each of them from load to commit, and only other processes' writers can still race (ADR 0053).
# A wait that long means something else is wrong: the command then goes on optimistically.
SERIAL_KINDS: tuple[type[KeelAggregate], ...] = (NumberSequence,)
SERIAL_WAIT_SECONDS = 10.0
_serial_guard = Lock()
_serial_locks: dict[UUID, RLock] = {}


def _serial_lock(aggregate_id: UUID) -> RLock:
    with _serial_guard:
        return _serial_locks.setdefault(aggregate_id, RLock())


@dataclass(frozen=True, kw_only=True)
class Command:
    meta: Meta
    on: date | None = None


@dataclass(frozen=True)
class CommandResult:
    """What a client needs to continue: the aggregate, its new version, the log position."""

    id: UUID
    version: int
    position: int


ReadLog = Callable[[int, int, Sequence[str]], list[tuple[int, DomainEventProtocol[UUID]]]]


class Appender(Protocol):
    """Aggregates appended in one transaction, chunk after chunk (the application's side of it)."""

    def append(self, aggregates: Sequence[KeelAggregate], **kwargs: Any) -> list[int]: ...
    def append_events(self, events: Sequence[DomainEventProtocol[UUID]]) -> list[int]: ...
    def append_new(self, events: Sequence[DomainEventProtocol[UUID]]) -> int: ...
    def settle(self) -> int: ...


OpenStream = Callable[[], AbstractContextManager[Appender]]


class Stream:
    """A save too large to hold at once (a statement of 100,000 lines), in one transaction: aggregates
    appended chunk by chunk, each chunk's new events then dropped from memory; ``commit`` appends the
    last ones with the request's idempotency record. Leaving the block with an error (a refused line
    or balance) rolls every chunk back: nothing is written."""

    def __init__(self, uow: UnitOfWork, appender: Appender) -> None:
        self._uow, self._appender, self._positions = uow, appender, 0
        self.result: CommandResult | None = None

    def append(self, *aggregates: KeelAggregate) -> None:
        self._uow._check_postings(list(aggregates))
        self._positions = max([self._positions, *self._appender.append(aggregates)])
        chart = next((a for a in aggregates if isinstance(a, Chart)), None)
        if chart is not None:  # what follows in this transaction posts by the chart it wrote
            self._uow._chart = chart.rules

    def append_events(self, *events: KeelAggregate.Event) -> None:
        """Events of new aggregates made without them (an import's documents, each aggregate's events
        in order from its first): what ``append`` of those aggregates would write, their postings
        checked by the chart the same way."""
        self._uow._check_events(list(events))
        self._positions = max([self._positions, *self._appender.append_events(events)])

    def append_new(self, *events: KeelAggregate.Created) -> int:
        """Events that each create an aggregate no one needs in memory (a statement's lines), appended
        without it unless that aggregate exists already (in the store, or appended earlier in this
        stream); how many were. The same events, checked by the input policy as they were made. None
        may post: one that does is appended by ``append_events``, where the chart checks it."""
        if any(getattr(e, "journal", None) for e in events):
            raise ValueError("an event that posts is appended by append_events, where the chart checks it")
        return self._appender.append_new(events)

    def commit(self, subject: KeelAggregate, *others: KeelAggregate | None) -> CommandResult:
        saved = [subject, *(a for a in others if a is not None)]
        self._uow._check_postings(saved)
        ticket = current_ticket.get()
        extra: dict[str, Any] = {}
        if ticket is not None:
            extra["idempotency"] = (ticket, {"id": str(subject.id), "version": subject.version})
        self._positions = max([self._positions, *self._appender.append(saved, **extra), self._appender.settle()])
        self.result = CommandResult(id=subject.id, version=subject.version, position=self._positions)
        return self.result


class UnitOfWork:
    """One attempt at one command: what it reads, and the one save of what it changed.

    ``with app.unit_of_work() as uow: …; result = uow.commit(subject, *others)``. It commits
    once; leaving the block without committing writes nothing.
    """

    def __init__(
        self,
        app: Application[UUID],
        *,
        read_log: ReadLog,
        log_today: Callable[[], date],
        default_functional_currency: str,
        on_saved: Callable[[int], None] | None = None,
        open_stream: OpenStream | None = None,
        load_many: Callable[[Sequence[UUID]], Mapping[UUID, KeelAggregate]] | None = None,
        aggregates: AggregateCache | None = None,
    ) -> None:
        self._load_many = load_many
        self._aggregates = aggregates
        self._absent: set[UUID] = set()
        self._app = app
        self._open_stream = open_stream
        self._read_log = read_log
        self._log_today = log_today
        self._on_saved = on_saved
        self.default_functional_currency = default_functional_currency
        self._open = True
        self._chart: ChartRules | None = None
        self._cache: dict[UUID, KeelAggregate] | None = None
        self._held: list[RLock] = []

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._open = False
        while self._held:
            self._held.pop().release()

    # -- reading -------------------------------------------------------------------------

    def load(self, kind: type[A], aggregate_id: UUID, expected_version: int | None = None, label: str = "") -> A:
        """The aggregate of ``kind`` (else ``NotFound``), at ``expected_version`` if one is given
        (else ``VersionConflict``)."""
        label = label or kind.__name__.lower()
        cached = self._cache.get(aggregate_id) if self._cache is not None else None
        if cached is None and issubclass(kind, SERIAL_KINDS):
            self._queue_for(aggregate_id)
        try:
            aggregate: KeelAggregate = cached or self._get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{label} {aggregate_id} not found") from None
        if self._cache is not None:
            self._cache[aggregate_id] = aggregate
        if not isinstance(aggregate, kind):
            raise NotFound(f"{label} {aggregate_id} not found")
        if expected_version is not None and expected_version != aggregate.version:
            raise VersionConflict(
                f"{label} {aggregate_id} is at version {aggregate.version}, not {expected_version}",
                current_version=aggregate.version,
            )
        return aggregate

    def _get(self, aggregate_id: UUID) -> KeelAggregate:
        if self._aggregates is not None:
            return self._aggregates.get(aggregate_id)
        aggregate: KeelAggregate = self._app.repository.get(aggregate_id)
        return aggregate

    def _queue_for(self, aggregate_id: UUID) -> None:
        lock = _serial_lock(aggregate_id)
        if lock not in self._held and lock.acquire(timeout=SERIAL_WAIT_SECONDS):
            self._held.append(lock)

    def remember(self) -> None:
        """From now on load each aggregate once: a later load of it gets the same instance, with the
        changes already decided (a batch of decisions in one unit of work, saved together)."""
        if self._cache is None:
            self._cache = {}

    def preload(self, ids: Sequence[UUID]) -> None:
        """Load these aggregates (not snapshotted ones: each is folded from all its events) in one read,
        for the loads that follow (``remember``); those that do not exist are known not to."""
        self.remember()
        assert self._cache is not None
        wanted = [i for i in dict.fromkeys(ids) if i not in self._cache]
        if self._load_many is None or not wanted:
            return
        found = self._load_many(wanted)
        self._cache.update(found)
        self._absent.update(i for i in wanted if i not in found)

    def exists(self, aggregate_id: UUID) -> bool:
        if self._cache is not None and aggregate_id in self._cache:
            return True
        if aggregate_id in self._absent:
            return False
        if self._aggregates is not None and self._aggregates.holds(aggregate_id):
            return True
        # Its first event, if any: one read of one row, not a load.
        return next(iter(self._app.events.get(aggregate_id, limit=1)), None) is not None

    def ensure_new(self, aggregate_id: UUID, label: str) -> None:
        if self.exists(aggregate_id):
            raise AlreadyExists(f"{label} {aggregate_id} already exists")

    def events_of(self, aggregate_id: UUID) -> Iterator[DomainEventProtocol[UUID]]:
        """Every event of one aggregate, oldest first."""
        return self._app.events.get(aggregate_id)

    def read_log(self, after: int, limit: int) -> list[tuple[int, DomainEventProtocol[UUID]]]:
        """The write side's own log, a page after ``after`` (for decisions taken from posted facts)."""
        return self._read_log(after, limit, ())

    def postings(self) -> Iterator[tuple[int, DomainEventProtocol[UUID]]]:
        """Every event that posted (carries a journal), in log order, from the write side's own
        log: the facts a year-end close or a revaluation decides from. The others are skipped in
        the database, never decoded."""
        topics = tuple(str(vars(c)["TOPIC"]) for c in events_with_field("journal"))
        after = 0
        while page := self._read_log(after, 1000, topics):
            for position, event in page:
                after = position
                yield position, event

    def chart(self) -> ChartRules:
        """The store's chart of accounts as posting sees it (the implicit services-eu chart while
        the store has no chart events); read once per unit of work."""
        if self._chart is None:
            try:
                self._chart = self.load(Chart, CHART_ID, label="chart of accounts").rules
            except NotFound:
                self._chart = IMPLICIT
        return self._chart

    def today(self) -> date:
        """Today on the log's clock: the business date of a command that gives none, and the day
        the rules that need one go by (a close not from the future, a key's issue date), so a story
        told on its own clock, or a test's, is dated on its own days."""
        return self._log_today()

    # -- writing -------------------------------------------------------------------------

    def commit(self, subject: KeelAggregate, *others: KeelAggregate | None) -> CommandResult:
        """Save ``subject`` and ``others`` (None skipped) in one transaction; answer with the
        subject's id and new version and the log position reached."""
        if not self._open:
            raise RuntimeError("this unit of work is over: it commits once, inside its block")
        self._open = False
        self._check_postings([subject, *(a for a in others if a is not None)])
        ticket = current_ticket.get()
        if ticket is not None:
            # The completed idempotency record is written in the same transaction as the events.
            response = {"id": str(subject.id), "version": subject.version}
            recordings = self._app.save(subject, *others, idempotency=(ticket, response))
        else:
            recordings = self._app.save(subject, *others)
        position = max((r.notification.id for r in recordings), default=0)
        if self._on_saved and position:
            self._on_saved(position)
        return CommandResult(id=subject.id, version=subject.version, position=position)

    @contextmanager
    def stream(self) -> Iterator[Stream]:
        """``with uow.stream() as out: out.append(…)…; result = out.commit(subject, *others)``: one
        transaction written in chunks (see ``Stream``); it commits when the block ends, once."""
        if not self._open:
            raise RuntimeError("this unit of work is over: it commits once, inside its block")
        if self._open_stream is None:
            raise RuntimeError("this store cannot append in chunks")
        self._open = False
        with self._open_stream() as appender:
            out = Stream(self, appender)
            yield out
            if out.result is None:
                raise RuntimeError("a stream ends with commit(subject, …)")
        if self._on_saved and out.result.position:
            self._on_saved(out.result.position)

    def _check_postings(self, aggregates: list[KeelAggregate]) -> None:
        """Every journal about to be recorded posts only where the chart allows (one place for
        every context): accounts that exist and are active, in their currency, and no manual
        entry to a control account. A chart saved in the same commit is the one that applies."""
        saved = next((a for a in aggregates if isinstance(a, Chart)), None)
        self._check_events(
            [e for a in aggregates for e in a.pending_events], saved.rules if saved is not None else None
        )

    def _check_events(self, events: Sequence[DomainEventProtocol[UUID]], rules: ChartRules | None = None) -> None:
        posting = [e for e in events if getattr(e, "journal", None)]
        if not posting:
            return
        rules = self.chart() if rules is None else rules
        for event in posting:
            manual, closing = isinstance(event, JournalEntry.Posted), isinstance(event, Books.YearClosed)
            rules.check_lines(getattr(event, "journal", None) or [], manual=manual, closing=closing)


Handler = Callable[[UnitOfWork, Any], CommandResult]
Handlers = Mapping[type[Command], Handler]


def handlers(*groups: Handlers) -> dict[type[Command], Handler]:
    """Several mappings of handlers as one; a message handled twice is a wiring mistake."""
    joined: dict[type[Command], Handler] = {}
    for group in groups:
        twice = joined.keys() & group.keys()
        if twice:
            raise ValueError(f"handled twice: {', '.join(sorted(t.__name__ for t in twice))}")
        joined.update(group)
    return joined
