"""The scheduler: runs each job kind when its schedule says, every cause under a lease, and records
each run.

``Worker.pass_once(as_of)`` runs every enabled kind once, in order, for a business date (what
``keel worker --once --as-of`` does); ``Worker.run_forever`` wakes every few seconds and runs the
kinds whose next cron moment (in the schedule's time zone) has come. The worker's "now" is the
log's clock, so a test or a story that sets the clock gets the same runs every time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from cronsim import CronSim

from api.settings import Settings
from api.system import Keel
from api.worker import leases
from api.worker.jobs import Context, JobKind, Outcome
from api.worker.kinds import default_kinds
from api.worker.mail import Mailer, SmtpConfig, SmtpUrlError
from ledger.errors import DomainError, NotFound
from ledger.schedules import Schedule, schedule_id

log = logging.getLogger("keel.worker")
BATCH = 200  # causes read from ``due`` at a time
LEASED_AT_ONCE = 10  # causes leased in one transaction, then done one by one: well within a lease
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class ScheduleView:
    kind: str
    description: str
    cron: str
    timezone: str
    enabled: bool
    recorded: bool  # False: the kind's default, nothing recorded yet


@dataclass(frozen=True)
class RunSummary:
    kind: str
    done: int
    skipped: int
    failed: int
    note: str


@dataclass(frozen=True)
class KindStatus:
    schedule: ScheduleView
    last_run: leases.Run | None
    next_run: datetime | None
    failing: int  # causes waiting for a retry after an error
    last_error: str | None


class Worker:
    def __init__(self, keel: Keel, kinds: dict[str, JobKind] | None = None, owner: str | None = None) -> None:
        self.keel = keel
        self.kinds = kinds if kinds is not None else default_kinds()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.leases = leases.Leases(keel.views, self.owner, keel.settings.worker_lease_seconds)
        self.smtp: SmtpConfig | None = None
        self.pruned_at: datetime | None = None
        self.smtp_problem: str | None = None  # a KEEL_SMTP_URL that cannot be used: the outbox waits
        try:
            self.smtp = SmtpConfig.parse(keel.settings.smtp_url) if keel.settings.smtp_url else None
        except SmtpUrlError as exc:
            self.smtp_problem = str(exc)

    # -- schedules ------------------------------------------------------------------------

    def schedule(self, kind: str) -> ScheduleView:
        job = self.kinds[kind]
        try:
            s = self.keel.app.get(Schedule, schedule_id(kind))
        except NotFound:
            return ScheduleView(kind, job.description, job.default_cron, "UTC", True, False)
        return ScheduleView(kind, job.description, s.cron, s.timezone, s.enabled, True)

    def next_slot(self, view: ScheduleView, after: datetime) -> datetime:
        zone = ZoneInfo(view.timezone)
        return next(iter(CronSim(view.cron, after.astimezone(zone).replace(second=0, microsecond=0)))).astimezone(UTC)

    # -- running --------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.keel.app.log_clock.now().astimezone(UTC)

    def pass_once(self, as_of: date | None = None, kinds: Iterable[str] | None = None) -> list[RunSummary]:
        """Every enabled kind once (or those named), for ``as_of`` (default: today in each schedule's zone)."""
        summaries = []
        for name in kinds or list(self.kinds):
            view = self.schedule(name)
            if not view.enabled:
                continue
            now = self.now()
            day = as_of or now.astimezone(ZoneInfo(view.timezone)).date()
            summaries.append(self._guarded(name, day, None))
        return summaries

    def run_due(self) -> list[RunSummary]:
        """The kinds whose next scheduled moment has come (never run: at once, to catch up)."""
        self.prune()
        summaries = []
        for name in self.kinds:
            view = self.schedule(name)
            if not view.enabled:
                continue
            now = self.now()
            last = leases.last_run(self.keel.views, name)
            if last is not None:
                slot = self.next_slot(view, last.slot or last.started_at)
                if slot > now:
                    continue
                while (following := self.next_slot(view, slot)) <= now:  # missed slots: one run covers them
                    slot = following
            else:
                slot = now.replace(second=0, microsecond=0)
            summaries.append(self._guarded(name, now.astimezone(ZoneInfo(view.timezone)).date(), slot))
        return summaries

    def prune(self, at: datetime | None = None) -> tuple[int, int]:
        """Forget finished jobs and runs older than ``worker_keep_days``: at most once an hour."""
        now = at or self.now()
        if self.pruned_at is not None and now - self.pruned_at < PRUNE_EVERY:
            return 0, 0
        self.pruned_at = now
        return leases.prune(self.keel.views, now - timedelta(days=self.keel.settings.worker_keep_days))

    def _guarded(self, name: str, as_of: date, slot: datetime | None) -> RunSummary:
        """One kind's run; one that fails (its ``due`` on a read model it cannot read) is logged and
        counted, and the kinds after it still run (a sequence's trouble never stops the outbox)."""
        try:
            return self.run_kind(name, as_of, slot)
        except Exception as exc:
            log.exception("job kind %s failed", name)
            return RunSummary(name, 0, 0, 1, f"the run failed: {type(exc).__name__}: {exc}"[:500])

    def run_kind(self, name: str, as_of: date, slot: datetime | None) -> RunSummary:
        job = self.kinds[name]
        self.keel.engine.catch_up()  # due() reads the read models: let them hold every effect so far
        with self._mailer() as mailer:
            ctx = Context(self.keel, as_of, self.now(), mailer)
            run_id = leases.start_run(self.keel.views, name, self.owner, as_of, slot, ctx.now)
            why_not = job.enabled_when(ctx)
            counts = {"done": 0, "skipped": 0, "failed": 0}
            notes: list[str] = [why_not] if why_not else []
            if why_not is None:
                for batch in _batches(job.due(ctx), BATCH):
                    settled = self.leases.settled(name, batch)
                    for chunk in _batches((c for c in batch if c not in settled), LEASED_AT_ONCE):
                        ended: list[tuple[str, str, str]] = []
                        for cause in self.leases.take(name, chunk):
                            outcome = self._one(job, ctx, cause)
                            if outcome is None:
                                counts["failed"] += 1
                                continue
                            state = "waiting" if outcome.result == "deferred" else "done"
                            ended.append((cause, state, f"{outcome.result}: {outcome.note}"))
                            counts["skipped" if outcome.result == "deferred" else outcome.result] += 1
                            if outcome.result in ("done", "failed") and len(notes) < 20:
                                notes.append(outcome.note)
                        self.leases.finish(name, ended)
            note = "; ".join(notes)
            leases.finish_run(
                self.keel.views, run_id, self.now(), counts["done"], counts["skipped"], counts["failed"], note
            )
        return RunSummary(name, counts["done"], counts["skipped"], counts["failed"], note)

    def _one(self, job: JobKind, ctx: Context, cause: str) -> Outcome | None:
        try:
            outcome = job.run(ctx, cause)
        except DomainError as exc:  # refused by a rule: doing it again would be refused again
            outcome = Outcome("skipped", str(exc))
        except Exception as exc:
            log.exception("job %s %s failed", job.name, cause)
            self.leases.failed(job.name, cause, f"{type(exc).__name__}: {exc}", self.leases.attempts(job.name, cause))
            return None
        return outcome

    def _mailer(self) -> Mailer | _NoMailer:
        return Mailer(self.smtp, self.keel.settings.mail_from) if self.smtp else _NoMailer()

    # -- status ---------------------------------------------------------------------------

    def status(self) -> list[KindStatus]:
        found = []
        for name in self.kinds:
            view = self.schedule(name)
            last = leases.last_run(self.keel.views, name)
            count, error = leases.failing(self.keel.views, name)
            after = (last.slot or last.started_at) if last else None
            upcoming = self.next_slot(view, after) if after and view.enabled else None
            if view.enabled and last is None:
                upcoming = self.now()
            found.append(KindStatus(view, last, upcoming, count, error))
        return found

    def run_forever(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                self.run_due()
            except Exception:  # a database away, say: log it, try again at the next poll
                log.exception("worker pass failed")
            stop.wait(self.keel.settings.worker_poll_seconds)


class _NoMailer:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _batches(causes: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(causes)
    while batch := list(islice(it, size)):
        yield batch


def start_in_thread(settings: Settings) -> threading.Event:
    """``keel serve --worker``: the worker beside the server, in a daemon thread with its own
    connections (as if another process); set the event returned to stop it."""
    stop = threading.Event()

    def work() -> None:
        with Keel.start(settings, follow=False) as keel:
            Worker(keel).run_forever(stop)

    threading.Thread(target=work, name="keel-worker", daemon=True).start()
    return stop
