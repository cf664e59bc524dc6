"""Running Keel: serve, demo, billing, database set-up, exports and the projections."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.base import (
    FormatOption,
    app,
    billing_app,
    catch_up,
    db_app,
    emit,
    export_app,
    fail,
    keel_system,
    known_moment,
    progress_bar,
    projections_app,
)
from api.cli.output import Format, err, out
from api.cli.reports import KnownAt
from api.cli.serving import serve_processes


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default from KEEL_HOST, else 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port (default from KEEL_PORT, else 8000).")
    ] = None,
    worker: Annotated[
        bool, typer.Option("--worker", help="Also run the worker (scheduled jobs, the outbox) in this process.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes sharing the port (PostgreSQL only). With more than one, the projections"
            " follow the log in one process of their own beside them (unless KEEL_PROJECTIONS=external).",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API (docs at /docs) on the store of KEEL_DATA_DIR or KEEL_DATABASE_URL; projections
    follow the log in-process by default. The first line names the store and the URL."""
    import uvicorn

    from api.http import create_app
    from api.settings import Settings
    from commands.adapters.store import StoreURLError, preflight

    settings = Settings()
    try:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        preflight(settings.event_store_url)
    except StoreURLError as exc:
        raise fail(str(exc)) from None
    if settings.read_replica_url:
        from api.system import replica_url

        try:
            replica_url(settings)
        except ValueError as exc:
            raise fail(str(exc)) from None
    if workers > 1 and settings.backend != "postgresql":
        raise fail("--workers needs PostgreSQL (KEEL_DATABASE_URL=postgresql://…): SQLite is served by one process")
    host = host or settings.host
    port = port if port is not None else settings.port
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    out.print(f"Keel on {settings.describe_store()} — {url} (API docs at /docs)", soft_wrap=True, markup=False)
    if settings.auth == "off":
        err.print(
            "[yellow]warning:[/yellow] KEEL_AUTH=off: whoever reaches this port acts as anyone, with every role",
            markup=True,
        )
    stop = None
    if worker:
        from api.worker.scheduler import start_in_thread

        stop = start_in_thread(settings)
    from api.logs import log_config

    logging = log_config(settings.log_format)
    if workers == 1:
        try:
            uvicorn.run(create_app(settings), host=host, port=port, log_config=logging)
        finally:
            if stop is not None:
                stop.set()
        return
    try:
        serve_processes(settings, host, port, workers, logging)
    finally:
        if stop is not None:
            stop.set()


@app.command()
def demo(
    events: Annotated[
        int,
        typer.Option(
            "--events",
            min=0,
            max=10_000_000,
            help="Also load a deterministic history of about this many events before the demo quarter "
            "(for benchmarks; a fresh store only).",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="The history's random seed.")] = 2026,
) -> None:
    """Load a deterministic demo: a small agency's third quarter (idempotent), each event recorded at
    its moment in the story (July closed on 4 August), so a fresh store only."""
    from api.demo import DemoRefused, is_loaded, load_demo
    from api.demo.history import history_commands, load_history
    from api.demo.history import is_loaded as history_loaded
    from api.demo.people import LOGIN, add_demo_user

    with keel_system() as keel:
        try:
            if events and not history_loaded(keel.app, seed):
                if is_loaded(keel.app):
                    raise fail("the history goes before the demo quarter: load it into a fresh store (KEEL_DATA_DIR)")
                with progress_bar(keel, "history", total=sum(1 for _ in history_commands(events, seed))) as advance:
                    load_history(keel.app, events, seed, progress=advance)
            count = load_demo(keel.app)
        except DemoRefused as exc:
            raise fail(str(exc)) from None
        password = add_demo_user(keel.app) if count else None
        keel.engine.catch_up()
        if count or events:
            head = keel.app.head_position()
            out.print(f"Loaded the demo: log head at position {head}, recorded on the story's clock.", soft_wrap=True)
        if password:
            out.print(
                f"The web app (keel serve, then http://127.0.0.1:8000/): log in as {LOGIN} with the password"
                f" {password} — shown once; keel users reset-password {LOGIN} makes another.",
                soft_wrap=True,
            )
        else:
            out.print("The demo is already loaded; nothing to do.")
        if keel.settings.auth == "keys":
            out.print("HTTP clients need an API key: keel keys create --name you --role accountant")


