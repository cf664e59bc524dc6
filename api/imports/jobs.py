"""Imports run in the background (ADR 0039): ``Prefer: respond-async`` on an import answers 202
at once with the import's address, and ``GET /v1/imports/{id}`` tells how far it has come.

A job is the same command as a synchronous import, run on one worker thread of this process
(imports take the log's lock for their transaction, so running two at once would only queue them
in the database). Its progress and, if it is refused, its problems live in this process's memory:
the import itself is one transaction, so a job lost with the process wrote nothing, and posting
the same file again is safe. Finished jobs are kept for ``KEPT`` answers; a written import is
in the log for good, so its record outlives the job.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from commands.idempotency import current_ticket
from commands.progress import listening
from ledger.errors import DomainError

KEPT = 200  # finished jobs remembered (their problems, their outcome), oldest forgotten first


@dataclass
class ImportJob:
    id: UUID
    kind: str
    file_name: str
    digest: str
    lines: int
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    phase: str = "queued"  # queued, reading, checking, writing, written, refused, failed
    done: int = 0
    total: int | None = None
    finished_at: datetime | None = None
    outcome: Any = None  # what the synchronous import answers, once written
    error: DomainError | None = None  # why it was refused
    _seconds: float = field(default_factory=time.perf_counter)

    @property
    def running(self) -> bool:
        return self.finished_at is None

    def lines_per_second(self) -> float | None:
        spent = time.perf_counter() - self._seconds
        return round(self.done / spent, 1) if self.done and spent > 0 and self.running else None


class ImportJobs:
    """The import jobs of this process: started, watched, remembered a while."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[UUID, ImportJob] = OrderedDict()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def get(self, job_id: UUID) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(self, job: ImportJob, run: Callable[[], Any]) -> ImportJob:
        """Run ``run`` (the import) in the background; a job for the same file still running is
        answered instead of starting a second one."""
        with self._lock:
            running = self._jobs.get(job.id)
            if running is not None and running.running:
                return running
            self._jobs[job.id] = job
            self._jobs.move_to_end(job.id)
            while len(self._jobs) > KEPT:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].running:
                    break
                del self._jobs[oldest]
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keel-import")
        context = copy_context()
        # The request's idempotency ticket is the 202's (answered now), not the batch's.
        context.run(current_ticket.set, None)
        self._pool.submit(context.run, self._run, job, run)
        return job

    def _run(self, job: ImportJob, run: Callable[[], Any]) -> None:
        def progress(phase: str, done: int, total: int | None) -> None:
            job.phase, job.done, job.total = phase, done, total

        try:
            with listening(progress):
                job.outcome = run()
            job.phase = "written"
        except DomainError as exc:
            job.error, job.phase = exc, "refused"
        except Exception as exc:
            job.error, job.phase = DomainError(f"the import failed: {type(exc).__name__}: {exc}"), "failed"
        finally:
            job.finished_at = datetime.now(UTC)

    def close(self) -> None:
        """Wait for a running import to end (it is one transaction: stopping it midway writes nothing either)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
