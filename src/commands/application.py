"""The write side's application: the event store, and the one way in for commands.

``handle(command)`` finds the command's handler in the mapping the business contexts expose
(``commands.sales``, ``finance``, ``crm``, ``delivery``, ``access``), gives it a fresh unit of work
(``commands.unit_of_work``) and returns what its one atomic save answers. Nothing is written
unless every rule holds. A save that races another writer on the same aggregate fails on its
version; the handler is then given a new unit of work and decides again.

The rest reads the log: for projections (``read_log``, ``head_position``), the "known at" axis
(``position_at``, ``moment_of``), audits and tests (``history``, ``get``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from commands.access import keys, users
from commands.adapters.clock import SYSTEM_CLOCK, Clock
from commands.adapters.recorders import BulkAppend, KeelApplicationRecorder, keel_recorder
from commands.adapters.store import APP_NAME, event_store_env, preflight
from commands.adapters.stored_form import stored_form
from commands.adapters.stored_states import Layout, StoredState, decoded_event, decoded_value, layout, stored_states
from commands.adapters.transcodings import register_keel_transcodings
from commands.aggregate_cache import AggregateCache
from commands.finance import expenses
from commands.idempotency import Claim, Ticket
from commands.posting import functional_currency
from commands.unit_of_work import Appender, Command, CommandResult, Handler, UnitOfWork, handlers
from ledger.access import Principal
from ledger.books import BOOKS_ID, Books
from ledger.chart import Chart
from ledger.customer import Customer
from ledger.errors import DomainError, NotFound
from ledger.events import KeelAggregate
from ledger.expense_policy import ExpensePolicy
from ledger.fx import FxRates
from ledger.money import minor_units
from ledger.people import Person
from ledger.projects import Project
from ledger.sales_rule_book import SalesRules
from ledger.sequence import NumberSequence
from ledger.topics import event_classes

A = TypeVar("A", bound=KeelAggregate)

MAX_ATTEMPTS = 12
# Aggregates kept folded per process (commands.aggregate_cache): enough for the customers,
# open invoices, projects and people a business works on at once; the least recent go first.
AGGREGATE_CACHE_SIZE = 4096


class KeelApplication(Application[UUID]):
    name = APP_NAME
    # Aggregates that gain events for as long as they live (a number sequence per document, a
    # project per allocation and approved week, a customer per credit movement, the books per
    # close) are snapshotted, so loading them stays O(1). Snapshots are a cache: the events rule.
    snapshotting_intervals = {
        NumberSequence: 50,
        Project: 50,
        Customer: 50,
        Books: 50,
        Person: 50,
        Chart: 50,
        FxRates: 50,
        SalesRules: 50,  # every rule, and a turn per owner a round robin assigned
    }

    def __init__(self, database_url: str, functional_currency: str = "EUR", clock: Clock = SYSTEM_CLOCK) -> None:
        env = event_store_env(database_url)
        preflight(database_url)
        # Every stored topic resolves before the log is read: an event class registers its topic
        # when its module is imported, and a process that only reads imports no handler that would.
        event_classes()
        super().__init__(env=env)
        # The log as Keel keeps it (times, hash chain, idempotency records): each backend its own.
        self.keel_log: KeelApplicationRecorder = keel_recorder(self.recorder)
        self.keel_log.set_up(database_url, self.snapshots.recorder if self.snapshots else None)
        minor_units(functional_currency)
        self.default_functional_currency = functional_currency
        self.log_clock = clock
        self._layouts: dict[str, Layout | None] = {}
        # Today's date for the rules that need one (a close not from the future, a key's issue date):
        # the log clock's, so a story told on its own clock closes its periods on its own days. Tests
        # may set a date of their own. (Commands without a date still default to the wall clock's.)
        # Called with the log position after each successful save (wakes local projections).
        self.on_saved: Callable[[int], None] | None = None
        # Told each command's type, its seconds and its outcome ("ok", "refused", "failed"): metrics.
        self.on_handled: Callable[[str, float, str], None] | None = None
        self.aggregates = AggregateCache(self._load_fresh, lambda i, v: self.events.get(i, gt=v), AGGREGATE_CACHE_SIZE)

    @property
    def log_clock(self) -> Clock:
        """Where the moment each append is recorded at comes from (the "known at" axis)."""
        return self._log_clock

    @log_clock.setter
    def log_clock(self, clock: Clock) -> None:
        self._log_clock = clock
        self.keel_log.clock = clock

    def today(self) -> date:
        """Today on the log's clock: the business date of anything asked without one."""
        return self.log_clock.now().date()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_keel_transcodings(transcoder)

    # -- the one way in -------------------------------------------------------------

    @cached_property
    def _handlers(self) -> dict[type[Command], Handler]:
        """Every context's handler by the command it handles, gathered for the first command: a
        process that only reads (a report from the CLI) does not import the write side's contexts."""
        from commands.automation.handlers import HANDLERS as AUTOMATION
        from commands.crm.handlers import HANDLERS as CRM
        from commands.delivery.handlers import HANDLERS as DELIVERY
        from commands.finance.handlers import HANDLERS as FINANCE
        from commands.recurring.handlers import HANDLERS as RECURRING
        from commands.reminders.handlers import HANDLERS as REMINDERS
        from commands.rules.handlers import HANDLERS as RULES
        from commands.sales.handlers import HANDLERS as SALES
        from commands.sequences.handlers import HANDLERS as SEQUENCES
        from commands.webhooks.handlers import HANDLERS as WEBHOOKS

        contexts = (
            SALES,
            FINANCE,
            CRM,
            DELIVERY,
            AUTOMATION,
            WEBHOOKS,
            REMINDERS,
            RECURRING,
            RULES,
            SEQUENCES,
            keys.HANDLERS,
            users.HANDLERS,
        )
        return handlers(*contexts)

    def handle(self, command: Command) -> CommandResult:
        """Run a command; retry when another writer changed the same aggregates meanwhile."""
        started, outcome = time.perf_counter(), "failed"
        try:
            result = self._handle(command)
            outcome = "ok"
            return result
        except DomainError:
            outcome = "refused"
            raise
        finally:
            if self.on_handled is not None:
                self.on_handled(type(command).__name__, time.perf_counter() - started, outcome)

    def _handle(self, command: Command) -> CommandResult:
        handler = self._handlers[type(command)]
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self.unit_of_work() as uow:
                    return handler(uow, command)
            except IntegrityError:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                # Someone else won the race; back off a little (jittered) and decide again.
                time.sleep(random.uniform(0.001, 0.004) * 2 ** min(attempt, 5))
        raise AssertionError("unreachable")

    def would_record(self, commands: Sequence[Command]) -> list[list[DomainEventProtocol[UUID]]]:
        """What each command would record, run in order by its handler on what the store holds
        now and on what the ones before it decided, without saving anything (a scenario's
        hypothetical events, ADR 0066). A refused command raises ``Refused`` with its index."""
        from commands.dry_run import DryRun, Refused

        today, currency = self.today, self.default_functional_currency
        uow = DryRun(self, read_log=self.read_log, log_today=today, default_functional_currency=currency)
        with uow:
            recorded = []
            for index, command in enumerate(commands):
                try:
                    self._handlers[type(command)](uow, command)
                except DomainError as error:
                    raise Refused(index, error) from error
                recorded.append(uow.take())
            return recorded

    def command_types(self) -> tuple[type[Command], ...]:
        """Every command this application handles (an import names them by class)."""
        return tuple(self._handlers)

    def unit_of_work(self) -> UnitOfWork:
        """A fresh unit of work on this store: ``with app.unit_of_work() as uow: …; uow.commit(a, b)``."""
        return UnitOfWork(
            self,
            read_log=self.read_log,
            log_today=self.today,
            default_functional_currency=self.default_functional_currency,
            on_saved=self.on_saved,
            open_stream=self.appending,
            load_many=self.load_many,
            aggregates=self.aggregates,
        )

    def _load_fresh(self, aggregate_id: UUID) -> KeelAggregate:
        """A load from the store for the kept aggregates. One found more than its interval past its
        last snapshot (a history appended in bulk takes none) is snapshotted now: the next process's
        first load of it reads a snapshot and a few events, not its whole history."""
        aggregate: KeelAggregate = self.repository.get(aggregate_id)
        interval = self.snapshotting_intervals.get(type(aggregate))
        if interval and self.snapshots is not None and aggregate.version > interval:
            latest = next(iter(self.snapshots.get(aggregate_id, desc=True, limit=1)), None)
            if latest is None or aggregate.version - latest.originator_version > interval:
                snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
                assert snapshot_class is not None
                with suppress(IntegrityError):  # another process took the same one meanwhile
                    self.snapshots.put([snapshot_class.take(aggregate)])
        return aggregate

    def load_many(self, ids: Sequence[UUID]) -> dict[UUID, KeelAggregate]:
        """The aggregates of these ids that exist, each folded from all its events (one read)."""
        found: dict[UUID, KeelAggregate] = {}
        for stored in self.keel_log.select_many(ids):
            event = self.mapper.to_domain_event(stored)
            found[event.originator_id] = event.mutate(found.get(event.originator_id))  # type: ignore[attr-defined]
        return found

    @contextmanager
    def appending(self) -> Iterator[Appender]:
        """Aggregates appended in one transaction in chunks (``UnitOfWork.stream``)."""
        with self.keel_log.bulk() as bulk:
            yield _Appender(self, bulk)

    def functional_currency(self) -> str:
        """The books' currency: fixed when they were opened, else the configured default."""
        return functional_currency(self.unit_of_work())

    def expense_policy(self) -> ExpensePolicy:
        """The policy in force: the configured one, else the default (manager approves, finance falls back)."""
        return expenses.expense_policy(self.unit_of_work())

    # -- who calls ------------------------------------------------------------------

    def authenticate(self, token: str) -> Principal:
        """The principal an API key stands for; ``Unauthenticated`` for unknown, wrong or revoked keys."""
        return keys.authenticate(self.unit_of_work(), token)

    def principal(self, key_id: str) -> Principal:
        """The principal of a key known to be valid (bearer tokens name it); revoked keys fail."""
        return keys.principal(self.unit_of_work(), key_id)

    # -- reading the log (for projections, audits and tests) -------------------------

    def read_log(
        self, after: int, limit: int, topics: Sequence[str] = ()
    ) -> list[tuple[int, DomainEventProtocol[UUID]]]:
        """Up to ``limit`` events after position ``after``, only of ``topics`` if given: events of
        other topics are skipped in the database, never decoded."""
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, topics=topics, inclusive_of_start=False
        )
        return [(n.id, self.mapper.to_domain_event(n)) for n in notifications]

    def read_stored(self, after: int, limit: int) -> list[StoredState]:
        """Up to ``limit`` events after position ``after`` as stored: their fields parsed but not
        decoded where that is their current form (for readers that write them out again)."""
        return stored_states(self.mapper, self.keel_log.select_stored(after, limit))

    def decode_stored_value(self, value: Any) -> Any:
        """A value of ``read_stored``'s fields (a line, a set…) as decoding the event makes it."""
        return decoded_value(cast(JSONTranscoder, self.mapper.transcoder), value)

    def stored_layout(self, name: str) -> Layout | None:
        """The fields of a wrapper of this name in ``read_stored``'s fields, if decoding it does no
        more than fill in defaults (see ``stored_states.layout``)."""
        if name not in self._layouts:
            self._layouts[name] = layout(cast(JSONTranscoder, self.mapper.transcoder), name)
        return self._layouts[name]

    def decode_stored(self, stored: StoredState) -> DomainEventProtocol[UUID]:
        """An event of ``read_stored`` decoded, as ``read_log`` gives it."""
        return decoded_event(self.mapper, stored)

    def head_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def times_of(self, positions: Sequence[int]) -> dict[int, datetime]:
        """When each of these positions was appended; empty for stores without a log."""
        return self.keel_log.times_of(positions)

    def recorded_times(self, first: int, last: int) -> dict[int, datetime]:
        """When each position was appended (inside its transaction); empty for stores without a log."""
        return self.keel_log.recorded_times(first, last)

    def position_at(self, moment: datetime) -> int:
        """The log position the books had reached at ``moment`` (what "known at" it means)."""
        return self.keel_log.position_at(moment)

    def moment_of(self, position: int) -> datetime | None:
        """When a position was appended; None beyond the head."""
        return self.recorded_times(position, position).get(position)

    # -- idempotency ------------------------------------------------------------------

    def claim(self, ticket: Ticket, stale_after_seconds: float = 60.0) -> Claim:
        return self.keel_log.claim(ticket, stale_after_seconds)

    def finish(self, ticket: Ticket, http_status: int, response: str, success: bool) -> None:
        self.keel_log.finish(ticket, http_status, response, success)

    def history(self, aggregate_id: UUID) -> list[tuple[int | None, DomainEventProtocol[UUID]]]:
        """Every event of one aggregate with its log position, oldest first."""
        events = list(self.events.get(aggregate_id))
        if not events:
            raise NotFound(f"nothing was ever recorded for {aggregate_id}")
        positions = self.keel_log.positions_of(aggregate_id)
        return [(positions.get(e.originator_version), e) for e in events]

    def closes(self) -> list[tuple[date, int, datetime]]:
        """Every period close: (lock date, log position, when it was recorded), oldest first."""
        try:
            history = self.history(BOOKS_ID)
        except NotFound:
            return []
        found = []
        for position, event in history:
            if isinstance(event, Books.PeriodClosed) and position is not None:
                moment = self.moment_of(position)
                if moment is not None:
                    found.append((event.lock_date, position, moment))
        return found

    # -- queries of aggregates (for tests and audits) --------------------------------

    def first_event(self, kind: type[A], aggregate_id: UUID) -> KeelAggregate.Event:
        """The event that created an aggregate of ``kind``: what a never-changing document says."""
        self.get(kind, aggregate_id)  # NotFound unless it exists and is of that kind
        return next(iter(self.events.get(aggregate_id, lte=1)))  # type: ignore[return-value]

    def get(self, kind: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        try:
            aggregate: KeelAggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"{kind.__name__.lower()} {aggregate_id} not found") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{kind.__name__.lower()} {aggregate_id} not found")
        return aggregate


class _Appender:
    def __init__(self, app: KeelApplication, bulk: BulkAppend) -> None:
        self.bulk, self.to_stored = bulk, stored_form(app.mapper)

    def append(self, aggregates: Sequence[KeelAggregate], **kwargs: Any) -> list[int]:
        return self.append_events([event for aggregate in aggregates for event in aggregate.collect_events()], **kwargs)

    def append_events(self, events: Sequence[DomainEventProtocol[UUID]], **kwargs: Any) -> list[int]:
        to_stored = self.to_stored
        return self.bulk.append([to_stored(event) for event in events], **kwargs)

    def append_new(self, events: Sequence[DomainEventProtocol[UUID]]) -> int:
        # Encoded before asking which exist: the question waits for the chunk before this one to be
        # in, and the encoding is work the caller does meanwhile (ADR 0042).
        to_stored = self.to_stored
        stored = [to_stored(event) for event in events]
        ids = [event.originator_id for event in events]
        known = self.bulk.existing(ids)
        fresh = [event for event, id_ in zip(stored, ids, strict=True) if id_ not in known] if known else stored
        self.bulk.append(fresh)
        return len(fresh)

    def settle(self) -> int:
        return self.bulk.settle()
