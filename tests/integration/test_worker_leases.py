"""Exactly once per cause on PostgreSQL: two workers against 1,000 due jobs, and a worker killed
with SIGKILL in the middle of a job (its lease runs out, the next worker completes the job once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from worker_support import mail_kind, smtp_server

from api.settings import Settings
from api.system import Keel
from api.worker.jobs import registry
from api.worker.kinds import OUTBOX
from api.worker.scheduler import RunSummary, Worker
from ledger.outbox import DELIVERED, Message, cause_id

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
JOBS = 1000
LEASE = 8.0  # the killed worker's: short, for the test's sake


def settings(url: str, tmp_path: Path, port: int = 25, lease: float = 300.0) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=url,
        data_dir=tmp_path / "keel",
        _env_file=None,
        auth="off",
        smtp_url=f"smtp://127.0.0.1:{port}",
        worker_lease_seconds=lease,
    )


def test_two_workers_on_1000_due_jobs_do_each_exactly_once(postgres_url: str, tmp_path: Path) -> None:
    with smtp_server() as (inbox, port):
        systems = [Keel.start(settings(postgres_url, tmp_path, port), follow=False) for _ in range(2)]
        try:
            workers = [Worker(k, registry(mail_kind(JOBS), OUTBOX), owner=f"w{n}") for n, k in enumerate(systems)]
            results: dict[str, list[RunSummary]] = {}
            barrier = threading.Barrier(2)

            def work(w: Worker) -> None:
                barrier.wait()
                results[w.owner] = w.pass_once(kinds=["test-mail"]) + w.pass_once(kinds=["outbox"])

            threads = [threading.Thread(target=work, args=(w,)) for w in workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=600)

            queued = sum(s.done for r in results.values() for s in r if s.kind == "test-mail")
            delivered = sum(s.done for r in results.values() for s in r if s.kind == "outbox")
            assert (queued, delivered) == (JOBS, JOBS)
            assert all(any(s.done for s in r) for r in results.values()), "both workers took a share"
            ids = Counter(inbox.ids())
            assert len(ids) == JOBS and set(ids.values()) == {1}, "each message received exactly once"
            app = systems[0].app
            for n in (0, 499, 999):
                message = app.get(Message, cause_id("test-mail", f"c{n:06d}"))
                assert (message.status, message.version) == (DELIVERED, 2)
        finally:
            for k in systems:
                k.close()


KILLED = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from api.settings import Settings
from api.system import Keel
from api.worker.jobs import JobKind, Outcome, registry
from api.worker.scheduler import Worker
from worker_support import mail_kind

queue = mail_kind(1, "slow-mail")

def run(ctx, cause):
    outcome = queue.run(ctx, cause)  # the effect is recorded ...
    Path({marker!r}).write_text("effect recorded")
    time.sleep(60)  # ... and the worker is killed before it can say the job is done
    return outcome

LEASE = {lease}
kind = JobKind("slow-mail", "", "* * * * *", queue.due, run)
settings = Settings(database_url={url!r}, _env_file=None, auth="off", worker_lease_seconds=LEASE)
Worker(Keel.start(settings, follow=False), registry(kind)).pass_once()
"""


def test_a_worker_killed_mid_job_leaves_the_job_to_the_next_which_completes_it_once(
    postgres_url: str, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    script = KILLED.format(tests=str(Path(__file__).parents[1]), marker=str(marker), url=postgres_url, lease=LEASE)
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, "the worker ended before its job"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        killed = time.monotonic()
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    with Keel.start(settings(postgres_url, tmp_path, lease=LEASE), follow=False) as keel:
        worker = Worker(keel, registry(mail_kind(1, "slow-mail")), owner="restarted")
        (held,) = worker.pass_once()
        if time.monotonic() - killed < LEASE - 2:  # (a machine slow enough may get here after it ran out)
            assert (held.done, held.skipped) == (0, 0)  # the dead worker's lease still holds
        retried = held
        while retried.skipped == 0:  # once the lease has run out, the job is taken over
            assert time.monotonic() - killed < LEASE + 60
            time.sleep(0.5)
            (retried,) = worker.pass_once()
        assert (retried.done, retried.skipped, retried.failed) == (0, 1, 0)  # the effect was there: no second one
        (after,) = worker.pass_once()
        assert (after.done, after.skipped) == (0, 0)  # done, for good
        message = keel.app.get(Message, cause_id("slow-mail", "c000000"))
        assert message.version == 1
        with keel.views.read() as cur:
            cur.execute("SELECT state, attempts, owner FROM keel_jobs WHERE kind = 'slow-mail'")
            assert cur.fetchall() == [("done", 2, "restarted")]