@billing_app.command("run")
def billing_run(
    as_of: Annotated[datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Bill what is owed by this date.")],
) -> None:
    """Draft every invoice the active projects owe by a date (retainers, last month's time). Safe to rerun."""
    from commands.messages import RunBilling
    from ledger.events import Meta

    with keel_system() as keel:
        keel.engine.catch_up()
        with keel.views.read() as cur:
            cur.execute("SELECT id, name FROM work_projects WHERE status = 'active' ORDER BY name")
            projects = cur.fetchall()
        drafted = 0
        for project_id, name in projects:
            result = keel.app.handle(
                RunBilling(meta=Meta("keel-billing"), project_id=UUID(str(project_id)), as_of=as_of.date())
            )
            if result.position:
                drafted += 1
                out.print(f"{name}: invoices drafted (log position {result.position})")
        out.print(f"billing run as of {as_of.date()}: {len(projects)} active projects, {drafted} with new drafts")


@db_app.command("grant-app-role")
def grant_app_role_command(
    role: Annotated[str, typer.Option("--role", help="The login role the application will use.")] = "keel_app",
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, help="Its password.")] = "",
) -> None:
    """As the owner (KEEL_DATABASE_URL), create the application's role: it may append to the log, never
    delete or truncate it. Then run Keel with that role in KEEL_DATABASE_URL."""
    from api.settings import Settings
    from commands.adapters.store import grant_app_role

    settings = Settings()
    if not settings.database_url:
        raise fail("set KEEL_DATABASE_URL to the PostgreSQL database, as its owner")
    with keel_system():
        pass  # make sure the tables exist, created by the owner
    try:
        grant_app_role(settings.database_url, role, password)
    except Exception as exc:
        raise fail(str(exc).strip().splitlines()[0]) from None
    out.print(f"role {role} can now read and append the log; DELETE and TRUNCATE are denied, UPDATE refused")


@export_app.command("ledger")
def export_ledger(known_at: KnownAt = None) -> None:
    """Write the general ledger as a ledger-cli / hledger journal to standard output."""
    from projections.finance.export import journal_lines

    with keel_system() as keel:
        catch_up(keel)
        for line in journal_lines(keel.views, keel.functional_currency, known_moment(keel, known_at)):
            sys.stdout.write(line + "\n")


@export_app.command("events")
def export_events(
    after: Annotated[int, typer.Option("--after", min=0, help="Only the events after this log position.")] = 0,
) -> None:
    """Write the log as NDJSON to standard output, one event a line (position, aggregate_id, version,
    topic, recorded_at, state): what `keel import events` reads."""
    from commands.event_import import export_lines

    with keel_system(reading=True) as keel:
        for line in export_lines(keel.app, after):
            sys.stdout.buffer.write(line)
        sys.stdout.flush()


@projections_app.command("status")
def projections_status(fmt: FormatOption = Format.table) -> None:
    """Position and lag of every read model; exits 1 if any is stopped at an event it cannot fold."""
    with keel_system() as keel:
        statuses = keel.engine.status()
    rows = [
        [
            s.name,
            s.position,
            s.head,
            s.lag,
            f"{s.events_per_second:,.0f}" if s.events_per_second else "",
            s.updated_at.isoformat() if s.updated_at else "",
            "ok" if s.failure is None else f"stopped at {s.failure.position}",
        ]
        for s in statuses
    ]
    header = ["projection", "position", "head", "lag", "events_per_second", "updated_at", "health"]
    emit(fmt, "Projections", header, rows, {})
    failing = [s for s in statuses if s.failure is not None]
    for s in failing:
        assert s.failure is not None
        err.print(
            f"{s.name}: stopped at position {s.failure.position} ({s.failure.event}): {s.failure.error}",
            highlight=False,
            soft_wrap=True,
        )
    if failing:
        raise typer.Exit(1)


def _progress(started: float) -> Callable[[str, int], None]:
    done: dict[str, int] = {}

    def report(name: str, n: int) -> None:
        done[name] = done.get(name, 0) + n
        rate = done[name] / max(time.monotonic() - started, 1e-6)
        err.print(f"{name}: {done[name]} events ({rate:,.0f}/s)", end="\r", highlight=False)

    return report


Only = Annotated[
    list[str] | None,
    typer.Option(
        "--only",
        metavar="NAME",
        help="Run only this projection (repeatable): a process per projection, or per group of them."
        " Each projection must be run by some process.",
    ),
]


