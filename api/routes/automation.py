"""The worker's schedules and status (ADR 0041): when each job kind runs, what its last run did."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api import schemas
from api.deps import KeelDep, MetaDep, reads
from api.schemas.automation import JobStatus, LastRun, OutboxStatus, ScheduleBody, ScheduleOut, WorkerStatus
from api.worker.scheduler import ScheduleView, Worker
from commands.messages import CommandResult
from projections.automation.outbox import outbox_state

router = APIRouter(prefix="/v1", tags=["worker"])


def _schedule(view: ScheduleView) -> ScheduleOut:
    return ScheduleOut(
        kind=view.kind,
        description=view.description,
        cron=view.cron,
        timezone=view.timezone,
        enabled=view.enabled,
        recorded=view.recorded,
    )


@router.get("/schedules", response_model=list[ScheduleOut])
def list_schedules(keel: KeelDep) -> list[ScheduleOut]:
    """Every job kind and when it runs (its default until a schedule is set)."""
    worker = Worker(keel)
    return [_schedule(worker.schedule(kind)) for kind in worker.kinds]


@router.put("/schedules/{kind}", response_model=schemas.CommandAccepted)
def set_schedule(kind: str, body: ScheduleBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Set when a job kind runs: a cron expression in a time zone. An invalid one is a 422 naming the
    field; nothing is written."""
    if kind not in Worker(keel).kinds:
        raise HTTPException(404, f"no job kind {kind[:60]!r}")
    return keel.app.handle(body.to_command(meta, kind))


@router.get("/worker/status", response_model=WorkerStatus, dependencies=[reads("outbox")])
def worker_status(keel: KeelDep) -> WorkerStatus:
    """Each job kind's schedule, last run (what it did), next run and failing causes; the outbox's queue."""
    worker = Worker(keel)
    jobs = [
        JobStatus(
            kind=s.schedule.kind,
            schedule=_schedule(s.schedule),
            last_run=LastRun(
                as_of=s.last_run.as_of,
                started_at=s.last_run.started_at,
                finished_at=s.last_run.finished_at,
                done=s.last_run.done,
                skipped=s.last_run.skipped,
                failed=s.last_run.failed,
                note=s.last_run.note,
            )
            if s.last_run
            else None,
            next_run=s.next_run,
            failing=s.failing,
            last_error=s.last_error,
        )
        for s in worker.status()
    ]
    q = outbox_state(keel.views)
    outbox = OutboxStatus(
        queued=q.queued,
        failing=q.failing,
        delivered=q.delivered,
        last_error=q.last_error,
        oldest_queued_at=q.oldest_queued_at,
        smtp_configured=worker.smtp is not None,
    )
    return WorkerStatus(jobs=jobs, outbox=outbox)
