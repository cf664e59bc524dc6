"""``keel worker`` (run due jobs: once, or for as long as it lives), ``keel worker status`` and
``keel schedules list|set|remove`` (ADR 0041)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from typing import Annotated, Any

import typer

from api.cli.base import FormatOption, app, cli_actor, emit, fail, keel_system
from api.cli.output import Format, err, out

worker_app = typer.Typer(help="Run the jobs that are due: billing, invoice e-mails, the outbox, webhooks.")
app.add_typer(worker_app, name="worker")
schedules_app = typer.Typer(help="When each job kind runs: cron in a time zone.", no_args_is_help=True)
app.add_typer(schedules_app, name="schedules")


def _worker(keel: Any) -> Any:
    from api.worker.scheduler import Worker

    runner = Worker(keel)
    if runner.smtp_problem:
        raise fail(runner.smtp_problem)
    return runner


@worker_app.callback(invoke_without_command=True)
def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run every enabled job kind once, then exit.")] = False,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="With --once: the business date to run for (catch-up)."),
    ] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="With --once: only these job kinds.")] = None,
) -> None:
    """Run due jobs: with --once every enabled kind once (for --as-of DATE), else each on its schedule
    until stopped (Ctrl-C, SIGTERM). Safe to run twice at once and to kill: every cause is done once."""
    if ctx.invoked_subcommand is not None:
        return
    if (as_of or kind) and not once:
        raise typer.BadParameter("--as-of and --kind go with --once", param_hint="--as-of")
    with keel_system() as keel:
        runner = _worker(keel)
        unknown = [k for k in kind or () if k not in runner.kinds]
        if unknown:
            raise fail(f"unknown job kind {unknown[0]!r}; kinds: {', '.join(runner.kinds)}")
        if once:
            for s in runner.pass_once(as_of.date() if as_of else None, kind or None):
                line = f"{s.kind}: {s.done} done, {s.skipped} skipped, {s.failed} failed"
                out.print(line + (f" — {s.note}" if s.note else ""), highlight=False, soft_wrap=True)
            return
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        err.print(f"keel worker on {keel.settings.describe_store()}: {', '.join(runner.kinds)}", highlight=False)
        try:
            runner.run_forever(stop)
        except KeyboardInterrupt:
            err.print("stopped")


@worker_app.command("status")
def worker_status(fmt: FormatOption = Format.table) -> None:
    """Each job kind: its schedule, last run (what it did), next run, causes failing; the outbox queue."""
    from projections.automation.outbox import outbox_state

    with keel_system(reading=True) as keel:
        runner = _worker(keel)
        keel.engine.catch_up()
        statuses, queue = runner.status(), outbox_state(keel.views)
    rows = [
        [
            s.schedule.kind,
            f"{s.schedule.cron} ({s.schedule.timezone})" + ("" if s.schedule.enabled else " disabled"),
            s.last_run.started_at.isoformat() if s.last_run else "",
            f"{s.last_run.done} done, {s.last_run.skipped} skipped, {s.last_run.failed} failed" if s.last_run else "",
            s.next_run.isoformat() if s.next_run else "",
            s.failing,
        ]
        for s in statuses
    ]
    meta = {"queued": queue.queued, "failing": queue.failing, "delivered": queue.delivered}
    emit(fmt, "Worker", ["kind", "schedule", "last_run", "did", "next_run", "failing"], rows, meta)
    if queue.last_error and fmt is Format.table:
        err.print(f"last delivery error: {queue.last_error}", highlight=False, soft_wrap=True)


@schedules_app.command("list")
def schedules_list(fmt: FormatOption = Format.table) -> None:
    """Every job kind's schedule (the kind's default until one is set)."""
    with keel_system(reading=True) as keel:
        runner = _worker(keel)
        views = [runner.schedule(k) for k in runner.kinds]
    rows = [[v.kind, v.cron, v.timezone, v.enabled, "set" if v.recorded else "default", v.description] for v in views]
    emit(fmt, "Schedules", ["kind", "cron", "timezone", "enabled", "source", "what"], rows, {})


@schedules_app.command("set")
def schedules_set(
    kind: Annotated[str, typer.Argument(help="The job kind (keel schedules list).")],
    cron: Annotated[str, typer.Option("--cron", help="Five fields: minute hour day month weekday.")],
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone the cron is read in.")] = "UTC",
    disabled: Annotated[bool, typer.Option("--disabled", help="Record it, but do not run the kind.")] = False,
) -> None:
    """Set when a job kind runs. An invalid cron or time zone is refused; nothing is written."""
    _set(kind, cron, timezone, not disabled)


@schedules_app.command("remove")
def schedules_remove(kind: Annotated[str, typer.Argument(help="The job kind.")]) -> None:
    """Stop running a job kind on its own (its schedule is kept, disabled; `set` enables it again)."""
    with keel_system() as keel:
        view = _worker(keel).schedule(kind) if kind in _worker(keel).kinds else None
    if view is None:
        raise fail(f"unknown job kind {kind!r}")
    _set(kind, view.cron, view.timezone, False)


def _set(kind: str, cron: str, timezone: str, enabled: bool) -> None:
    from commands.messages import SetSchedule
    from ledger.events import Meta

    with keel_system() as keel:
        if kind not in _worker(keel).kinds:
            raise fail(f"unknown job kind {kind!r}; kinds: {', '.join(_worker(keel).kinds)}")
        result = keel.app.handle(
            SetSchedule(meta=Meta(cli_actor()), kind=kind, cron=cron, timezone=timezone, enabled=enabled)
        )
    state = "enabled" if enabled else "disabled"
    out.print(f"{kind}: {cron} ({timezone}), {state} (log position {result.position})", highlight=False)