@projections_app.command("run")
def projections_run(
    once: Annotated[bool, typer.Option("--once", help="Catch up, then exit instead of following.")] = False,
    only: Only = None,
) -> None:
    """Run the projections as a worker: catch up, then follow the log (Ctrl-C stops). The same as
    `keel projector`."""
    from projections.engine.health import ProjectionFailed

    with keel_system() as keel:
        names = list(dict.fromkeys(only)) if only else None
        unknown = [n for n in names or () if n not in keel.engine.projections]
        if unknown:
            known = ", ".join(sorted(keel.engine.projections))
            raise fail(f"--only: no projection named {unknown[0]!r}; known: {known}")
        if names:
            err.print(f"projector of {', '.join(names)} (pid {os.getpid()})", highlight=False)
        try:
            processed = keel.engine.catch_up(names, progress=_progress(time.monotonic()))
            err.print(f"\ncaught up: {processed} events processed", highlight=False)
        except ProjectionFailed as exc:  # the others caught up; it stays stopped until fixed
            if once:
                raise
            err.print(f"\n{exc}; following the log with the others", highlight=False, soft_wrap=True)
        if once:
            return
        try:
            keel.engine.run_forever(keel.settings.poll_interval, names=names)
        except KeyboardInterrupt:
            err.print("stopped")


app.command(
    "projector",
    help="Run projections in this process: catch up, then follow the log (Ctrl-C stops)."
    " --only NAME (repeatable) gives a projection a process of its own.",
)(projections_run)


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str, typer.Argument(help="The projection to rebuild.")],
    beside: Annotated[
        bool, typer.Option("--beside", help="Build a new generation beside the serving one (resumes if killed).")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Show what the new generation changes (implies --beside).")
    ] = False,
    switch: Annotated[
        bool, typer.Option("--switch", help="Then make it the serving one, atomically (implies --beside).")
    ] = False,
    abandon: Annotated[bool, typer.Option("--abandon", help="Drop an unfinished new generation.")] = False,
) -> None:
    """Rebuild a read model. Plain: drop it and fold the whole log again. With --beside, --diff or
    --switch: fold into new tables while the serving ones keep answering, compare, then switch."""
    from projections.engine.shadow import ShadowRebuild

    blue_green = beside or diff or switch or abandon
    with keel_system(reset_changed=not blue_green) as keel:  # beside: an older version keeps serving
        if not blue_green:
            with progress_bar(keel, name) as advance:
                processed = keel.engine.rebuild(name, progress=lambda _, n: advance(n))
            err.print(f"rebuilt {name}: {processed} events", highlight=False)
            return
        shadow = ShadowRebuild(keel.engine, name)
        if abandon:
            shadow.abandon()
            err.print(f"dropped the unfinished generation {shadow.generation} of {name}", highlight=False)
            return
        resumed = shadow.start()
        err.print(
            f"{'resuming' if resumed else 'building'} generation {shadow.generation} of {name}"
            f" (version {keel.engine.projections[name].schema_version}) beside the serving one",
            highlight=False,
        )
        with progress_bar(keel, name, shadow.position()) as advance:
            shadow.catch_up(progress=lambda n, _: advance(n))
        if diff:
            _print_diff(shadow.diff())
        if switch:
            position = shadow.switch()
            err.print(f"switched: {name} now serves generation {shadow.generation}, at position {position}")


def _print_diff(found: Any) -> None:
    table = Table(
        title=f"{found.projection}: serving v{found.serving_version} vs rebuilt v{found.rebuilt_version}",
        caption="identical" if found.same else "differences: rows only in one generation, money totals in minor units",
    )
    for column in ("table", "rows serving", "rows rebuilt", "only serving", "only rebuilt", "money totals changed"):
        table.add_column(column)
    for t in found.tables:
        changed = [
            f"{c}: {t.totals_serving.get(c, 0)} -> {v}"
            for c, v in t.totals_rebuilt.items()
            if t.totals_serving.get(c) != v
        ]
        table.add_row(
            t.table,
            str(t.rows_serving),
            str(t.rows_rebuilt),
            str(t.only_serving),
            str(t.only_rebuilt),
            "; ".join(changed),
        )
    out.print(table)
    for t in found.tables:
        for row in t.samples_serving:
            out.print(f"[red]- {t.table}[/red] {escape(str(row))}", highlight=False, markup=True)
        for row in t.samples_rebuilt:
            out.print(f"[green]+ {t.table}[/green] {escape(str(row))}", highlight=False, markup=True)
